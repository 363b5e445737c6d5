// Training images for the SageMaker emulator. SageMaker takes images from ECR only and checks at
// CreateTrainingJob that the repository and the image exist; the emulator takes them from the
// registries it is given (the local OCI registry, or an ECR host name served by it) and asks that
// registry the same question over the distribution API before it accepts a job.
import type { AwsReply } from '../awsJsonService';

export interface TrainingRegistry {
  /** The registry host an image reference names: 127.0.0.1:5555, or ACCOUNT.dkr.ecr.REGION.amazonaws.com. */
  readonly host: string;
  /** host:port the images are really pulled from (default: host). */
  readonly pullFrom?: string;
  readonly username?: string;
  readonly password?: string;
}

export interface ImageReference {
  readonly registry: TrainingRegistry;
  readonly repository: string;
  /** A tag or a digest (sha256:...). */
  readonly reference: string;
  /** What the local engine pulls: the reference on the registry it is really served from. */
  readonly pullReference: string;
}

const invalid = (message: string): AwsReply => [400, { __type: 'ValidationException', message }];

/** HOST/REPOSITORY[:TAG][@DIGEST] on one of `registries`, or undefined. */
export function resolveImage(image: string, registries: readonly TrainingRegistry[]): ImageReference | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const registry = registries.find((r) => r.host === image.slice(0, slash));
  if (!registry) return undefined;
  const match = /^([a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(
    image.slice(slash + 1),
  );
  if (!match) return undefined;
  const [, repository, tag, digest] = match as unknown as [string, string, string?, string?];
  const pullHost = registry.pullFrom ?? registry.host;
  const reference = digest ?? tag ?? 'latest';
  const pullReference = `${pullHost}/${repository}${digest ? `@${digest}` : `:${reference}`}`;
  return { registry, repository, reference, pullReference };
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** The refusal CreateTrainingJob answers when the image cannot be used, or undefined when it can. */
export async function refuseImage(
  image: string,
  registries: readonly TrainingRegistry[],
  context: { readonly accountId: string; readonly roleArn: string },
): Promise<AwsReply | undefined> {
  const resolved = resolveImage(image, registries);
  if (!resolved) {
    return invalid(
      'Invalid training image. Please provide a valid Amazon Elastic Container Registry path of the Docker image to run. ' +
        `(The SageMaker emulator pulls from ${registries.map((r) => r.host).join(', ') || 'no registry'}; "${image}" is not on one of them.)`,
    );
  }
  const { registry, repository, reference } = resolved;
  const base = `http://${registry.pullFrom ?? registry.host}/v2/${repository}`;
  const headers: Record<string, string> = { accept: MANIFEST_TYPES };
  if (registry.username !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${registry.username}:${registry.password ?? ''}`).toString('base64')}`;
  }
  let manifest: Response;
  let tags: Response | undefined;
  try {
    manifest = await fetch(`${base}/manifests/${reference}`, { headers, signal: AbortSignal.timeout(10_000) });
    // A registry answers MANIFEST_UNKNOWN also in a repository it does not have; its tag list tells.
    if (manifest.status === 404)
      tags = await fetch(`${base}/tags/list`, { headers, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    return invalid(
      `The SageMaker emulator cannot reach the registry of ${image} (${base}): ${(error as Error).message}. Is the local registry running (scripts/services.sh start)?`,
    );
  }
  if (manifest.ok) return undefined;
  if (tags && (await errorCodes(tags)).includes('NAME_UNKNOWN')) {
    return invalid(
      `Cannot find repository: ${repository} in registry ID: ${context.accountId} Please check if your ECR repository exists and role ${context.roleArn} ` +
        'has proper pull permissions for SageMaker: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer',
    );
  }
  if (manifest.status === 404) return invalid(`Cannot find the requested image: ${image}`);
  const codes = await errorCodes(manifest);
  return invalid(
    `Access denied for repository: ${repository} in registry ID: ${context.accountId}. Please check if your ECR repository and image exist ` +
      `and role ${context.roleArn} has proper pull permissions for SageMaker: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ` +
      `ecr:GetDownloadUrlForLayer (the registry answered ${manifest.status}${codes.length ? `: ${codes.join(', ')}` : ''})`,
  );
}

async function errorCodes(answer: Response): Promise<string[]> {
  try {
    const body = (await answer.json()) as { errors?: { code?: string }[] };
    return (body.errors ?? []).map((e) => e.code ?? '').filter(Boolean);
  } catch {
    return [];
  }
}
