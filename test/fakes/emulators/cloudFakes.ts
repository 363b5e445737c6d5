// Starts every strict fake as a local cloud emulator: the same fakes the tests use, each on its
// fixed loopback port, knowing the emulators' own identities (and nobody else) and the resources
// the emulated stacks name. Also writes the Google credential files the SDKs are pointed at.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '../../../src/core/files/atomicWrite';
import { startFakeCloudWatchLogs } from '../aws/fakeCloudWatchLogs';
import { FAST_TIMINGS, LIFELIKE_TIMINGS, type TrainingTimings } from '../aws/sagemakerJobRunner';
import { startFakeEcr } from '../fakeEcr';
import { startFakeAzure } from '../azure/fakeAzure';
import {
  type AzureMlTimings,
  FAST_TIMINGS as AZUREML_FAST,
  LIFELIKE_TIMINGS as AZUREML_LIFELIKE,
  type StorageAccount,
  startFakeAzureMl,
} from '../azure/fakeAzureMl';
import { startFakeAcr, startFakeArtifactRegistry } from '../fakeCloudRegistries';
import { startFakeGcs } from '../fakeGcs';
import { type FakeSts, startFakeSts } from '../fakeGoogleSts';
import { startFakeS3 } from '../fakeS3';
import { startFakeSageMaker } from '../fakeSageMaker';
import { startFakeCloudLogging } from '../gcp/fakeCloudLogging';
import { startFakeVertex } from '../gcp/fakeVertex';
import {
  FAST_TIMINGS as VERTEX_FAST,
  LIFELIKE_TIMINGS as VERTEX_LIFELIKE,
  type VertexTimings,
} from '../gcp/vertexJobRunner';
import { serviceAccountFromKeyFile } from '../googleServiceAccounts';
import type { TestCertificate } from '../selfSignedCert';
import { AWS, AZURE, ECR_HOST, GCP, gcpAudience, gcpPrincipal } from './emulatedClouds';
import type { EmulatorIdentity } from './identity';
import { EMULATOR_SERVICES, type EmulatorService } from './ports';

export interface CloudFakesOptions {
  readonly stateDir: string;
  readonly identity: EmulatorIdentity;
  readonly certificate: TestCertificate;
  readonly ports: Readonly<Record<EmulatorService, number>>;
  /** host:port of the OCI registry that ECR's logins point at. */
  readonly registry: string;
  /** Azurite: the Azure ML workspace's storage account. */
  readonly azurite: StorageAccount;
}

