// The StepOperator contract on the local Docker operator, with its two data channels: a local
// folder store bind-mounted as it is, and a bucket store (the strict S3 fake, through the real
// AWS SDK) or Azure Blob (the real Azurite) staged through a host folder.
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { type ArtifactStore, runKeys } from '../../src/core/artifacts/artifactStore';
import { artifactStoreFor, componentBackend } from '../../src/core/clouds';
import { type DockerClient, connectDocker } from '../../src/core/images/dockerClient';
import { ensureStepImage } from '../../src/core/images/stepImage';
import type { JobSpec, StepOperator } from '../../src/core/operators/stepOperator';
import { type FakeS3, fakeS3Environment, startFakeS3 } from '../fakes/fakeS3';
import { integrationEnvironment } from '../integration/environment';
import { type ContractHarness, type ContractStep, contractRunId, stepOperatorContract } from './stepOperatorContract';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
const project = path.join(__dirname, 'project');
let work: string;
let docker: DockerClient;
let image: string;
let localStore: ArtifactStore;
let s3Store: ArtifactStore;
let blobStore: ArtifactStore;
const blobContainer = `contract-${process.pid}`;
const { azurite } = env;
const azuriteConnection = `DefaultEndpointsProtocol=http;AccountName=${azurite.account};AccountKey=${azurite.key};BlobEndpoint=${azurite.blobEndpoint};`;
let s3: FakeS3;
const savedEnv = { ...process.env };
const S3_ACCOUNT = {
  accessKeyId: 'AKIDSTEPOPSCONTRACT',
  secretAccessKey: 'contract-only-secret',
  allowed: { contract: ['s3:PutObject', 's3:GetObject', 's3:ListBucket'] },
};

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'stepops-contract-'));
  docker = await connectDocker();
  image = (
    await ensureStepImage(docker, {
      projectRoot: project,
      runtimeRoot: path.join(root, 'runtime'),
      baseImage: env.pythonImage,
      repository: 'stepops-contract',
    })
  ).reference;
  localStore = await artifactStoreFor({ flavor: 'local', config: { path: path.join(work, 'store') } }, noSecrets);
  s3 = await startFakeS3({ contract: { region: 'eu-west-1' } }, [S3_ACCOUNT]);
  // The SDK's own settings, as a user's shell would have them.
  Object.assign(process.env, fakeS3Environment(s3, S3_ACCOUNT));
  s3Store = await artifactStoreFor({ flavor: 's3', config: { path: 's3://contract/runs' } }, noSecrets);
  await BlobServiceClient.fromConnectionString(azuriteConnection).createContainer(blobContainer);
  blobStore = await artifactStoreFor(
    { flavor: 'azure', config: { path: `az://${blobContainer}/runs` } },
    async (field) => (field === 'connection_string' ? azuriteConnection : undefined),
  );
});
after(async () => {
  for (const container of await docker.listContainers({ all: true, filters: { label: ['stepops.step'] } })) {
    if (container.Names.some((n) => n.includes('-c'))) await docker.getContainer(container.Id).remove({ force: true });
  }
  await rm(work, { recursive: true, force: true });
  await s3.close();
  await BlobServiceClient.fromConnectionString(azuriteConnection).deleteContainer(blobContainer);
  process.env = savedEnv;
});

async function noSecrets(): Promise<undefined> {
  return undefined;
}

export function localHarness(store: () => ArtifactStore): ContractHarness {
  const operator = async (): Promise<StepOperator> =>
    componentBackend('step_operator', 'local_docker')!.operator!(
      { network_mode: 'none' },
      {
        docker: async () => docker,
        secret: noSecrets,
        store: async () => store(),
        stagingRoot: path.join(work, 'staging'),
      },
    );
  return {
    operator,
    store: store(),
    job: (step, parameters) => stageJob(store(), step, parameters),
    jobsFor: async (runId) =>
      (await docker.listContainers({ all: true, filters: { label: [`stepops.run=${runId}`] } })).length,
    pollMs: 100,
    deadlineMs: 60_000,
  };
}

async function stageJob(
  store: ArtifactStore,
  step: ContractStep,
  parameters: Record<string, unknown>,
): Promise<JobSpec> {
  const runId = contractRunId(step);
  const jobFile = runKeys.jobFile(runId);
  await store.put(jobFile, JSON.stringify({ module: 'contract.contract_steps', function: step, parameters }));
  return {
    runId,
    stepName: step,
    image,
    jobFile: store.uri(jobFile),
    inputs: {},
    outputs: store.uri(runKeys.outputs(runId)),
    environment: { STEPOPS_RUN_ID: runId },
    settings: {},
  };
}

stepOperatorContract('local Docker, local folder store', () => localHarness(() => localStore));
stepOperatorContract('local Docker, S3 store (staged through a host folder)', () => localHarness(() => s3Store));
stepOperatorContract('local Docker, Azure Blob store on Azurite (staged through a host folder)', () =>
  localHarness(() => blobStore),
);
