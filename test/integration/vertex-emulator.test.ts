// The Vertex AI emulator through the real @google-cloud/aiplatform JobServiceClient (its REST
// transport) and real Cloud Logging calls signed by google-auth-library, running a real image from
// the local registry (named by an Artifact Registry host): the requests Vertex refuses are refused
// in Google's words; a job reads and writes /gcs and its file lands in the GCS fake; a failing job
// carries Vertex's error message with the traceback; cancel ends CANCELLED; a two-replica job logs
// under both task names (and the tail's field mask keeps just what it reads of them); jobs are
// found by label; and a log tail with a timestamp cursor gets every line once, across throttling.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { protos } from '@google-cloud/aiplatform';
import type { protos as protosLogging } from '@google-cloud/logging';
import type { JobServiceClient } from '@google-cloud/aiplatform/build/src/v1/job_service_client.js';
import type { LoggingServiceV2Client } from '@google-cloud/logging/build/src/v2/logging_service_v2_client.js';
import { listEntriesWith } from '../../src/core/clouds/gcp/vertex/cloudLoggingClient';
import { entryFields } from '../../src/core/clouds/gcp/vertex/cloudLoggingTail';
import { type DockerClient, connectDocker } from '../../src/core/images/dockerClient';
import { buildImage } from '../../src/core/images/imageBuilder';
import { pushImage } from '../../src/core/images/imagePusher';
import { type FakeGcs, startFakeGcs } from '../fakes/fakeGcs';
import { type FakeCloudLogging, startFakeCloudLogging } from '../fakes/gcp/fakeCloudLogging';
import { type FakeVertex, startFakeVertex } from '../fakes/gcp/fakeVertex';
import { makeServiceAccount } from '../fakes/googleServiceAccounts';
import { integrationEnvironment } from './environment';

type CustomJob = protos.google.cloud.aiplatform.v1.ICustomJob;
/** An accelerator type the enum may lack (the client sends enums as numbers, and any number). */
type CustomJobAccelerator = protos.google.cloud.aiplatform.v1.AcceleratorType;

const env = integrationEnvironment();
const REGION = 'europe-west4';
const PROJECT = 'stepops-vertex-it';
const PROJECT_NUMBER = '424242424242';
const BUCKET = 'stepops-vertex-it-data';
const REGISTRY_HOST = `${REGION}-docker.pkg.dev`;
const nonce = randomUUID().slice(0, 8);
const repository = `${PROJECT}/stepops-it/vertex-train`;
const localImage = `${env.registry}/${repository}:${nonce}`;
/** The same image as Vertex would name it in Artifact Registry; the emulator pulls it from the local registry. */
const image = `${REGISTRY_HOST}/${repository}:${nonce}`;
const parent = `projects/${PROJECT}/locations/${REGION}`;

// Behaves as BEHAVIOUR says: ok (reads /gcs, writes /gcs), fail (a traceback), wait (until SIGTERM), lines (N lines).
const TRAIN_PY = String.raw`
import json, os, signal, sys, time
behaviour = os.environ.get("BEHAVIOUR", "ok")
spec = json.loads(os.environ["CLUSTER_SPEC"])
task = f"{spec['task']['type']}-{spec['task']['index']}"
print(f"task {task} of {sorted(spec['cluster'])}; argv {sys.argv[1:]}", flush=True)
if behaviour == "ok":
    bucket = os.environ["DATA_BUCKET"]
    numbers = [int(line) for line in open(f"/gcs/{bucket}/inputs/numbers.txt") if line.strip()]
    os.makedirs(f"/gcs/{bucket}/outputs", exist_ok=True)
    open(f"/gcs/{bucket}/outputs/sum-{task}.txt", "w").write(str(sum(numbers)))
    print(f"model dir {os.environ.get('AIP_MODEL_DIR')} greeting {os.environ.get('GREETING')}", flush=True)
    print("a warning on stderr", file=sys.stderr, flush=True)
    print(json.dumps({"message": "structured line", "severity": "WARNING", "step": 1}), flush=True)
elif behaviour == "fail":
    def load(path):
        raise ValueError(f"bad input in {path}")
    load("/gcs/missing.csv")
elif behaviour == "wait":
    def stopped(signum, frame):
        print("got SIGTERM", flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stopped)
    print("waiting", flush=True)
    while True:
        time.sleep(0.1)
elif behaviour == "lines":
    for i in range(int(os.environ["LINES"])):
        print(f"line {i} of {task}", file=sys.stderr if i % 3 == 2 else sys.stdout, flush=True)
        time.sleep(0.02)
`;

