// The StepOperator contract on the Azure ML operator, through the real @azure/arm-machinelearning,
// @azure/identity and @azure/storage-blob clients against the strict Azure ML emulator (its
// requests held to the model the SDK ships, over TLS, signed in at the Entra ID fake with the
// operator's service principal), which runs each command job's image for real on the local
// engine: the job file and inputs staged from the real Azurite, the outputs folder uploaded back
// to it, the container's lines in the std_log file the run history lists.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { type ArtifactStore, runKeys } from '../../src/core/artifacts/artifactStore';
import { artifactStoreFor } from '../../src/core/clouds';
import { type DockerClient, connectDocker } from '../../src/core/images/dockerClient';
import { ensureStepImage } from '../../src/core/images/stepImage';
import {
  type JobHandle,
  type JobSpec,
  type JobStatus,
  type LogLine,
  isTerminal,
} from '../../src/core/operators/stepOperator';
import { type FakeAzure, startFakeAzure } from '../fakes/azure/fakeAzure';
import { type FakeAzureMl, startFakeAzureMl } from '../fakes/azure/fakeAzureMl';
import type { TestCertificate } from '../fakes/selfSignedCert';
import { integrationEnvironment } from '../integration/environment';
import {
  type ContractHarness,
  type ContractStep,
  cloudOperatorHarness,
  stageContractJob,
  stepOperatorContract,
} from './stepOperatorContract';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
// Test-only identities of the fakes; they exist nowhere else.
const TENANT = '61111111-1111-4111-8111-111111111111';
const SUBSCRIPTION = '63333333-3333-4333-8333-333333333333';
const RUNNER = { clientId: 'cccccccc-0000-4000-8000-000000000001', secret: 'azureml-contract-runner' };
const GROUP = 'contract-rg';
const WORKSPACE = 'contract-ws';
const CONTAINER = 'contract-azureml';
const saved = { ...process.env };
let work: string;
let docker: DockerClient;
let image: { reference: string; digest?: string };
let azure: FakeAzure;
let ml: FakeAzureMl;
let store: ArtifactStore;
let config: Record<string, unknown>;

/** The services' test CA and certificate, which this process trusts (NODE_EXTRA_CA_CERTS, set by with-services.sh). */
async function servicesCertificate(): Promise<TestCertificate> {
  const dir = process.env.STEPOPS_TEST_TLS_DIR;
  const caFile = dir && path.join(dir, 'ca.pem');
  const ca = caFile ? await readFile(caFile, 'utf8') : undefined;
  const trusted = process.env.NODE_EXTRA_CA_CERTS ? await readFile(process.env.NODE_EXTRA_CA_CERTS, 'utf8') : '';
  if (!dir || !caFile || !ca || !trusted.includes(ca.trim())) {
    throw new Error(
      "The Azure fakes speak TLS under the services' test CA, which this process must trust from its start: " +
        'run through scripts/with-services.sh (it sets NODE_EXTRA_CA_CERTS to a file with STEPOPS_TEST_TLS_DIR/ca.pem).',
    );
  }
  return {
    caFile,
    key: await readFile(path.join(dir, 'server.key'), 'utf8'),
    cert: await readFile(path.join(dir, 'server.pem'), 'utf8'),
  };
}

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'stepops-azureml-contract-'));
  // No Azure login of the machine's: the chain comes down to the operator's service principal.
  for (const key of Object.keys(process.env)) if (key.startsWith('AZURE_')) delete process.env[key];
  docker = await connectDocker();
  image = await ensureStepImage(docker, {
    projectRoot: path.join(__dirname, 'project'),
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: env.pythonImage,
    repository: 'stepops-contract-azureml',
    registry: env.registry,
  });
  const certificate = await servicesCertificate();
  azure = await startFakeAzure(
    certificate,
    [{ id: TENANT, apps: [RUNNER] }],
    [
      {
        id: SUBSCRIPTION,
        tenantId: TENANT,
        resourceGroups: [{ name: GROUP, location: 'westeurope', workspaces: [WORKSPACE] }],
        roleAssignments: [{ clientId: RUNNER.clientId, scope: `/subscriptions/${SUBSCRIPTION}`, actions: ['*'] }],
      },
    ],
  );
  ml = await startFakeAzureMl(azure, {
    certificate,
    storage: env.azurite,
    registries: [{ host: env.registry }],
    networkMode: 'none',
    workRoot: path.join(work, 'nodes'),
  });
  const blobs = new BlobServiceClient(
    env.azurite.blobEndpoint,
    new StorageSharedKeyCredential(env.azurite.account, env.azurite.key),
  );
  await blobs.getContainerClient(CONTAINER).createIfNotExists();
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${env.azurite.account};AccountKey=${env.azurite.key};` +
    `BlobEndpoint=${env.azurite.blobEndpoint};`;
  store = await artifactStoreFor({ flavor: 'azure', config: { path: `az://${CONTAINER}/runs` } }, async (field) =>
    field === 'connection_string' ? connectionString : undefined,
  );
  config = {
    subscription_id: SUBSCRIPTION,
    resource_group: GROUP,
    workspace_name: WORKSPACE,
    tenant_id: TENANT,
    service_principal_id: RUNNER.clientId,
    resource_manager_endpoint: azure.resourceManager,
    authority_host: azure.authorityHost,
    compute_type: 'compute-cluster',
    compute_name: 'cpu-cluster',
  };
});
after(async () => {
  await ml?.close();
  await azure?.close();
  process.env = saved;
  await rm(work, { recursive: true, force: true });
});

