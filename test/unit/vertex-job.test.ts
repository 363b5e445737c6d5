// What the Vertex AI operator asks for, decided without a network: settings from the component,
// the step and ZenML's names (unknown keys refused by name); the CustomJob request (one pool or
// chief plus workers, accelerators from the API's own enum, the /gcs/ paths, scheduling, labels
// within Google's rules), held to the protos the client ships; and GetCustomJob answers read as
// states, stages, reasons and failure kinds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { google } from '@google-cloud/aiplatform/build/protos/protos.js';
import { ACCELERATOR_ENUM_VALUES, ACCELERATOR_TYPES } from '../../src/core/clouds/gcp/vertex/acceleratorTypes';
import {
  RUN_ID_LABEL,
  customJobRequest,
  displayName,
  fusePath,
  labelValue,
  runIdFilter,
} from '../../src/core/clouds/gcp/vertex/customJobRequest';
import { customJobStatus } from '../../src/core/clouds/gcp/vertex/customJobStatus';
import { LABEL_KEY, LABEL_VALUE, vertexJobSettings } from '../../src/core/clouds/gcp/vertex/vertexSettings';
import type { JobSpec } from '../../src/core/operators/stepOperator';
import type { Stack, StackComponent } from '../../src/core/stacks/model';
import { componentBackend } from '../../src/core/clouds';
import { explainGoogleCallError, isRetryableGoogleError } from '../../src/core/clouds/gcp/errors';

const BASE = { project: 'churn-project', region: 'europe-west4' };
const RUN_ID = '20261201-214512345-train_model-3f9a';
const JOB: JobSpec = {
  runId: RUN_ID,
  stepName: 'train_model',
  pipelineName: 'churn_pipeline',
  image: 'europe-west4-docker.pkg.dev/churn-project/steps/churn:1a2b3c',
  imageDigest: `sha256:${'a'.repeat(64)}`,
  jobFile: `gs://churn-bucket/runs/${RUN_ID}/job.json`,
  inputs: { rows: 'gs://churn-bucket/runs/20261201-100000000-load_customers-0001/outputs/output' },
  outputs: `gs://churn-bucket/runs/${RUN_ID}/outputs`,
  environment: { STEPOPS_RUN_ID: RUN_ID, HF_HOME: '/tmp/hf' },
  settings: {},
};

type ProtoNode = {
  nested?: Record<string, ProtoNode>;
  values?: Record<string, number>;
  fields?: Record<string, ProtoField>;
};
type ProtoField = { type: string; rule?: string; options?: Record<string, string> };
const protosJson = readFileSync(require.resolve('@google-cloud/aiplatform/build/protos/protos.json'), 'utf8');
const v1 = (JSON.parse(protosJson) as ProtoNode).nested!.google!.nested!.cloud!.nested!.aiplatform!.nested!.v1!.nested!;

test('the accelerator types are exactly the API enum’s, deprecated and unspecified ones refused', () => {
  assert.deepEqual([...ACCELERATOR_ENUM_VALUES].sort(), Object.keys(v1.AcceleratorType!.values!).sort());
  assert.ok(ACCELERATOR_TYPES.includes('NVIDIA_TESLA_T4') && ACCELERATOR_TYPES.includes('TPU_V5_LITEPOD'));
  assert.ok(!ACCELERATOR_TYPES.includes('NVIDIA_TESLA_K80' as never));
  const ask = (accelerator_type: string) => () => vertexJobSettings({ ...BASE, accelerator_type });
  assert.throws(ask('NVIDIA_TESLA_K80'), /NVIDIA_TESLA_K80 has reached the end of its support/);
  assert.throws(ask('ACCELERATOR_TYPE_UNSPECIFIED'), /leave accelerator_type unset/);
  assert.throws(ask('nvidia-tesla-t4'), /"nvidia-tesla-t4" is not one Vertex AI knows; it takes NVIDIA_TESLA_P100, /);
});

