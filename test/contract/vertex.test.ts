// The StepOperator contract on the Vertex AI operator, through the real @google-cloud/aiplatform
// JobServiceClient, @google-cloud/logging's LoggingServiceV2Client and @google-cloud/storage
// against the strict emulators (requests read against the protos the clients ship), which run each
// custom job's image for real on the local engine: /gcs/ holds the GCS fake's objects for the
// container and what the step writes there is synced back, and the container's lines become
// Cloud Logging entries. The operator signs with a service account key file; the orchestrator's
// store uses Application Default Credentials through workload identity federation.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ArtifactStore } from '../../src/core/artifacts/artifactStore';
import { artifactStoreFor } from '../../src/core/clouds';
import { labelValue } from '../../src/core/clouds/gcp/vertex/customJobRequest';
import { type DockerClient, connectDocker } from '../../src/core/images/dockerClient';
import { ensureStepImage } from '../../src/core/images/stepImage';
import type { JobSpec, StepOperator } from '../../src/core/operators/stepOperator';
import { createProjectRunner } from '../../src/core/orchestrator/projectRunner';
import type { RunEvent } from '../../src/core/orchestrator/stepRunner';
import { outputUri } from '../../src/core/runs/runRecord';
import { type FakeGcs, startFakeGcs } from '../fakes/fakeGcs';
import { type FakeSts, startFakeSts } from '../fakes/fakeGoogleSts';
import { type FakeCloudLogging, startFakeCloudLogging } from '../fakes/gcp/fakeCloudLogging';
import { type FakeVertex, startFakeVertex } from '../fakes/gcp/fakeVertex';
import { makeServiceAccount } from '../fakes/googleServiceAccounts';
import { integrationEnvironment } from '../integration/environment';
import { type ContractHarness, cloudOperatorHarness, stepOperatorContract } from './stepOperatorContract';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
const REGION = 'europe-west4';
const PROJECT = 'stepops-contract';
const BUCKET = 'stepops-contract-vertex';
const AUDIENCE =
  '//iam.googleapis.com/projects/424242/locations/global/workloadIdentityPools/ci/providers/orchestrator';
const ORCHESTRATOR =
  'principal://iam.googleapis.com/projects/424242/locations/global/workloadIdentityPools/ci/subject/orchestrator';
const runner = makeServiceAccount('vertex-runner', PROJECT);
const saved = { ...process.env };
let work: string;
let docker: DockerClient;
let image: { reference: string; digest?: string };
let sts: FakeSts;
let gcs: FakeGcs;
let logging: FakeCloudLogging;
let vertex: FakeVertex;
let store: ArtifactStore;
let config: Record<string, unknown>;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'stepops-vertex-contract-'));
  docker = await connectDocker();
  image = await ensureStepImage(docker, {
    projectRoot: path.join(__dirname, 'project'),
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: env.pythonImage,
    repository: 'stepops-contract-vertex',
    registry: env.registry,
  });
  sts = await startFakeSts([{ audience: AUDIENCE, subjects: { 'orchestrator-token': 'orchestrator' } }]);
  const storage = ['storage.objects.create', 'storage.objects.get', 'storage.objects.list', 'storage.objects.delete'];
  gcs = await startFakeGcs({ [BUCKET]: { grants: { [ORCHESTRATOR]: storage } } }, (token) => sts.principalOf(token));
  const project = {
    id: PROJECT,
    number: '424242424242',
    apiEnabled: true,
    grants: {
      [runner.email]: [
        ...['create', 'get', 'list', 'cancel'].map((verb) => `aiplatform.customJobs.${verb}`),
        'logging.logEntries.list',
      ],
    },
  };
  logging = await startFakeCloudLogging({ projects: [project], accounts: [runner] });
  vertex = await startFakeVertex(REGION, [project], [runner], {
    training: { gcs, registries: [{ host: env.registry }], logging, networkMode: 'none', workRoot: work },
  });
  const keyFile = path.join(work, 'runner.json');
  await writeFile(keyFile, JSON.stringify(runner.keyFile));
  const subjectToken = path.join(work, 'orchestrator.token');
  await writeFile(subjectToken, 'orchestrator-token');
  const adc = path.join(work, 'adc.json');
  await writeFile(adc, JSON.stringify(sts.credentialFile(AUDIENCE, subjectToken)));
  // No ambient Google credentials or metadata server: only what this test hands out.
  process.env = {
    ...saved,
    HOME: work,
    METADATA_SERVER_DETECTION: 'none',
    STORAGE_EMULATOR_HOST: gcs.endpoint,
    GOOGLE_APPLICATION_CREDENTIALS: adc,
  };
  config = {
    project: PROJECT,
    region: REGION,
    machine_type: 'n1-standard-4',
    api_endpoint: vertex.endpoint,
    logging_api_endpoint: logging.endpoint,
    service_account_path: keyFile,
  };
  store = await artifactStoreFor({ flavor: 'gcp', config: { path: `gs://${BUCKET}/runs` } }, async () => undefined);
});
after(async () => {
  assert.deepEqual(vertex?.internalErrors ?? [], [], 'the emulator itself never failed');
  await vertex?.close();
  await Promise.all([logging?.close(), gcs?.close(), sts?.close()]);
  process.env = saved;
  await rm(work, { recursive: true, force: true });
});