const secret = async (field: string) => (field === 'service_principal_secret' ? RUNNER.secret : undefined);

/** A contract step's job in a pipeline, with inputs and the step's own settings when given. */
async function stageJob(
  step: ContractStep,
  parameters: Record<string, unknown>,
  extra: Partial<Pick<JobSpec, 'inputs' | 'settings'>> = {},
): Promise<JobSpec> {
  const job = await stageContractJob(store, image, { ...config, ...extra.settings }, step, parameters);
  return { ...job, pipelineName: 'contract', inputs: extra.inputs ?? {} };
}

/** The run id a finished job belongs to (its STEPOPS_RUN_ID). */
function contractRunOf(run: { handle: JobHandle }): string {
  return ml.jobs.all().find((j) => j.name === run.handle.jobId)!.properties.environmentVariables.STEPOPS_RUN_ID!;
}

const harness = (): ContractHarness => ({
  ...cloudOperatorHarness({
    flavor: 'azureml',
    config,
    store,
    image,
    docker,
    stagingRoot: path.join(work, 'staging'),
    secret,
    jobsFor: async (runId) => ml.jobs.all().filter((job) => job.properties.tags['stepops:run-id'] === runId).length,
  }),
  deadlineMs: 120_000,
});

stepOperatorContract('Azure ML on the emulator', harness);

