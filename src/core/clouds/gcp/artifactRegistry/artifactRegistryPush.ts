// Pushes to Artifact Registry. The Docker repository (REGION-docker.pkg.dev/PROJECT/REPOSITORY)
// must exist before a push; an image path below it is created by the push. Creating a repository
// is an administrator's step (it sets the format, location and encryption), so a push that finds
// none is explained with the gcloud command that creates it, and one the identity may not make
// with the role that allows it.

interface RepositoryPath {
  readonly region: string;
  readonly project: string;
  readonly repository: string;
}

/** REGION-docker.pkg.dev/PROJECT/REPOSITORY[/...] read from the registry component's uri. */
export function artifactRegistryPath(uri: string): RepositoryPath | undefined {
  const match = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)/.exec(uri.trim());
  return match ? { region: match[1]!, project: match[2]!, repository: match[3]! } : undefined;
}

export function explainArtifactRegistryPushFailure(
  config: Readonly<Record<string, unknown>>,
  _repository: string,
  message: string,
): string | undefined {
  const where = artifactRegistryPath(String(config.uri ?? ''));
  if (!where) return undefined;
  const { region, project, repository } = where;
  if (/name unknown|not found|NAME_UNKNOWN/i.test(message)) {
    return (
      `Artifact Registry has no Docker repository "${repository}" in ${project} (${region}). Create it with ` +
      `"gcloud artifacts repositories create ${repository} --repository-format=docker --location=${region} ` +
      `--project=${project}", then run again. The registry said: ${message}`
    );
  }
  if (/denied|permission|unauthori[sz]ed|forbidden/i.test(message)) {
    return (
      `Artifact Registry refused the push to ${region}-docker.pkg.dev/${project}/${repository}: the identity needs ` +
      `roles/artifactregistry.writer on the repository (and the Artifact Registry API enabled: "gcloud services ` +
      `enable artifactregistry.googleapis.com --project=${project}"). The registry said: ${message}`
    );
  }
  return undefined;
}