test('settings: the component’s, the step’s over them, ZenML’s names and ResourceSettings(gpu_count)', () => {
  assert.deepEqual(vertexJobSettings(BASE), {
    ...BASE,
    machineType: 'n1-standard-4',
    acceleratorCount: 0,
    bootDiskType: 'pd-ssd',
    bootDiskSizeGb: 100,
    replicaCount: 1,
    reservedIpRanges: [],
    spot: false,
    restartJobOnWorkerRestart: false,
    labels: {},
  });
  const settings = vertexJobSettings({
    ...BASE,
    instance_type: 'a2-highgpu-1g',
    accelerator: 'NVIDIA_TESLA_A100',
    resources: { gpu_count: 1 },
    boot_disk_type: 'pd-standard',
    boot_disk_size_gb: 200,
    replica_count: 3,
    service_account: 'runner@churn-project.iam.gserviceaccount.com',
    network: 'projects/123/global/networks/vpc',
    reserved_ip_ranges: 'range-a, range-b',
    encryption_spec_key_name: 'projects/churn-project/locations/europe-west4/keyRings/r/cryptoKeys/k',
    persistent_resource_id: 'warm-pool',
    timeout: 3600,
    spot: true,
    restart_job_on_worker_restart: true,
    labels: { team: 'churn' },
    environment: { HF_HOME: '/tmp/hf' },
    base_image: 'python:3.11-slim',
    api_endpoint: 'http://127.0.0.1:9000',
    logging_api_endpoint: 'http://127.0.0.1:9001',
    service_account_path: '/keys/sa.json',
  });
  assert.deepEqual(settings, {
    ...BASE,
    machineType: 'a2-highgpu-1g',
    acceleratorType: 'NVIDIA_TESLA_A100',
    acceleratorCount: 1,
    bootDiskType: 'pd-standard',
    bootDiskSizeGb: 200,
    replicaCount: 3,
    serviceAccount: 'runner@churn-project.iam.gserviceaccount.com',
    network: 'projects/123/global/networks/vpc',
    reservedIpRanges: ['range-a', 'range-b'],
    encryptionKey: 'projects/churn-project/locations/europe-west4/keyRings/r/cryptoKeys/k',
    persistentResourceId: 'warm-pool',
    timeoutSeconds: 3600,
    spot: true,
    restartJobOnWorkerRestart: true,
    labels: { team: 'churn' },
  });
  assert.equal(vertexJobSettings({ ...BASE, accelerator_type: 'NVIDIA_L4' }).acceleratorCount, 1, 'a type alone: one');
  assert.equal(vertexJobSettings({ ...BASE, max_run: 60 }).timeoutSeconds, 60);
  assert.deepEqual(vertexJobSettings({ ...BASE, reserved_ip_ranges: ['a', 'b'] }).reservedIpRanges, ['a', 'b']);
});