const runner = makeServiceAccount('runner', PROJECT);
const outsider = makeServiceAccount('outsider', PROJECT);
const PERMISSIONS = ['create', 'get', 'list', 'cancel', 'delete'].map((verb) => `aiplatform.customJobs.${verb}`);
let docker: DockerClient;
let work: string;
let gcs: FakeGcs;
let logging: FakeCloudLogging;
let vertex: FakeVertex;
let client: JobServiceClient;
let logs: LoggingServiceV2Client;

before(async () => {
  docker = await connectDocker();
  work = await mkdtemp(path.join(tmpdir(), 'stepops-vertex-it-'));
  const context = path.join(work, 'image');
  await buildContext(context);
  await buildImage(docker, { context: { dir: context }, tag: localImage });
  await pushImage(docker, { reference: localImage });

  const project = {
    id: PROJECT,
    number: PROJECT_NUMBER,
    apiEnabled: true,
    grants: {
      [runner.email]: [...PERMISSIONS, 'iam.serviceAccounts.actAs', 'logging.logEntries.list'],
      [outsider.email]: ['aiplatform.customJobs.get'],
    },
  };
  gcs = await startFakeGcs({ [BUCKET]: { grants: {} } }, () => undefined);
  gcs.put(BUCKET, 'inputs/numbers.txt', Buffer.from('1\n2\n39\n'));
  logging = await startFakeCloudLogging({ projects: [project], accounts: [runner, outsider] });
  vertex = await startFakeVertex(REGION, [project], [runner, outsider], {
    training: {
      gcs,
      registries: [{ host: env.registry }, { host: REGISTRY_HOST, pullFrom: env.registry }],
      logging,
      networkMode: 'none',
      workRoot: work,
    },
  });
  const keyFile = path.join(work, 'runner.json');
  await writeFile(keyFile, JSON.stringify(runner.keyFile));
  const { JobServiceClient } = await import('@google-cloud/aiplatform/build/src/v1/job_service_client.js');
  const port = Number(new URL(vertex.endpoint).port);
  client = new JobServiceClient({
    fallback: true,
    protocol: 'http',
    apiEndpoint: '127.0.0.1',
    port,
    keyFilename: keyFile,
  });
  const { LoggingServiceV2Client } = await import('@google-cloud/logging/build/src/v2/logging_service_v2_client.js');
  const loggingPort = Number(new URL(logging.endpoint).port);
  logs = new LoggingServiceV2Client({
    fallback: true,
    protocol: 'http',
    apiEndpoint: '127.0.0.1',
    port: loggingPort,
    keyFilename: keyFile,
  });
});

after(async () => {
  assert.deepEqual(vertex?.internalErrors ?? [], [], 'the emulator itself never failed');
  await client?.close();
  await logs?.close();
  await vertex?.close();
  await logging?.close();
  await gcs?.close();
  await rm(work, { recursive: true, force: true });
  await docker
    ?.getImage(localImage)
    .remove({ force: true })
    .catch(() => undefined);
});

async function buildContext(folder: string): Promise<void> {
  await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
  await writeFile(
    path.join(folder, 'Dockerfile'),
    `FROM ${env.pythonImage}\nCOPY train.py /opt/train.py\nENTRYPOINT ["python3", "/opt/train.py"]\n`,
  );
  await writeFile(path.join(folder, 'train.py'), TRAIN_PY);
}