export interface CloudFakes {
  readonly urls: Readonly<Record<EmulatorService, string>>;
  /** An external_account (workload identity federation) file for the STS fake: GOOGLE_APPLICATION_CREDENTIALS. */
  readonly googleCredentialFile: string;
  /** The emulated service account's key, which the Vertex fake verifies the self-signed JWTs of. */
  readonly serviceAccountKeyFile: string;
  close(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

/** What the emulated identity may do: every call the fakes serve, and the reads being added to them. */
const AWS_ACTIONS = [
  ...['ListTrainingJobs', 'CreateTrainingJob', 'DescribeTrainingJob', 'StopTrainingJob'].map((a) => `sagemaker:${a}`),
  'ecr:GetAuthorizationToken',
  'ecr:DescribeRepositories',
  'ecr:CreateRepository',
  ...['DescribeLogStreams', 'GetLogEvents', 'CreateLogGroup', 'CreateLogStream', 'PutLogEvents'].map(
    (a) => `logs:${a}`,
  ),
];
const S3_ACTIONS = ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:ListBucket'];
const GCS_PERMISSIONS = [
  'storage.objects.create',
  'storage.objects.get',
  'storage.objects.delete',
  'storage.objects.list',
];
const VERTEX_PERMISSIONS = [
  ...['create', 'get', 'list', 'cancel', 'delete'].map((verb) => `aiplatform.customJobs.${verb}`),
  // A job may run as the emulated service account.
  'iam.serviceAccounts.actAs',
  'logging.logEntries.list',
];

type Urls<K extends EmulatorService> = Readonly<Record<K, string>>;

/** Starts fakes one by one; on the first failure stops the ones already running. */
class FakeStarter {
  private readonly running: Closable[] = [];

  async start<T extends Closable>(label: string, starting: Promise<T>): Promise<T> {
    try {
      const fake = await starting;
      this.running.push(fake);
      return fake;
    } catch (error) {
      await this.closeAll();
      const e = error as NodeJS.ErrnoException & { port?: number };
      if (e.code !== 'EADDRINUSE') throw error;
      throw new Error(
        `Port ${e.port} (the ${label} emulator) is in use: another "npm run emulators" may be running (stop it), ` +
          `or set STEPOPS_EMULATOR_PORT to the first of ${EMULATOR_SERVICES.length} other free ports.`,
      );
    }
  }

  closeAll = async (): Promise<void> => {
    await Promise.all(this.running.splice(0).map((fake) => fake.close()));
  };
}

export async function startCloudFakes(options: CloudFakesOptions): Promise<CloudFakes> {
  const starter = new FakeStarter();
  const aws = await startAwsFakes(starter, options);
  const google = await startGoogleFakes(starter, options);
  const azure = await startAzureFakes(starter, options);
  const files = await writeGoogleCredentials(options.stateDir, options.identity, google.credentialFile).catch(
    async (error) => {
      await starter.closeAll();
      throw error;
    },
  );
  return {
    urls: { ...aws, ...google.urls, ...azure },
    ...files,
    close: starter.closeAll,
  };
}

async function startAwsFakes(
  starter: FakeStarter,
  { identity, ports, registry }: CloudFakesOptions,
): Promise<Urls<'sagemaker' | 'ecr' | 's3' | 'logs'>> {
  const key = { accessKeyId: identity.aws.accessKeyId, secretAccessKey: identity.aws.secretAccessKey };
  const account = { ...key, allowed: AWS_ACTIONS, accountId: AWS.account };
  const logs = await starter.start(
    'CloudWatch Logs',
    startFakeCloudWatchLogs(AWS.region, [account], { port: ports.logs }),
  );
  const buckets = { [AWS.bucket]: { region: AWS.region } };
  const s3 = await starter.start(
    'S3',
    startFakeS3(buckets, [{ ...key, allowed: { [AWS.bucket]: S3_ACTIONS } }], { port: ports.s3 }),
  );
  const role = `arn:aws:iam::${AWS.account}:role/${AWS.roleName}`;
  // Training jobs run for real: data from the S3 emulator, images from the local registry (named
  // by its own host or by the emulated ECR host), lines into the CloudWatch Logs emulator.
  const training = {
    accountId: AWS.account,
    roles: [role],
    s3: { buckets, objects: s3.objects },
    registries: [{ host: registry }, { host: ECR_HOST, pullFrom: registry }],
    logs,
    timings: sagemakerTimings(),
  };
  const sagemaker = await starter.start(
    'SageMaker',
    startFakeSageMaker(AWS.region, [{ ...account, passRoles: [role] }], { port: ports.sagemaker, training }),
  );
  // ECR's logins are for the local registry, with ECR's user name and a token of its own.
  const login = {
    proxyEndpoint: `http://${registry}`,
    username: 'AWS',
    password: randomBytes(24).toString('base64url'),
  };
  const ecr = await starter.start('ECR', startFakeEcr(AWS.region, [account], login, { port: ports.ecr }));
  return { sagemaker: sagemaker.endpoint, ecr: ecr.endpoint, s3: s3.endpoint, logs: logs.endpoint };
}

/** STEPOPS_EMULATOR_<NAME>_PACE: fast (the default, what tests use) or lifelike (for demos). */
function pace(env: NodeJS.ProcessEnv, name: string, lifelike: string): 'fast' | 'lifelike' {
  const variable = `STEPOPS_EMULATOR_${name}_PACE`;
  const value = env[variable] || 'fast';
  if (value === 'fast' || value === 'lifelike') return value;
  throw new Error(`${variable} is "${value}": expected fast (a second or so per stage) or lifelike (${lifelike}).`);
}

/** STEPOPS_EMULATOR_SAGEMAKER_PACE: fast (a second or so per stage, the default) or lifelike (for demos). */
export function sagemakerTimings(env: NodeJS.ProcessEnv = process.env): TrainingTimings {
  const chosen = pace(env, 'SAGEMAKER', 'tens of seconds, SIGKILL 120 s after SIGTERM');
  return chosen === 'fast' ? FAST_TIMINGS : LIFELIKE_TIMINGS;
}

/** STEPOPS_EMULATOR_AZUREML_PACE: fast (well under a second per job status, the default) or lifelike (for demos). */
export function azuremlTimings(env: NodeJS.ProcessEnv = process.env): AzureMlTimings {
  const chosen = pace(env, 'AZUREML', 'tens of seconds Preparing and Queued, logs uploaded every 5 s');
  return chosen === 'fast' ? AZUREML_FAST : AZUREML_LIFELIKE;
}

/** STEPOPS_EMULATOR_VERTEX_PACE: the Vertex job states' pace, and Cloud Logging's ingestion lag with it. */
export function vertexTimings(env: NodeJS.ProcessEnv = process.env): { job: VertexTimings; ingestionDelayMs: number } {
  const chosen = pace(env, 'VERTEX', 'tens of seconds PENDING, log entries seconds late');
  return chosen === 'fast'
    ? { job: VERTEX_FAST, ingestionDelayMs: 250 }
    : { job: VERTEX_LIFELIKE, ingestionDelayMs: 3000 };
}

async function startGoogleFakes(
  starter: FakeStarter,
  { identity, ports, registry }: CloudFakesOptions,
): Promise<{
  urls: Urls<'sts' | 'gcs' | 'vertex' | 'artifact-registry' | 'logging'>;
  credentialFile: FakeSts['credentialFile'];
}> {
  const { projectNumber, subjectToken } = identity.gcp;
  const provider = { audience: gcpAudience(projectNumber), subjects: { [subjectToken]: GCP.subject } };
  const sts = await starter.start("Google's STS", startFakeSts([provider], { port: ports.sts }));
  const principalOf = (token: string) => sts.principalOf(token);
  const grants = { [GCP.bucket]: { grants: { [gcpPrincipal(projectNumber)]: GCS_PERMISSIONS } } };
  const gcs = await starter.start('Cloud Storage', startFakeGcs(grants, principalOf, { port: ports.gcs }));
  const account = serviceAccountFromKeyFile(identity.gcp.serviceAccountKey);
  // The emulated service account's key (the Vertex operator's) and the federated identity (ADC) alike.
  const project = {
    id: GCP.project,
    number: projectNumber,
    apiEnabled: true,
    grants: { [account.email]: VERTEX_PERMISSIONS, [gcpPrincipal(projectNumber)]: VERTEX_PERMISSIONS },
  };
  const timings = vertexTimings();
  const logging = await starter.start(
    'Cloud Logging',
    startFakeCloudLogging({
      projects: [project],
      accounts: [account],
      principalOf,
      ingestionDelayMs: timings.ingestionDelayMs,
      port: ports.logging,
    }),
  );
  // Custom jobs run for real: /gcs from the Cloud Storage emulator, images from the local registry
  // (named by its own host or by the emulated Artifact Registry host), lines into Cloud Logging.
  const training = {
    gcs,
    registries: [{ host: registry }, { host: GCP.registryHost, pullFrom: registry }],
    logging,
    timings: timings.job,
  };
  const vertex = await starter.start(
    'Vertex AI',
    startFakeVertex(GCP.region, [project], [account], { port: ports.vertex, training, principalOf }),
  );
  const artifactRegistry = await starter.start(
    'Artifact Registry',
    startFakeArtifactRegistry(GCP.registryHost, principalOf, { port: ports['artifact-registry'] }),
  );
  return {
    urls: {
      sts: new URL(sts.tokenUrl).origin,
      gcs: gcs.endpoint,
      vertex: vertex.endpoint,
      'artifact-registry': artifactRegistry.baseUrl,
      logging: logging.endpoint,
    },
    credentialFile: (audience, subjectTokenFile) => sts.credentialFile(audience, subjectTokenFile),
  };
}

async function startAzureFakes(
  starter: FakeStarter,
  options: CloudFakesOptions,
): Promise<Urls<'entra-id' | 'resource-manager' | 'acr' | 'azureml' | 'azureml-storage'>> {
  const { ports } = options;
  const { tenantId, subscriptionId, clientId, clientSecret } = options.identity.azure;
  const subscription = {
    id: subscriptionId,
    tenantId,
    resourceGroups: [{ name: AZURE.resourceGroup, location: AZURE.location, workspaces: [AZURE.workspace] }],
    roleAssignments: [{ clientId, scope: `/subscriptions/${subscriptionId}`, actions: ['*'] }],
  };
  const azure = await starter.start(
    'Entra ID / Resource Manager',
    startFakeAzure(
      options.certificate,
      [{ id: tenantId, apps: [{ clientId, secret: clientSecret }] }],
      [subscription],
      {
        login: ports['entra-id'],
        arm: ports['resource-manager'],
      },
    ),
  );
  const registry = {
    host: AZURE.registryHost,
    tenantId,
    members: [clientId],
    claimsOf: (token: string) => azure.claimsOf(token),
    resourceManager: azure.resourceManager,
  };
  const acr = await starter.start('ACR', startFakeAcr(registry, { port: ports.acr }));
  // Command jobs run for real: images from the local registry (by its own host or as the emulated
  // ACR host), data and log files in Azurite, the workspace's default computes.
  const ml = await starter.start(
    'Azure ML',
    startFakeAzureMl(azure, {
      certificate: options.certificate,
      storage: options.azurite,
      registries: [{ host: options.registry }, { host: AZURE.registryHost, pullFrom: options.registry }],
      timings: azuremlTimings(),
      ports: { api: ports.azureml, storage: ports['azureml-storage'] },
    }),
  );
  return {
    'entra-id': azure.authorityHost,
    'resource-manager': azure.resourceManager,
    acr: acr.baseUrl,
    azureml: ml.apiUrl,
    'azureml-storage': ml.storageUrl,
  };
}

async function writeGoogleCredentials(
  stateDir: string,
  identity: EmulatorIdentity,
  credentialFile: FakeSts['credentialFile'],
): Promise<Pick<CloudFakes, 'googleCredentialFile' | 'serviceAccountKeyFile'>> {
  const tokenFile = path.join(stateDir, 'gcp-subject-token');
  const googleCredentialFile = path.join(stateDir, 'gcp-workload-identity.json');
  const serviceAccountKeyFile = path.join(stateDir, 'gcp-service-account.json');
  await writeFileAtomic(tokenFile, identity.gcp.subjectToken, { mode: 0o600 });
  const federation = credentialFile(gcpAudience(identity.gcp.projectNumber), tokenFile);
  await writeFileAtomic(googleCredentialFile, `${JSON.stringify(federation, null, 2)}\n`, { mode: 0o600 });
  await writeFileAtomic(serviceAccountKeyFile, `${JSON.stringify(identity.gcp.serviceAccountKey, null, 2)}\n`, {
    mode: 0o600,
  });
  return { googleCredentialFile, serviceAccountKeyFile };
}