test('settings that cannot be honoured are refused by name, with the fix', () => {
  const refused = (settings: Record<string, unknown>, message: RegExp) =>
    assert.throws(() => vertexJobSettings({ ...BASE, ...settings }), message);
  refused(
    { private_service_connect: 'x', tensorboard: 'y' },
    /"private_service_connect", "tensorboard" cannot be honoured by stepops; it reads project, region/,
  );
  refused(
    { resources: { cpu_count: 4 } },
    /ResourceSettings "cpu_count" cannot be honoured .* come with its machine_type/,
  );
  refused({ accelerator_count: 2 }, /2 accelerator\(s\) asked for, but no accelerator_type: set it/);
  refused({ accelerator_type: 'NVIDIA_L4', accelerator_count: 0 }, /count of at least 1/);
  refused({ accelerator_type: 'NVIDIA_L4', accelerator_count: 2, resources: { gpu_count: 1 } }, /disagree: set one/);
  refused(
    { machine_type: 'n1-standard-4', instance_type: 'n1-standard-8' },
    /"machine_type" .* and "instance_type" .* disagree/,
  );
  refused({ machine_type: 'big one' }, /not a Compute Engine machine type/);
  refused(
    { boot_disk_type: 'pd-balanced' },
    /boot_disk_type "pd-balanced" is not one Vertex AI takes; choose pd-ssd, pd-standard, hyperdisk-balanced/,
  );
  refused({ boot_disk_size_gb: 50 }, /"boot_disk_size_gb" must be a whole number of at least 100/);
  refused({ replica_count: 0 }, /"replica_count" must be a whole number of at least 1/);
  refused({ timeout: '1h' }, /"timeout \(seconds\)" must be a whole number/);
  refused({ spot: 'yes' }, /"spot" must be true or false/);
  refused({ labels: { Team: 'x' } }, /Label key "Team" breaks Google's rule/);
  refused({ labels: { team: 'Churn Team' } }, /Label "team" has the value "Churn Team"/);
  refused({ labels: { 'stepops-run-id': 'x' } }, /stepops- labels are stepops' own/);
  refused(
    { machine_type: { $expression: 'MACHINE' } },
    /"machine_type" is set to MACHINE, which stepops cannot evaluate/,
  );
  refused({ $expression: 'vertex_settings' }, /settings are vertex_settings, which stepops cannot evaluate/);
  assert.throws(() => vertexJobSettings({ region: 'r' }), /no project: set its "project"/);
  assert.throws(() => vertexJobSettings({ project: 'p' }), /no region: set its "region"/);
});

test('the request: one pool, the runtime on /gcs/ paths, the image by digest, scheduling, labels', () => {
  const request = customJobRequest(
    JOB,
    vertexJobSettings({ ...BASE, accelerator_type: 'NVIDIA_TESLA_T4', timeout: 7200 }),
  );
  assert.equal(request.displayName, `churn_pipeline/train_model (run ${RUN_ID})`);
  assert.deepEqual(request.labels, {
    [RUN_ID_LABEL]: RUN_ID,
    'stepops-step': 'train_model',
    'stepops-pipeline': 'churn_pipeline',
  });
  const spec = request.jobSpec!;
  assert.equal(spec.workerPoolSpecs!.length, 1);
  const pool = spec.workerPoolSpecs![0]!;
  assert.deepEqual(pool.machineSpec, {
    machineType: 'n1-standard-4',
    acceleratorType: 'NVIDIA_TESLA_T4',
    acceleratorCount: 1,
  });
  assert.deepEqual(pool.diskSpec, { bootDiskType: 'pd-ssd', bootDiskSizeGb: 100 });
  assert.equal(pool.replicaCount, 1);
  assert.deepEqual(pool.containerSpec, {
    imageUri: `europe-west4-docker.pkg.dev/churn-project/steps/churn@sha256:${'a'.repeat(64)}`,
    command: ['python3', '-m', 'stepops_runtime'],
    args: [
      '--job',
      `/gcs/churn-bucket/runs/${RUN_ID}/job.json`,
      '--outputs',
      `/gcs/churn-bucket/runs/${RUN_ID}/outputs`,
      '--input',
      'rows=/gcs/churn-bucket/runs/20261201-100000000-load_customers-0001/outputs/output',
    ],
    env: [
      { name: 'STEPOPS_RUN_ID', value: RUN_ID },
      { name: 'HF_HOME', value: '/tmp/hf' },
    ],
  });
  assert.deepEqual(spec.scheduling, {
    timeout: { seconds: 7200 },
    strategy: 'STANDARD',
    restartJobOnWorkerRestart: false,
  });
  assert.deepEqual(spec.baseOutputDirectory, { outputUriPrefix: `gs://churn-bucket/runs/${RUN_ID}/vertex` });
  for (const absent of ['serviceAccount', 'network', 'reservedIpRanges', 'persistentResourceId'] as const) {
    assert.equal(spec[absent], undefined, `${absent} is left to Vertex when unset`);
  }
  assert.equal(request.encryptionSpec, undefined);
});

test('the request: chief plus workers, spot, network, encryption and a persistent resource', () => {
  const request = customJobRequest(
    JOB,
    vertexJobSettings({
      ...BASE,
      replica_count: 3,
      spot: true,
      restart_job_on_worker_restart: true,
      network: 'projects/123/global/networks/vpc',
      reserved_ip_ranges: ['range-a'],
      service_account: 'runner@churn-project.iam.gserviceaccount.com',
      encryption_spec_key_name: 'projects/p/locations/l/keyRings/r/cryptoKeys/k',
      persistent_resource_id: 'warm-pool',
      labels: { team: 'churn' },
    }),
  );
  const pools = request.jobSpec!.workerPoolSpecs!;
  assert.deepEqual(
    pools.map((p) => p.replicaCount),
    [1, 2],
    'one chief, two workers',
  );
  assert.deepEqual(pools[0]!.containerSpec, pools[1]!.containerSpec);
  assert.equal(pools[0]!.machineSpec!.acceleratorType, undefined, 'no accelerator asked, none sent');
  assert.deepEqual(request.jobSpec!.scheduling, { strategy: 'SPOT', restartJobOnWorkerRestart: true });
  assert.equal(request.jobSpec!.network, 'projects/123/global/networks/vpc');
  assert.deepEqual(request.jobSpec!.reservedIpRanges, ['range-a']);
  assert.equal(request.jobSpec!.serviceAccount, 'runner@churn-project.iam.gserviceaccount.com');
  assert.equal(request.jobSpec!.persistentResourceId, 'warm-pool');
  assert.deepEqual(request.encryptionSpec, { kmsKeyName: 'projects/p/locations/l/keyRings/r/cryptoKeys/k' });
  assert.equal(request.labels!.team, 'churn');
});

test('the request survives the shipped protos unchanged, with every REQUIRED field and no OUTPUT_ONLY one', () => {
  const request = customJobRequest(
    JOB,
    vertexJobSettings({ ...BASE, replica_count: 2, accelerator_type: 'NVIDIA_L4', spot: true, timeout: 60 }),
  );
  const CustomJob = google.cloud.aiplatform.v1.CustomJob;
  const plain = JSON.parse(JSON.stringify(request)) as Record<string, unknown>;
  const decoded = CustomJob.toObject(CustomJob.fromObject(plain), { enums: String, longs: Number });
  assert.deepEqual(decoded, plain, 'no field the proto lacks, no enum name it does not know');
  assert.equal(CustomJob.verify(CustomJob.fromObject(plain)), null);
  assert.deepEqual(fieldBehaviourProblems('CustomJob', plain), []);
});

/** Fields marked REQUIRED that are missing, and OUTPUT_ONLY ones that are set, through nested messages. */
function fieldBehaviourProblems(type: string, value: Record<string, unknown>, at = type): string[] {
  const fields = v1[type]?.fields;
  if (!fields) return [];
  return Object.entries(fields).flatMap(([name, field]) => {
    const behaviour = field.options?.['(google.api.field_behavior)'];
    const present = value[name] !== undefined;
    if (behaviour === 'REQUIRED' && !present) return [`${at}.${name} is required`];
    if (behaviour === 'OUTPUT_ONLY' && present) return [`${at}.${name} is output only`];
    if (!present) return [];
    const items = field.rule === 'repeated' ? (value[name] as Record<string, unknown>[]) : [value[name]];
    return items.flatMap((item, i) =>
      item && typeof item === 'object'
        ? fieldBehaviourProblems(field.type, item as Record<string, unknown>, `${at}.${name}[${i}]`)
        : [],
    );
  });
}

test('display names fit 128 characters with the run id whole; label values keep to Google’s rules', () => {
  const long = displayName({ runId: RUN_ID, stepName: 'step_'.repeat(40), pipelineName: 'pipeline' });
  assert.ok([...long].length <= 128, long);
  assert.ok(long.endsWith(`(run ${RUN_ID})`));
  assert.equal(displayName({ runId: RUN_ID, stepName: 'report' }), `report (run ${RUN_ID})`);
  assert.equal(labelValue(RUN_ID), RUN_ID, 'a run id already within the rules is kept as it is');
  for (const odd of ['Train.Model', 'x'.repeat(100), 'ümlaut step', `${'a'.repeat(70)}-1`, `${'a'.repeat(70)}-2`]) {
    assert.match(labelValue(odd), LABEL_VALUE, odd);
    assert.ok(labelValue(odd).length <= 63);
  }
  assert.notEqual(labelValue(`${'a'.repeat(70)}-1`), labelValue(`${'a'.repeat(70)}-2`), 'cut values stay apart');
  assert.notEqual(labelValue('Train'), labelValue('train'), 'lowercased values stay apart');
  assert.match(RUN_ID_LABEL, LABEL_KEY);
  assert.equal(runIdFilter(RUN_ID), `labels.stepops-run-id="${RUN_ID}"`);
});

test('a job whose files are not in Cloud Storage is refused, saying what to give the stack', () => {
  assert.equal(fusePath('gs://b/k/x.json', 'the job file'), '/gcs/b/k/x.json');
  assert.equal(fusePath('gs://b', 'outputs'), '/gcs/b');
  const s3 = { ...JOB, jobFile: 's3://bucket/runs/x/job.json' };
  assert.throws(
    () => customJobRequest(s3, vertexJobSettings(BASE)),
    /Cloud Storage only, but the job file is at s3:\/\/bucket\/runs\/x\/job.json. Give the stack a GCS artifact store/,
  );
  const local = { ...JOB, inputs: { rows: '/home/me/rows' } };
  assert.throws(() => customJobRequest(local, vertexJobSettings(BASE)), /input rows is at \/home\/me\/rows/);
  const badEnv = { ...JOB, environment: { '1BAD': 'x' } };
  assert.throws(() => customJobRequest(badEnv, vertexJobSettings(BASE)), /"1BAD" is not a name Vertex AI accepts/);
});

const WHERE = { project: 'churn-project', region: 'europe-west4' };
const NAME = 'projects/123456789/locations/europe-west4/customJobs/8812345678901234567';
const time = (iso: string) => ({ seconds: String(Date.parse(iso) / 1000), nanos: 0 });

test('GetCustomJob answers as states with the JobState as the stage, times and the console link', () => {
  const expected: [string | number, string][] = [
    ['JOB_STATE_QUEUED', 'pending'],
    ['JOB_STATE_PENDING', 'pending'],
    ['JOB_STATE_PAUSED', 'pending'],
    ['JOB_STATE_RUNNING', 'running'],
    ['JOB_STATE_UPDATING', 'running'],
    ['JOB_STATE_CANCELLING', 'cancelling'],
    ['JOB_STATE_CANCELLED', 'cancelled'],
    ['JOB_STATE_SUCCEEDED', 'succeeded'],
    ['JOB_STATE_FAILED', 'failed'],
    ['JOB_STATE_EXPIRED', 'failed'],
    ['JOB_STATE_PARTIALLY_SUCCEEDED', 'failed'],
    [3, 'running'], // the enum's number, as some transports hand it
  ];
  for (const [state, normalised] of expected) {
    const status = customJobStatus({ name: NAME, state: state as never }, WHERE);
    assert.equal(status.state, normalised, String(state));
    assert.equal(status.stage, status.backendStatus.replace(/^JOB_STATE_/, ''));
  }
  assert.deepEqual(Object.keys(v1.JobState!.values!).length, expected.length, 'every JobState is mapped');
  const succeeded = customJobStatus(
    {
      name: NAME,
      state: 'JOB_STATE_SUCCEEDED',
      startTime: time('2026-12-01T10:00:00Z'),
      endTime: time('2026-12-01T10:05:00Z'),
    },
    WHERE,
  );
  assert.deepEqual(succeeded, {
    state: 'succeeded',
    backendStatus: 'JOB_STATE_SUCCEEDED',
    stage: 'SUCCEEDED',
    startedAt: '2026-12-01T10:00:00.000Z',
    endedAt: '2026-12-01T10:05:00.000Z',
    consoleUrl:
      'https://console.cloud.google.com/vertex-ai/locations/europe-west4/training/8812345678901234567/cpu?project=churn-project',
  });
  const onPersistent = customJobStatus(
    { name: NAME, state: 'JOB_STATE_RUNNING', jobSpec: { persistentResourceId: 'gpu-pool' } },
    WHERE,
  );
  assert.equal(onPersistent.warmStart, 'the persistent resource gpu-pool', 'shown as a warm start in the Runs view');
});

test('a failed job’s error.message is the reason, verbatim, and its code and words the kind', () => {
  const failed = (error: { code?: number; message?: string }, state = 'JOB_STATE_FAILED') =>
    customJobStatus({ name: NAME, state: state as never, error }, WHERE);
  const step = failed({
    code: 3,
    message: 'The replica workerpool0-0 exited with a non-zero status of 1. Termination reason: Error.',
  });
  assert.equal(
    step.failureReason,
    'The replica workerpool0-0 exited with a non-zero status of 1. Termination reason: Error.',
  );
  assert.equal(step.message, step.failureReason);
  assert.equal(step.failureKind, 'step');
  assert.equal(failed({ code: 4, message: 'Job ran past its timeout.' }).failureKind, 'timeout');
  assert.equal(
    failed({ code: 8, message: 'The zone does not have enough resources available (stockout).' }).failureKind,
    'capacity',
  );
  assert.equal(
    failed({ code: 8, message: 'Quota exceeded for custom_model_training_nvidia_t4_gpus.' }).failureKind,
    'quota',
  );
  assert.equal(failed({ code: 7, message: 'The service account may not read gs://x.' }).failureKind, 'permission');
  assert.equal(failed({ code: 13, message: 'Internal error occurred.' }).failureKind, 'platform');
  const expired = failed({}, 'JOB_STATE_EXPIRED');
  assert.equal(expired.failureKind, 'capacity');
  assert.match(expired.failureReason ?? '', /gave up on the job before it could run/);
  assert.equal(customJobStatus({ name: NAME, state: 'JOB_STATE_RUNNING' }, WHERE).failureReason, undefined);
});

test('a Vertex step needs a GCS store and a registry Vertex can pull from, refused early with the fix', () => {
  const rule = componentBackend('step_operator', 'vertex')!.stackRule!;
  const component = (type: StackComponent['type'], flavor: string, config: Record<string, unknown> = {}) => ({
    name: `${flavor}-${type}`,
    type,
    flavor,
    config,
  });
  const stack = (store: string, registry?: StackComponent): Stack => ({
    name: 'gcp',
    orchestrator: component('orchestrator', 'embedded'),
    artifactStore: component('artifact_store', store, { path: 'gs://b/runs' }),
    ...(registry ? { containerRegistry: registry } : {}),
    stepOperators: [component('step_operator', 'vertex', BASE)],
  });
  const ar = component('container_registry', 'gcp', { uri: 'europe-west4-docker.pkg.dev/churn-project/steps' });
  assert.equal(rule(stack('gcp', ar), 'vertex'), undefined);
  assert.equal(
    rule(stack('gcp', component('container_registry', 'default', { uri: 'ghcr.io/team' })), 'vertex'),
    undefined,
  );
  assert.match(rule(stack('local', ar), 'vertex') ?? '', /local folder .*Give the stack a GCS artifact store/);
  assert.match(
    rule(stack('gcp'), 'vertex') ?? '',
    /has no container registry, so a Vertex AI job could not pull the step's image\. Give stack "gcp" an Artifact Registry .*container_registry gcp NAME/,
  );
  assert.match(
    rule(
      stack('gcp', component('container_registry', 'aws', { uri: '1.dkr.ecr.eu-west-1.amazonaws.com' })),
      'vertex',
    ) ?? '',
    /is a registry of flavor "aws", which Vertex AI cannot pull from with its own identity/,
  );
  const privateOci = component('container_registry', 'default', { uri: 'registry.example.com/team', username: 'me' });
  assert.match(rule(stack('gcp', privateOci), 'vertex') ?? '', /needs a username and password/);
});

test('a refused Google call says what to run: login, the API to enable, the role, or to wait', () => {
  const call = {
    service: 'Cloud Logging',
    api: 'logging.googleapis.com',
    project: 'churn-project',
    doing: 'read the log entries of project churn-project',
    permission: 'logging.logEntries.list',
    role: 'roles/logging.viewer',
  };
  // As the REST transport raises them: a GoogleError with a gRPC code, or the auth layer's HTTP error with the body.
  const grpc = (code: number, message: string, reason?: string) =>
    Object.assign(new Error(message), { code, ...(reason ? { statusDetails: [{ reason }] } : {}) });
  const http = (status: string, message: string) =>
    Object.assign(new Error('Request failed'), { response: { data: { error: { status, message } } } });
  assert.match(
    explainGoogleCallError(new Error('Could not load the default credentials.'), call),
    /^No Google Cloud credentials found: run "gcloud auth application-default login"/,
  );
  assert.match(
    explainGoogleCallError(grpc(7, 'Cloud Logging API has not been used', 'SERVICE_DISABLED'), call),
    /^The Cloud Logging API is not enabled in project churn-project: run "gcloud services enable logging\.googleapis\.com --project churn-project"/,
  );
  assert.match(
    explainGoogleCallError(http('PERMISSION_DENIED', 'Permission denied on resource'), call),
    /may not read the log entries of project churn-project \(needs logging\.logEntries\.list, e\.g\. the role roles\/logging\.viewer: "gcloud projects add-iam-policy-binding churn-project --member=MEMBER --role=roles\/logging\.viewer"\)/,
  );
  assert.match(
    explainGoogleCallError(http('UNAUTHENTICATED', 'Request had invalid authentication credentials.'), call),
    /credentials.*invalid authentication credentials\. Run "gcloud auth application-default login" again/,
  );
  assert.match(
    explainGoogleCallError(grpc(8, 'Quota exceeded for Read requests.'), call),
    /quota in project churn-project: Quota exceeded for Read requests\. Wait and try again/,
  );
  assert.ok(isRetryableGoogleError(grpc(8, 'quota')) && isRetryableGoogleError(grpc(14, 'unavailable')));
  assert.ok(isRetryableGoogleError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
  assert.ok(!isRetryableGoogleError(grpc(7, 'denied')) && !isRetryableGoogleError(grpc(3, 'bad filter')));
});