const harness = (): ContractHarness =>
  cloudOperatorHarness({
    flavor: 'vertex',
    config,
    store,
    image,
    docker,
    stagingRoot: path.join(work, 'staging'),
    jobsFor: async (runId) =>
      vertex.jobs.all().filter((job) => job.labels['stepops-run-id'] === labelValue(runId)).length,
  });

stepOperatorContract('Vertex AI on the emulator', harness);

test('a step runs on Vertex AI end to end: its JobStates as stages, the outputs read back from /gcs', async () => {
  const project = path.join(work, 'project');
  await cp(path.join(__dirname, 'project'), project, { recursive: true });
  const { runner: stepRunner } = createProjectRunner({
    projectRoot: project,
    artifactRoot: path.join(work, 'home', 'artifacts'),
    runtimeRoot: path.join(root, 'runtime'),
    pollMs: 200,
  });
  const operatorComponent = { name: 'vertex', type: 'step_operator' as const, flavor: 'vertex', config };
  const artifactStore = {
    name: 'bucket',
    type: 'artifact_store' as const,
    flavor: 'gcp',
    config: { path: `gs://${BUCKET}/pipeline` },
  };
  const events: RunEvent[] = [];
  const counted = await stepRunner.run(
    {
      projectRoot: project,
      file: 'contract/contract_steps.py',
      stepName: 'count',
      stackName: 'gcp',
      operator: operatorComponent,
      settings: { ...config, accelerator_type: 'NVIDIA_TESLA_T4', labels: { team: 'contract' } },
      artifactStore,
      // Long enough running for the 200 ms status watch to see RUNNING.
      parameters: { lines: 3, pause: 0.5 },
      baseImage: env.pythonImage,
      registry: { uri: env.registry },
    },
    { onEvent: (e) => events.push(e) },
  );
  assert.equal(counted.state, 'succeeded', JSON.stringify(counted.failure));
  assert.equal(counted.job?.operator, 'vertex');
  assert.match(counted.job?.jobId ?? '', /^projects\/424242424242\/locations\/europe-west4\/customJobs\/\d+$/);
  const stages = events.flatMap((e) => (e.type === 'status' && e.status.stage ? [e.status.stage] : []));
  const order = ['QUEUED', 'PENDING', 'RUNNING', 'SUCCEEDED'];
  for (const stage of order.slice(1)) assert.ok(stages.includes(stage), stages.join(' -> '));
  assert.deepEqual(
    stages.filter((s, i) => s !== stages[i - 1]),
    order.filter((s) => stages.includes(s)),
    'each stage once, in order',
  );
  assert.match(
    counted.jobStatus?.consoleUrl ?? '',
    /^https:\/\/console\.cloud\.google\.com\/vertex-ai\/locations\/europe-west4\/training\/\d+\/cpu\?project=stepops-contract$/,
  );
  const lines = events.flatMap((e) => (e.type === 'logs' ? e.lines.map((l) => l.text) : []));
  assert.deepEqual(
    lines.filter((l) => l.startsWith('count ')),
    ['count 0', 'count 1', 'count 2'],
  );
  assert.equal(counted.outputs?.output?.preview, '3', 'written under /gcs by the step, read back through the store');
  assert.match(
    outputUri(counted, 'output', '/unused'),
    new RegExp(`^gs://${BUCKET}/pipeline/${counted.id}/outputs/output$`),
  );
  const [job] = vertex.jobs.all().filter((j) => j.labels['stepops-run-id'] === labelValue(counted.id));
  const pool = (job!.request as { jobSpec: { workerPoolSpecs: { machineSpec: unknown }[] } }).jobSpec
    .workerPoolSpecs[0]!;
  assert.deepEqual(pool.machineSpec, {
    machineType: 'n1-standard-4',
    acceleratorType: 'NVIDIA_TESLA_T4',
    acceleratorCount: 1,
  });
  assert.equal(job!.labels.team, 'contract');
});