const pool = (behaviour: string, extra: Record<string, string> = {}) => ({
  machineSpec: { machineType: 'n1-standard-4' },
  replicaCount: 1,
  containerSpec: {
    imageUri: image,
    env: Object.entries({ BEHAVIOUR: behaviour, DATA_BUCKET: BUCKET, ...extra }).map(([name, value]) => ({
      name,
      value,
    })),
  },
});

const job = (behaviour: string, overrides: Partial<CustomJob> = {}, extra: Record<string, string> = {}): CustomJob => ({
  displayName: `it-${nonce}-${behaviour}`,
  labels: { run_id: `${nonce}-${behaviour}` },
  jobSpec: { workerPoolSpecs: [pool(behaviour, extra)] },
  ...overrides,
});

async function create(customJob: CustomJob): Promise<CustomJob> {
  const [created] = await client.createCustomJob({ parent, customJob });
  return created;
}

const ENDED = ['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'];

/** Polls getCustomJob until the job ends; answers it and every state seen. */
async function untilEnded(name: string, timeoutMs = 90_000): Promise<{ ended: CustomJob; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [current] = await client.getCustomJob({ name });
    const state = String(current.state);
    if (seen.at(-1) !== state) seen.push(state);
    if (ENDED.includes(state)) return { ended: current, seen };
    if (Date.now() > deadline) assert.fail(`${name} did not end within ${timeoutMs} ms; seen ${seen.join(' -> ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The error a call rejects with, as google.rpc: status name and message. */
async function refusal(call: Promise<unknown>): Promise<{ status: string; message: string; body: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as Error & { code?: number; cause?: { message?: string }; response?: { data?: unknown } };
    const body = String(e.cause?.message ?? e.response?.data ?? e.message);
    const parsed = /^\{/.test(body) ? (JSON.parse(body) as { error: { status: string; message: string } }) : undefined;
    return { status: parsed?.error.status ?? String(e.code), message: parsed?.error.message ?? e.message, body };
  }
  assert.fail('the call was expected to be refused');
}

/** A REST call signed with the Vertex client's own credentials, for bodies the client would never send. */
async function rawCall(
  method: string,
  url: string,
  data?: unknown,
): Promise<{ status: number; body: { error: { status: string; message: string } } }> {
  const signed = await client.auth.getClient();
  const answer = await signed.request<{ error: { status: string; message: string } }>({
    url,
    method: method as 'POST',
    data,
    validateStatus: () => true,
  });
  return { status: answer.status, body: answer.data };
}

/** What the tests read of a LogEntry the Logging client decoded. */
interface LogEntry {
  readonly insertId: string;
  /** RFC 3339 with nanoseconds, from the decoded Timestamp. */
  readonly timestamp: string;
  readonly severity: string;
  readonly textPayload?: string;
  readonly jsonPayload?: Record<string, unknown>;
  readonly resource: { readonly type: string; readonly labels: Record<string, string> };
  readonly logName: string;
}

type Decoded = protosLogging.google.logging.v2.ILogEntry;

function readEntry(entry: Decoded): LogEntry {
  const seconds = Number(entry.timestamp?.seconds ?? 0);
  const nanos = String(entry.timestamp?.nanos ?? 0).padStart(9, '0');
  return {
    insertId: entry.insertId!,
    timestamp: `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${nanos}Z`,
    severity: String(entry.severity),
    ...(entry.textPayload ? { textPayload: entry.textPayload } : {}),
    ...(entry.jsonPayload ? { jsonPayload: plainStruct(entry.jsonPayload) } : {}),
    resource: { type: entry.resource!.type!, labels: { ...entry.resource!.labels } },
    logName: entry.logName!,
  };
}

/** A decoded google.protobuf.Struct as the JSON it stands for. */
function plainStruct(struct: protosLogging.google.protobuf.IStruct): Record<string, unknown> {
  const value = (v: protosLogging.google.protobuf.IValue): unknown =>
    v.structValue
      ? plainStruct(v.structValue)
      : v.listValue
        ? (v.listValue.values ?? []).map(value)
        : (v.stringValue ?? v.numberValue ?? v.boolValue ?? null);
  return Object.fromEntries(Object.entries(struct.fields ?? {}).map(([k, v]) => [k, value(v)]));
}

/** One entries.list page through the Logging client, its own retries off (a throttle comes back as the error). */
async function listEntries(
  filter: string,
  pageToken?: string,
): Promise<{ code: number; entries: LogEntry[]; next?: string }> {
  try {
    const [entries, , response] = await logs.listLogEntries(
      {
        resourceNames: [`projects/${PROJECT}`],
        filter,
        orderBy: 'timestamp asc',
        pageSize: 5,
        ...(pageToken ? { pageToken } : {}),
      },
      { autoPaginate: false, retry: { retryCodes: [] } },
    );
    return {
      code: 0,
      entries: entries.map(readEntry),
      ...(response?.nextPageToken ? { next: response.nextPageToken } : {}),
    };
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (typeof code !== 'number') throw error;
    return { code, entries: [] };
  }
}

const jobIdOf = (name: string) => name.split('/').at(-1)!;

test('Vertex refuses what it refuses, in its own words: required fields, unknown fields, enums, labels, machines, permissions', async () => {
  const missing = await refusal(create({ ...job('ok'), displayName: '' }));
  assert.equal(missing.status, 'INVALID_ARGUMENT');
  assert.equal(missing.message, 'List of found errors:\t1.Field: display_name; Message: Required field is not set.\t');

  const unknown = await rawCall('POST', `${vertex.endpoint}/v1/${parent}/customJobs`, {
    ...job('ok'),
    jobSpec: { workerPoolSpecs: [pool('ok')], retries: 3 },
  });
  assert.equal(unknown.status, 400);
  assert.equal(
    unknown.body.error.message,
    `Invalid JSON payload received. Unknown name "retries" at 'custom_job.job_spec': Cannot find field.`,
  );
  const badEnum = await rawCall('POST', `${vertex.endpoint}/v1/${parent}/customJobs`, {
    ...job('ok'),
    jobSpec: {
      workerPoolSpecs: [
        {
          ...pool('ok'),
          machineSpec: { machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_T5', acceleratorCount: 1 },
        },
      ],
    },
  });
  assert.equal(badEnum.body.error.status, 'INVALID_ARGUMENT');
  assert.equal(
    badEnum.body.error.message,
    `Invalid value at 'custom_job.job_spec.worker_pool_specs[0].machine_spec.accelerator_type' (type.googleapis.com/google.cloud.aiplatform.v1.AcceleratorType), "NVIDIA_TESLA_T5"`,
  );
  // The client encodes enums as numbers; one the enum lacks reaches the service, which refuses it.
  const undefinedNumber = await refusal(
    create({
      ...job('ok'),
      jobSpec: {
        workerPoolSpecs: [
          {
            ...pool('ok'),
            machineSpec: {
              machineType: 'n1-standard-4',
              acceleratorType: 99 as CustomJobAccelerator,
              acceleratorCount: 1,
            },
          },
        ],
      },
    }),
  );
  assert.match(
    undefinedNumber.message,
    /accelerator_type; Message: Unsupported value 99 for google\.cloud\.aiplatform\.v1\.AcceleratorType/,
  );

  const label = await refusal(create({ ...job('ok'), labels: { 'Run-ID': 'x' } }));
  assert.match(
    label.message,
    /^List of found errors:\t1\.Field: labels\[Run-ID\]; Message: Label key "Run-ID" is invalid/,
  );
  const gpu = await refusal(
    create({
      ...job('ok'),
      jobSpec: {
        workerPoolSpecs: [
          {
            ...pool('ok'),
            machineSpec: { machineType: 'e2-standard-4', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
          },
        ],
      },
    }),
  );
  assert.match(gpu.message, /Accelerator "NVIDIA_TESLA_T4" is not supported for machine type "e2-standard-4"\./);
  const half = await refusal(
    create({
      ...job('ok'),
      jobSpec: {
        workerPoolSpecs: [{ ...pool('ok'), machineSpec: { machineType: 'n1-standard-4', acceleratorCount: 1 } }],
      },
    }),
  );
  assert.match(half.message, /Both `accelerator_type` and `accelerator_count` should be specified or none\./);
  const chief = await refusal(
    create({ ...job('ok'), jobSpec: { workerPoolSpecs: [{ ...pool('ok'), replicaCount: 2 }] } }),
  );
  assert.match(
    chief.message,
    /worker_pool_specs\[0\]\.replica_count; Message: The first worker pool holds the primary replica/,
  );
  const several = await refusal(
    create({
      displayName: 'x'.repeat(129),
      jobSpec: { workerPoolSpecs: [{ replicaCount: 1, containerSpec: { imageUri: image } }] },
    }),
  );
  assert.equal(
    several.message,
    'List of found errors:\t1.Field: display_name; Message: The display name is 129 characters long; at most 128 are allowed.\t' +
      '2.Field: job_spec.worker_pool_specs[0].machine_spec.machine_type; Message: Required field is not set.\t',
  );
  const elsewhere = await refusal(
    create({
      ...job('ok'),
      jobSpec: { workerPoolSpecs: [{ ...pool('ok'), containerSpec: { imageUri: 'docker.io/library/python:3' } }] },
    }),
  );
  assert.match(elsewhere.message, /The Vertex emulator pulls images from .* only/);

  const outsiderKey = path.join(work, 'outsider.json');
  await writeFile(outsiderKey, JSON.stringify(outsider.keyFile));
  const { JobServiceClient } = await import('@google-cloud/aiplatform/build/src/v1/job_service_client.js');
  const port = Number(new URL(vertex.endpoint).port);
  const theirs = new JobServiceClient({
    fallback: true,
    protocol: 'http',
    apiEndpoint: '127.0.0.1',
    port,
    keyFilename: outsiderKey,
  });
  try {
    const denied = await refusal(theirs.createCustomJob({ parent, customJob: job('ok') }));
    assert.equal(denied.status, 'PERMISSION_DENIED');
    assert.match(denied.message, /Permission 'aiplatform\.customJobs\.create' denied on resource/);
  } finally {
    await theirs.close();
  }
  assert.equal(vertex.jobs.all().length, 0, 'no refused request made a job');
});

test('a job reads and writes /gcs, goes QUEUED, PENDING, RUNNING, SUCCEEDED, and its file lands in the GCS fake', async () => {
  const created = await create(
    job('ok', {
      jobSpec: {
        workerPoolSpecs: [pool('ok', { GREETING: 'hello $(DATA_BUCKET)' })],
        baseOutputDirectory: { outputUriPrefix: `gs://${BUCKET}/runs/r1` },
      },
    }),
  );
  assert.match(created.name!, new RegExp(`^projects/${PROJECT_NUMBER}/locations/${REGION}/customJobs/\\d{19}$`));
  assert.equal(created.state, 'JOB_STATE_QUEUED');
  assert.deepEqual(created.jobSpec?.workerPoolSpecs?.[0]?.diskSpec, { bootDiskType: 'pd-ssd', bootDiskSizeGb: 100 });
  const { ended, seen } = await untilEnded(created.name!);
  assert.deepEqual(vertex.jobs.byId(jobIdOf(created.name!))!.states, [
    'JOB_STATE_QUEUED',
    'JOB_STATE_PENDING',
    'JOB_STATE_RUNNING',
    'JOB_STATE_SUCCEEDED',
  ]);
  assert.equal(seen.at(-1), 'JOB_STATE_SUCCEEDED', seen.join(' -> '));
  assert.equal(ended.error, null);
  const seconds = (t: { seconds?: unknown } | null | undefined) => Number(t?.seconds);
  assert.ok(
    seconds(ended.createTime) <= seconds(ended.startTime) && seconds(ended.startTime) <= seconds(ended.endTime),
  );
  assert.equal(gcs.objects.get(`${BUCKET}/outputs/sum-workerpool0-0.txt`)?.toString(), '42');

  const lines = await untilLines(jobIdOf(created.name!), 5);
  // Compared per pipe: the engine stamps stdout and stderr lines as it reads each pipe.
  const fromPipe = (stderr: boolean) =>
    lines.filter((e) => (e.severity === 'ERROR') === stderr).map((e) => [e.severity, e.textPayload ?? e.jsonPayload]);
  assert.deepEqual(fromPipe(false), [
    ['INFO', "task workerpool0-0 of ['workerpool0']; argv []"],
    ['INFO', `model dir gs://${BUCKET}/runs/r1/model/ greeting hello ${BUCKET}`],
    // A JSON line is a jsonPayload, with the severity it names.
    ['WARNING', { message: 'structured line', step: 1 }],
  ]);
  assert.deepEqual(fromPipe(true), [['ERROR', 'a warning on stderr']]);
  assert.deepEqual(lines[0]!.resource, {
    type: 'ml_job',
    labels: { job_id: jobIdOf(created.name!), project_id: PROJECT, task_name: 'workerpool0-0' },
  });
  assert.equal(lines[0]!.logName, `projects/${PROJECT}/logs/workerpool0-0`);
});

