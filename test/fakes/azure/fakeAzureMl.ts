// The Azure ML emulator: workspaces' environments, command jobs and computes mounted into the Azure
// fake's Resource Manager (strict from the client package's own model, mlModel.ts), jobs that run
// for real on the local Docker engine with their data and log files on the real Azurite, the data
// plane clients read a job's run details and log files through (discovery, run history: TLS, the
// Azure fake's certificate and tokens), and the storage front the log files' SAS URLs point at.
// See test/fakes/README.md for what it does and does not do like Azure ML.
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { LoopbackServer } from '../loopbackServer';
import type { TestCertificate } from '../selfSignedCert';
import { engineRuntime } from '../shared/engineRuntime';
import type { ImageRegistry } from '../shared/registryImages';
import type { FakeAzure } from './fakeAzure';
import { ComputeCapacity, type FakeCompute } from './mlComputes';
import type { Datastore, StorageAccount } from './mlData';
import { startDataPlane } from './mlDataPlane';
import { EnvironmentStore } from './mlEnvironments';
import { JobRoutes } from './mlJobRoutes';
import { type AzureMlTimings, FAST_TIMINGS, MlJobRunner } from './mlJobRunner';
import { type MlJob, MlJobStore } from './mlJobs';
import { ARTIFACT_CONTAINER, logUrlSigner } from './mlLogs';
import { loadMachineLearningModel } from './mlModel';
import { CancelOperations } from './mlOperations';
import { startStorageFront } from './mlStorageFront';
import { workspaceApi } from './mlWorkspaceApi';
import type { WorkspaceRef } from './resourceManager';

export type { FakeCompute } from './mlComputes';
export type { Datastore, StorageAccount } from './mlData';
export { FAST_TIMINGS, LIFELIKE_TIMINGS, type AzureMlTimings } from './mlJobRunner';

export interface AzureMlOptions {
  /** The Azure fake's certificate: the data plane speaks TLS as Azure's does. */
  readonly certificate: TestCertificate;
  /** The workspaces' storage account: Azurite (STEPOPS_AZURITE_*). */
  readonly storage: StorageAccount;
  /** Registries environment images may come from (NAME.azurecr.io served by the local registry: pullFrom). */
  readonly registries: readonly ImageRegistry[];
  /** Every workspace's compute targets (default: DEFAULT_COMPUTES). */
  readonly computes?: readonly FakeCompute[];
  /** Datastores besides workspaceblobstore (container azureml-blobstore) and workspaceartifactstore (azureml). */
  readonly datastores?: readonly Datastore[];
  readonly timings?: Partial<AzureMlTimings>;
  readonly networkMode?: 'host' | 'none';
  readonly workRoot?: string;
  /** Where a job's Studio link points (default: Azure ML studio's own address). */
  readonly studioUrl?: string;
  readonly ports?: { readonly api?: number; readonly storage?: number };
}

export interface FakeAzureMl {
  /** https://127.0.0.1:PORT: discovery and run history (what a workspace's discoveryUrl leads to). */
  readonly apiUrl: string;
  /** http://127.0.0.1:PORT: the storage account's blobs as the log files' SAS URLs reach them. */
  readonly storageUrl: string;
  readonly jobs: MlJobStore;
  readonly environments: EnvironmentStore;
  /** The two servers, for their fault rules (Resource Manager's are the Azure fake's). */
  readonly servers: { readonly api: LoopbackServer; readonly storage: LoopbackServer };
  /** Failures of the emulator itself while it ran a job (not the jobs' own failures). */
  readonly internalErrors: unknown[];
  close(): Promise<void>;
}

/** A dedicated cluster, a low-priority one and a compute instance, as a workspace commonly has. */
export const DEFAULT_COMPUTES: readonly FakeCompute[] = [
  { name: 'cpu-cluster', kind: 'AmlCompute', vmSize: 'Standard_DS3_v2', vmPriority: 'Dedicated', maxNodeCount: 4 },
  {
    name: 'cpu-cluster-lowpri',
    kind: 'AmlCompute',
    vmSize: 'Standard_DS3_v2',
    vmPriority: 'LowPriority',
    maxNodeCount: 4,
  },
  { name: 'dev-instance', kind: 'ComputeInstance', vmSize: 'Standard_DS3_v2', state: 'Running' },
];

const WORKSPACE_DATASTORES: readonly Datastore[] = [
  { name: 'workspaceblobstore', container: 'azureml-blobstore' },
  { name: 'workspaceartifactstore', container: ARTIFACT_CONTAINER },
];

export async function startFakeAzureMl(azure: FakeAzure, options: AzureMlOptions): Promise<FakeAzureMl> {
  const model = await loadMachineLearningModel();
  const timings = { ...FAST_TIMINGS, ...options.timings };
  const datastores = [...WORKSPACE_DATASTORES, ...(options.datastores ?? [])];
  const computes = options.computes ?? DEFAULT_COMPUTES;
  const { storage } = options;
  const blobs = new BlobServiceClient(
    storage.blobEndpoint,
    new StorageSharedKeyCredential(storage.account, storage.key),
  );
  // Azurite keeps its containers in memory: the workspace's are made on every start.
  for (const { container } of datastores) await blobs.getContainerClient(container).createIfNotExists();

  const jobs = new MlJobStore();
  const environments = new EnvironmentStore();
  const internalErrors: unknown[] = [];
  const front = await startStorageFront(new URL(storage.blobEndpoint).origin, { port: options.ports?.storage });
  const api = await startDataPlane({
    certificate: options.certificate,
    arm: azure.arm,
    jobs,
    logUrl: logUrlSigner(storage, front.url),
    location: 'westeurope',
    listen: { port: options.ports?.api },
  }).catch(async (error: unknown) => {
    await front.close();
    throw error;
  });
  const runner = new MlJobRunner({
    ...engineRuntime<MlJob>(options, internalErrors),
    blobs,
    capacity: new ComputeCapacity(),
    timings,
  });
  const studio = options.studioUrl ?? 'https://ml.azure.com';
  const operations = new CancelOperations(azure.resourceManager, timings.pollSeconds);
  const jobRoutes = new JobRoutes({
    model,
    jobs,
    runner,
    operations,
    rules: (workspace) => ({
      workspace,
      environments,
      computes,
      data: { account: storage, datastores, workspace },
    }),
    resource: (job) => job.resource(studioLink(studio, job), trackingUri(job.workspace)),
  });
  azure.arm.mount(
    workspaceApi({ model, environments, jobs: jobRoutes, operations, computes, discoveryUrl: `${api.url}/discovery` }),
  );
  return {
    apiUrl: api.url,
    storageUrl: front.url,
    jobs,
    environments,
    servers: { api, storage: front },
    internalErrors,
    close: async () => {
      await runner.close();
      await Promise.all([api.close(), front.close()]);
    },
  };
}

/** Azure ML studio's page of a job: ml.azure.com/runs/NAME?wsid=WORKSPACE&tid=TENANT. */
function studioLink(base: string, job: MlJob): string {
  const { workspace } = job;
  const wsid = `/subscriptions/${workspace.subscriptionId}/resourcegroups/${workspace.resourceGroup}/workspaces/${workspace.name}`;
  return `${base}/runs/${encodeURIComponent(job.name)}?wsid=${wsid}&tid=${workspace.tenantId}`;
}

/** The MLflow tracking URI Azure ML gives a job's Tracking service. */
function trackingUri(workspace: WorkspaceRef): string {
  return `azureml://${workspace.location}.api.azureml.ms/mlflow/v1.0${workspace.id}?`;
}