async function faults(endpoint: string, rules: unknown[]): Promise<void> {
  await fetch(`${endpoint}/__faults`, { method: 'DELETE' });
  if (rules.length === 0) return;
  const answer = await fetch(`${endpoint}/__faults`, { method: 'POST', body: JSON.stringify(rules) });
  assert.equal(answer.status, 201, await answer.text());
}

async function faultsInForce(endpoint: string): Promise<{ kind: string; injected: number }[]> {
  const answer = (await (await fetch(`${endpoint}/__faults`)).json()) as {
    faults: { kind: string; injected: number }[];
  };
  return answer.faults;
}

async function lines(op: StepOperator, job: JobSpec): Promise<{ text: string; source?: string }[]> {
  const handle = await op.submit(job, new AbortController().signal);
  const delivered: { text: string; source?: string }[] = [];
  for await (const batch of op.logs(handle)) delivered.push(...batch.lines);
  return delivered;
}

test('log-API faults (quota, 5xx, dropped connections) are waited out: the delivered log is the container’s', async () => {
  await faults(logging.endpoint, [
    { service: 'logging', operation: 'ListLogEntries', kind: 'throttle', rate: 0.4 },
    { service: 'logging', operation: 'ListLogEntries', kind: 'error', status: 503, count: 2 },
    { service: 'logging', operation: 'ListLogEntries', kind: 'drop', count: 1 },
  ]);
  try {
    const delivered = await lines(await harness().operator(), await harness().job('count', { lines: 40, pause: 0.02 }));
    assert.deepEqual(
      delivered.map((l) => l.text).filter((t) => t.startsWith('count ')),
      Array.from({ length: 40 }, (_, i) => `count ${i}`),
    );
    // The 503s and the drop were spent (spent rules retire); the throttling rule fired too.
    const left = await faultsInForce(logging.endpoint);
    assert.deepEqual(
      left.map((rule) => rule.kind),
      ['throttle'],
    );
    assert.ok(left[0]!.injected > 0, JSON.stringify(left));
  } finally {
    await faults(logging.endpoint, []);
  }
});

test('a two-replica job (chief and worker) logs each replica’s lines under its name', async () => {
  const job = await harness().job('count', { lines: 3 });
  const delivered = await lines(await harness().operator(), { ...job, settings: { ...config, replica_count: 2 } });
  for (const source of ['workerpool0-0', 'workerpool1-0']) {
    assert.deepEqual(
      delivered.filter((l) => l.source === source && l.text.startsWith('count ')).map((l) => l.text),
      ['count 0', 'count 1', 'count 2'],
      source,
    );
  }
  const [created] = vertex.jobs.all().filter((j) => j.labels['stepops-run-id'] === labelValue(job.runId));
  const pools = (created!.request as { jobSpec: { workerPoolSpecs: { replicaCount: string }[] } }).jobSpec
    .workerPoolSpecs;
  assert.deepEqual(
    pools.map((p) => String(p.replicaCount)),
    ['1', '1'],
  );
});

test('a submit whose look for the run’s job is throttled waits it out and still makes one job', async () => {
  await faults(vertex.endpoint, [{ service: 'vertex', operation: 'ListCustomJobs', kind: 'throttle', count: 2 }]);
  try {
    const h = harness();
    const job = await h.job('count', { lines: 1 });
    const handle = await (await h.operator()).submit(job, new AbortController().signal);
    assert.match(handle.jobId, /\/customJobs\/\d+$/);
    assert.equal(await h.jobsFor(job.runId), 1);
    assert.deepEqual(
      await faultsInForce(vertex.endpoint),
      [],
      'both throttling answers were given (a spent rule retires)',
    );
  } finally {
    await faults(vertex.endpoint, []);
  }
});
