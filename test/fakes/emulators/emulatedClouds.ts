// The names the emulated clouds use: the region, bucket, project, workspace and registry hosts
// the fakes serve and the emulated stacks point at. Real-looking (each flavor's patterns accept
// them) but marked "emulated" wherever a name is free text, so nothing reads as a real resource.

export const AWS = {
  region: 'us-east-1',
  bucket: 'stepops-emulated-artifacts',
  /** The account the role and the ECR host name; it exists only in the emulators. */
  account: '000000000000',
  roleName: 'stepops-emulated-sagemaker',
} as const;

export const GCP = {
  project: 'stepops-emulated',
  region: 'us-central1',
  bucket: 'stepops-emulated-artifacts',
  /** Artifact Registry's host for the region (the registry fake's login "service"). */
  registryHost: 'us-central1-docker.pkg.dev',
  pool: 'stepops-emulator',
  provider: 'local',
  subject: 'stepops-emulator',
} as const;

export const AZURE = {
  resourceGroup: 'stepops-emulated-rg',
  location: 'westeurope',
  workspace: 'stepops-emulated-ws',
  container: 'stepops-emulated-artifacts',
  registryHost: 'stepopsemulated.azurecr.io',
} as const;

/** The ECR registry host of the emulated account: the ECR fake hands out logins for it. */
export const ECR_HOST = `${AWS.account}.dkr.ecr.${AWS.region}.amazonaws.com`;

/** The federated principal GCS grants (what the STS fake's tokens stand for). */
export function gcpPrincipal(projectNumber: string): string {
  return `principal://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${GCP.pool}/subject/${GCP.subject}`;
}

export function gcpAudience(projectNumber: string): string {
  return `//iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${GCP.pool}/providers/${GCP.provider}`;
}