/** The job's entries once at least `count - 1` are visible (a short wait for the ingestion lag). */
async function untilLines(jobId: string, count: number): Promise<LogEntry[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const all: LogEntry[] = [];
    let token: string | undefined;
    do {
      const page = await listEntries(`resource.type="ml_job" AND resource.labels.job_id="${jobId}"`, token);
      assert.equal(page.code, 0);
      all.push(...page.entries);
      token = page.next;
    } while (token);
    if (all.length >= count - 1 || Date.now() > deadline) return all;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("a failing job ends FAILED with Vertex's error: the replica, its exit status and the traceback's last lines", async () => {
  const created = await create(job('fail'));
  const { ended } = await untilEnded(created.name!);
  assert.equal(ended.state, 'JOB_STATE_FAILED');
  assert.equal(ended.error?.code, 3);
  const message = ended.error?.message ?? '';
  assert.match(
    message,
    /^The replica workerpool0-0 exited with a non-zero status of 1\. Termination reason: Error\.\n\nTraceback \(most recent call last\):\n/,
  );
  assert.match(
    message,
    /\nValueError: bad input in \/gcs\/missing\.csv\n\nTo find out more about why your job exited please check the logs: https:\/\/console\.cloud\.google\.com\/logs\/viewer\?project=424242424242&resource=ml_job%2Fjob_id%2F\d+&advancedFilter=/,
  );
});

test('cancel makes a running job CANCELLING at once, its container gets SIGTERM, and it ends CANCELLED with code 1', async () => {
  const created = await create(job('wait'));
  const id = jobIdOf(created.name!);
  await until(
    async () => (await untilLines(id, 0)).some((e) => e.textPayload === 'waiting'),
    'the job to log "waiting"',
  );
  await client.cancelCustomJob({ name: created.name! });
  const [cancelling] = await client.getCustomJob({ name: created.name! });
  assert.equal(cancelling.state, 'JOB_STATE_CANCELLING');
  const { ended } = await untilEnded(created.name!);
  assert.equal(ended.state, 'JOB_STATE_CANCELLED');
  assert.deepEqual({ code: ended.error?.code, message: ended.error?.message }, { code: 1, message: 'CANCELED' });
  await until(async () => (await untilLines(id, 0)).some((e) => e.textPayload === 'got SIGTERM'), 'the SIGTERM line');
  const again = await refusal(client.cancelCustomJob({ name: created.name! }));
  assert.equal(again.status, 'FAILED_PRECONDITION');
  const [operation] = await client.deleteCustomJob({ name: created.name! });
  await operation.promise();
  assert.equal((await refusal(client.getCustomJob({ name: created.name! }))).status, 'NOT_FOUND');
});

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('a two-replica job (a primary and a worker) runs both, and its entries carry both task names', async () => {
  const created = await create(
    job('lines', { jobSpec: { workerPoolSpecs: [pool('lines', { LINES: '3' }), pool('lines', { LINES: '3' })] } }),
  );
  const { ended } = await untilEnded(created.name!);
  assert.equal(ended.state, 'JOB_STATE_SUCCEEDED');
  const entries = await untilLines(jobIdOf(created.name!), 9);
  const byTask = new Map<string, string[]>();
  for (const e of entries)
    byTask.set(e.resource.labels.task_name!, [...(byTask.get(e.resource.labels.task_name!) ?? []), e.textPayload!]);
  assert.deepEqual([...byTask.keys()].sort(), ['workerpool0-0', 'workerpool1-0']);
  // The project may be named by its number too; entries still name it by id.
  const [byNumber] = await logs.listLogEntries(
    {
      resourceNames: [`projects/${PROJECT_NUMBER}`],
      filter: `resource.labels.job_id="${jobIdOf(created.name!)}"`,
      pageSize: 100,
    },
    { autoPaginate: false },
  );
  assert.equal(byNumber.length, entries.length);
  assert.equal(byNumber[0]!.logName, `projects/${PROJECT}/logs/${byNumber[0]!.resource!.labels!.task_name}`);
  assert.deepEqual(byTask.get('workerpool1-0'), [
    "task workerpool1-0 of ['workerpool0', 'workerpool1']; argv []",
    'line 0 of workerpool1-0',
    'line 1 of workerpool1-0',
    'line 2 of workerpool1-0',
  ]);
  // The tail's own call: its field mask keeps what it reads (here the task name), and no more.
  const filter = `resource.labels.job_id="${jobIdOf(created.name!)}"`;
  const request = { resourceNames: [`projects/${PROJECT}`], filter, orderBy: 'timestamp asc', pageSize: 100 } as const;
  const masked = await listEntriesWith(logs)({ ...request, entryFields: entryFields(true) });
  assert.deepEqual(
    masked.entries.map((e) => [e.insertId, e.resource?.labels?.task_name, e.textPayload, String(e.severity)]),
    byNumber.map((e) => [e.insertId, e.resource?.labels?.task_name, e.textPayload, String(e.severity)]),
  );
  for (const entry of masked.entries) {
    assert.ok(!entry.logName && !entry.receiveTimestamp && !entry.resource?.type, 'only the named fields come back');
    assert.ok(entry.timestamp?.seconds, 'with their timestamps');
  }
  const refused = await refusal(
    logs.listLogEntries(
      { ...request, resourceNames: [...request.resourceNames] },
      {
        autoPaginate: false,
        otherArgs: { headers: { 'X-Goog-FieldMask': 'entries(insertId,taskName)' } },
      },
    ),
  );
  assert.equal(refused.status, '3', 'INVALID_ARGUMENT');
  assert.match(refused.message, /"entries\.taskName": LogEntry has no field "taskName"/);
});

test('listCustomJobs finds a job by its label, pages, and refuses a filter it cannot read', async () => {
  const label = `find-${nonce}`;
  const wanted = await create(job('lines', { labels: { run_id: label } }, { LINES: '1' }));
  await create(job('lines', { labels: { run_id: `other-${nonce}` } }, { LINES: '1' }));
  const [found] = await client.listCustomJobs({ parent, filter: `labels.run_id="${label}"` }, { autoPaginate: false });
  assert.deepEqual(
    found.map((j) => j.name),
    [wanted.name],
  );
  const [both] = await client.listCustomJobs(
    { parent, filter: `labels.run_id="${label}" OR labels.run_id="other-${nonce}" AND state!=JOB_STATE_FAILED` },
    { autoPaginate: false },
  );
  assert.equal(both.length, 2);
  const [first, , page] = await client.listCustomJobs({ parent, pageSize: 1 }, { autoPaginate: false });
  assert.equal(first.length, 1);
  assert.ok(page?.nextPageToken);
  const [second] = await client.listCustomJobs(
    { parent, pageSize: 1, pageToken: page.nextPageToken },
    { autoPaginate: false },
  );
  assert.notEqual(second[0]!.name, first[0]!.name);
  const bad = await refusal(client.listCustomJobs({ parent, filter: 'labels.run_id=' }, { autoPaginate: false }));
  assert.equal(bad.status, 'INVALID_ARGUMENT');
  assert.match(bad.message, /^Invalid filter "labels\.run_id=": expected a value/);
  const unsupported = await refusal(
    client.listCustomJobs({ parent, filter: 'machine_type="n1"' }, { autoPaginate: false }),
  );
  assert.match(unsupported.message, /unsupported field machine_type/);
  for (const name of [wanted.name!]) await untilEnded(name);
});

test('a log tail with a timestamp cursor and the insertIds seen at it gets every line once, across throttling and the ingestion lag', async () => {
  const count = 30;
  const created = await create(job('lines', {}, { LINES: String(count) }));
  const id = jobIdOf(created.name!);
  await fetch(`${logging.endpoint}/__faults`, {
    method: 'POST',
    body: JSON.stringify({ service: 'logging', operation: 'ListLogEntries', kind: 'throttle', rate: 0.25, count: 4 }),
  });
  const base = `resource.type="ml_job" AND resource.labels.job_id="${id}"`;
  let cursor = '1970-01-01T00:00:00Z';
  let seenAtCursor = new Set<string>();
  const delivered: LogEntry[] = [];
  let throttled = 0;
  let ended = false;
  for (let round = 0; round < 400; round++) {
    let token: string | undefined;
    // A page token is good for the query it came from only: the cursor moves between rounds, not pages.
    const filter = `${base} AND timestamp>="${cursor}"`;
    do {
      const page = await listEntries(filter, token);
      // RESOURCE_EXHAUSTED: try again next round, from the same cursor.
      if (page.code === 8) {
        throttled++;
        break;
      }
      assert.equal(page.code, 0);
      for (const entry of page.entries) {
        if (entry.timestamp === cursor && seenAtCursor.has(entry.insertId)) continue;
        if (entry.timestamp !== cursor) seenAtCursor = new Set();
        cursor = entry.timestamp;
        seenAtCursor.add(entry.insertId);
        delivered.push(entry);
      }
      token = page.next;
    } while (token);
    if (ended && delivered.length >= count + 1) break;
    const [current] = await client.getCustomJob({ name: created.name! });
    ended ||= ENDED.includes(String(current.state));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(throttled > 0, 'the tail met RESOURCE_EXHAUSTED');
  const texts = delivered.map((e) => e.textPayload!);
  assert.equal(new Set(delivered.map((e) => e.insertId)).size, delivered.length, 'no entry twice');
  assert.deepEqual(texts, [
    "task workerpool0-0 of ['workerpool0']; argv []",
    ...Array.from({ length: count }, (_, i) => `line ${i} of workerpool0-0`),
  ]);
  assert.deepEqual(
    delivered.filter((e) => e.severity === 'ERROR').map((e) => e.textPayload),
    texts.filter((t) => /^line (\d+)/.test(t) && Number(/^line (\d+)/.exec(t)![1]) % 3 === 2),
  );
  const unparsable = await listEntries(`${base} AND timestamp>=`);
  assert.equal(unparsable.code, 3, 'INVALID_ARGUMENT');
});
