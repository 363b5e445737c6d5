// Names stepops gives Azure ML resources, within the rule Resource Manager holds job ids and
// environment names to (^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$). A job's name derives from the run id
// alone, so a retried PUT lands on the same job and a reattach after a crash finds it; an
// environment version derives from the image's digest, so the same image is registered once.

export const AZURE_ML_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;
const MAX_LENGTH = 255;

/** "20261201-214512345-train_model-3f9a" stays as it is (lowercased): it already keeps to the rule. */
export function commandJobName(runId: string): string {
  return withinRule(runId.toLowerCase(), 'stepops-job');
}

/**
 * The environment the step images of one repository are versions of, named after the registry
 * and repository ("stepops-myreg-azurecr-io-churn"), so that the same digest pushed to another
 * registry is another environment's version rather than a clash.
 */
export function environmentName(image: string, configured?: string): string {
  if (configured) {
    if (!AZURE_ML_NAME.test(configured)) {
      throw new Error(
        `environment_name "${configured}" breaks Azure ML's rule: letters, digits, "_" and "-", starting with a letter or digit, at most 255.`,
      );
    }
    return configured;
  }
  return withinRule(`stepops-${repositoryOf(image)}`, 'stepops-step');
}

/**
 * "sha256-" and the digest's first 32 hex digits (128 bits): the same image always gets the same
 * version, another image another one. A tag stands in only for an image that has no digest.
 */
export function environmentVersion(image: string, digest: string | undefined): string {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(digest ?? '')?.[1];
  if (hex) return `sha256-${hex.slice(0, 32)}`;
  const tag = tagOf(image);
  if (!tag) {
    throw new Error(
      `The image ${image} has neither a digest nor a tag, so it cannot be registered as an Azure ML environment version: push it first.`,
    );
  }
  return withinRule(tag, 'latest');
}

/** An experiment name from the pipeline (or the step): Studio groups jobs under it. */
export function experimentNameFor(pipelineName: string | undefined, stepName: string): string {
  return withinRule(pipelineName || stepName, 'stepops');
}

function withinRule(text: string, fallback: string): string {
  const cleaned = text
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, MAX_LENGTH)
    .replace(/[-_]+$/, '');
  return cleaned || fallback;
}

function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

function tagOf(image: string): string | undefined {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}