/** Submits the job and follows it to its end: every distinct status, and the whole log. */
async function runToEnd(job: JobSpec): Promise<{ handle: JobHandle; statuses: JobStatus[]; lines: LogLine[] }> {
  const op = await harness().operator();
  const handle = await op.submit(job, new AbortController().signal);
  const statuses: JobStatus[] = [];
  for (;;) {
    const status = await op.status(handle);
    if (statuses.at(-1)?.stage !== status.stage) statuses.push(status);
    if (isTerminal(status.state)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const lines: LogLine[] = [];
  for await (const batch of op.logs(handle)) lines.push(...batch.lines);
  return { handle, statuses, lines };
}

test('Azure ML’s own stages in order, an upstream output as a mounted input, tags and the Studio link', async () => {
  const upstream = await runToEnd(await stageJob('count', { lines: 3 }));
  assert.equal(upstream.statuses.at(-1)?.state, 'succeeded');
  const job = await stageJob(
    'count',
    {},
    { inputs: { lines: store.uri(`${runKeys.outputs(contractRunOf(upstream))}/output`) } },
  );
  const { handle, statuses, lines } = await runToEnd(job);
  const stages = statuses.map((s) => s.stage);
  assert.deepEqual(
    stages.filter((s) => ['Queued', 'Running', 'Completed'].includes(s!)),
    ['Queued', 'Running', 'Completed'],
    stages.join(' -> '),
  );
  assert.deepEqual(
    lines.map((l) => l.text).filter((t) => t.startsWith('count ')),
    ['count 0', 'count 1', 'count 2'],
    'the upstream output (3) arrived as the parameter, read from the mounted input',
  );
  const final = statuses.at(-1)!;
  assert.match(final.consoleUrl ?? '', /^https:\/\/ml\.azure\.com\/runs\/.+\?wsid=/);
  const recorded = ml.jobs.all().find((j) => j.name === handle.jobId)!;
  assert.equal(recorded.properties.experimentName, 'contract');
  assert.equal(recorded.properties.displayName, 'count');
  assert.equal(recorded.properties.tags['stepops:step'], 'count');
  assert.equal(recorded.properties.inputs.input_lines?.mode, 'ReadOnlyMount');
  const versions = new Set(ml.jobs.all().map((j) => j.properties.environmentId));
  assert.equal(versions.size, 1, 'one environment version for one image, however many jobs run it');
});

test('low priority runs on a low-priority cluster and says so; a dedicated cluster is refused before submitting', async () => {
  const lowPriority = { compute_name: 'cpu-cluster-lowpri', low_priority: true };
  const { statuses } = await runToEnd(await stageJob('count', { lines: 1 }, { settings: lowPriority }));
  assert.equal(statuses.at(-1)?.state, 'succeeded');
  assert.ok(
    statuses.some((s) => /low-priority VMs/.test(s.message ?? '')),
    statuses.map((s) => s.message).join(' | '),
  );
  const before = ml.jobs.all().length;
  await assert.rejects(
    (await harness().operator()).submit(
      await stageJob('count', { lines: 1 }, { settings: { low_priority: true } }),
      new AbortController().signal,
    ),
    /the compute cluster cpu-cluster has Dedicated VMs/,
  );
  assert.equal(ml.jobs.all().length, before, 'nothing was submitted');
});

test('a failure carries Azure ML’s error details verbatim, traceback included; a timeout is a failure of its kind', async () => {
  const failed = (await runToEnd(await stageJob('fails', {}))).statuses.at(-1)!;
  assert.equal(failed.state, 'failed');
  assert.match(failed.failureReason ?? '', /ValueError: contract failure/);
  assert.equal(failed.failureKind, 'step');
  const slow = await runToEnd(await stageJob('sleeps', { seconds: 60 }, { settings: { timeout: 2 } }));
  const timedOut = slow.statuses.at(-1)!;
  assert.deepEqual([timedOut.state, timedOut.failureKind], ['failed', 'timeout'], JSON.stringify(timedOut));
});

test('a two-node job’s lines each name their process', async () => {
  const { statuses, lines } = await runToEnd(
    await stageJob('count', { lines: 2 }, { settings: { instance_count: 2 } }),
  );
  assert.equal(statuses.at(-1)?.state, 'succeeded');
  for (const source of ['process_0', 'process_1']) {
    assert.deepEqual(
      lines.filter((l) => l.source === source && l.text.startsWith('count ')).map((l) => l.text),
      ['count 0', 'count 1'],
      source,
    );
  }
});

test('through throttled, failing and dropped log reads the delivered log is the container’s output, once', async () => {
  const clean = await runToEnd(await stageJob('count', { lines: 40, pause: 0.02 }));
  const faults = [
    ml.servers.api.faults.add([{ operation: 'Runs_GetDetails', kind: 'throttle', rate: 0.5 }]),
    ml.servers.storage.faults.add([
      { operation: 'GetBlob', kind: 'throttle', rate: 0.3 },
      { operation: 'GetBlob', kind: 'error', status: 500, rate: 0.2 },
      { operation: 'GetBlob', kind: 'drop', rate: 0.2 },
    ]),
  ];
  try {
    const faulty = await runToEnd(await stageJob('count', { lines: 40, pause: 0.02 }));
    const counts = (lines: LogLine[]) => lines.map((l) => l.text).filter((t) => t.startsWith('count '));
    assert.deepEqual(counts(faulty.lines), counts(clean.lines));
    assert.equal(counts(faulty.lines).length, 40);
    assert.ok(
      faults.flat().some((rule) => rule.injected > 0),
      'the faults fired',
    );
  } finally {
    ml.servers.api.faults.clear();
    ml.servers.storage.faults.clear();
  }
});

test('no job ran into a fault of the emulator itself', () => {
  assert.deepEqual(ml.internalErrors, []);
});
