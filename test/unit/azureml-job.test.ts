// What the Azure ML operator asks for, decided without a network: names within Resource
// Manager's rule and derived from the run id or the image digest alone; settings from the
// component, the step and ZenML's names, refused by name when stepops cannot honour them; the
// command job (held to the model @azure/arm-machinelearning ships) and the body the SDK's own
// pipeline sends for it; the compute checks; and job answers read as states, stages and kinds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AzureMachineLearningWorkspaces, type ComputeResource, type JobBase } from '@azure/arm-machinelearning';
import {
  AZURE_ML_NAME,
  commandJobName,
  environmentName,
  environmentVersion,
  experimentNameFor,
} from '../../src/core/clouds/azure/azureml/azuremlNames';
import { type AzureMlJobSettings, azuremlJobSettings } from '../../src/core/clouds/azure/azureml/azuremlSettings';
import {
  commandJobBody,
  environmentVersionBody,
  shellCommand,
} from '../../src/core/clouds/azure/azureml/commandJobRequest';
import { commandJobStatus } from '../../src/core/clouds/azure/azureml/commandJobStatus';
import { computeRefusal } from '../../src/core/clouds/azure/azureml/computeTarget';
import { JobBodiesAsWritten } from '../../src/core/clouds/azure/azureml/jobBodyAsWritten';
import { azureBlobStoreFactory } from '../../src/core/clouds/azure/blob/blobStore';
import { blobUrlOf } from '../../src/core/clouds/azure/blob/blobUrls';
import { localFolderStore } from '../../src/core/artifacts/localFolderStore';
import type { JobSpec } from '../../src/core/operators/stepOperator';
import { loadMachineLearningModel } from '../fakes/azure/mlModel';
import { validateBody } from '../fakes/azure/mlModelWalk';

const OPERATOR = { subscription_id: 'S', resource_group: 'G', workspace_name: 'ws', tenant_id: 'T' };
const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const WORKSPACE = '/subscriptions/S/resourceGroups/G/providers/Microsoft.MachineLearningServices/workspaces/ws';
const TARGETS = {
  environmentId: `${WORKSPACE}/environments/stepops-reg-io-churn/versions/sha256-x`,
  computeId: `${WORKSPACE}/computes/cpu-cluster`,
};

const job: JobSpec = {
  runId: '20261201-214512345-train_model-3f9a',
  stepName: 'train_model',
  pipelineName: 'churn_pipeline',
  image: 'reg.azurecr.io/churn:abc123',
  imageDigest: DIGEST,
  jobFile: 'az://runs/p/20261201-214512345-train_model-3f9a/job.json',
  inputs: { rows: 'az://runs/p/20261201-100000000-load_customers-1/outputs/output' },
  outputs: 'az://runs/p/20261201-214512345-train_model-3f9a/outputs',
  environment: { STEPOPS_RUN_ID: '20261201-214512345-train_model-3f9a' },
  settings: { ...OPERATOR, compute_type: 'compute-cluster', compute_name: 'cpu-cluster' },
};

/** The Blob store's URL for az://runs/...: what blobUrls.ts gives for a store at az://runs/p. */
const blobUrl = (uri: string, kind: 'file' | 'folder') =>
  uri.startsWith('az://runs/')
    ? `https://acct.blob.core.windows.net/runs/${uri.slice('az://runs/'.length)}${kind === 'folder' ? '/' : ''}`
    : undefined;

test('names keep to Resource Manager’s rule and derive from the run id, the registry and the digest alone', () => {
  const name = commandJobName(job.runId);
  assert.equal(name, '20261201-214512345-train_model-3f9a');
  assert.equal(commandJobName(job.runId), name, 'the same run, the same job: a retried PUT lands on it');
  for (const odd of ['Weird id with spaces', '---x', '_', 'x'.repeat(400)]) {
    assert.ok(AZURE_ML_NAME.test(commandJobName(odd)), commandJobName(odd));
  }
  assert.equal(environmentName('reg.azurecr.io/churn:abc123'), 'stepops-reg-azurecr-io-churn');
  assert.equal(
    environmentName('127.0.0.1:5555/azure-emulated/churn:abc'),
    'stepops-127-0-0-1-5555-azure-emulated-churn',
  );
  assert.equal(environmentName('x/churn:abc', 'team-env'), 'team-env');
  assert.throws(
    () => environmentName('x/churn:abc', 'bad name!'),
    /environment_name "bad name!" breaks Azure ML's rule/,
  );
  assert.equal(environmentVersion(job.image, DIGEST), `sha256-${'ab12'.repeat(8)}`);
  assert.notEqual(environmentVersion(job.image, `sha256:${'cd34'.repeat(16)}`), environmentVersion(job.image, DIGEST));
  assert.equal(environmentVersion('reg/churn:abc123', undefined), 'abc123', 'a tag stands in without a digest');
  assert.throws(() => environmentVersion('reg/churn', undefined), /neither a digest nor a tag/);
  assert.equal(experimentNameFor('churn pipeline', 'train'), 'churn-pipeline');
  assert.equal(experimentNameFor(undefined, 'train_model'), 'train_model');
});

test('settings: the component’s, the step’s over them, ZenML’s names, and what cannot be honoured refused', () => {
  assert.deepEqual(
    azuremlJobSettings({
      ...OPERATOR,
      mode: 'compute-cluster',
      compute_target: 'gpu-cluster',
      size: 'Standard_NC6s_v3',
      instance_count: 2,
      tier: 'low_priority',
      max_run: 3600,
      tags: { team: 'ml' },
      input_mode: 'download',
    }),
    {
      computeKind: 'compute-cluster',
      computeName: 'gpu-cluster',
      instanceType: 'Standard_NC6s_v3',
      instanceCount: 2,
      lowPriority: true,
      timeoutSeconds: 3600,
      tags: { team: 'ml' },
      inputMode: 'download',
      outputMode: 'rw_mount',
      identity: 'user_identity',
    } satisfies AzureMlJobSettings,
  );
  const refused = (settings: Record<string, unknown>, message: RegExp) =>
    assert.throws(() => azuremlJobSettings({ ...OPERATOR, compute_name: 'c', ...settings }), message);
  refused({ compute_type: 'serverless' }, /"serverless" needs Azure ML's api-version 2023-04-01-preview or later/);
  refused({ shm_size: '2g' }, /Azure ML settings "shm_size" cannot be honoured by stepops; it reads subscription_id/);
  refused({ min_instances: 0 }, /"min_instances" configure creating compute, which stepops does not do/);
  refused({ compute_type: 'compute-instance', instance_count: 2 }, /a compute instance is one machine/i);
  refused({ compute_type: 'compute-instance', low_priority: true }, /low priority needs a compute cluster/);
  refused({ low_priority: false, tier: 'low_priority' }, /low_priority \(false\) and tier "low_priority" disagree/);
  refused({ compute_name: 'a', compute_target: 'b' }, /"compute_name" \("a"\) and "compute_target" \("b"\)/);
  refused({ tags: { 'stepops:run-id': 'x' } }, /the stepops: tags are stepops' own/);
  refused({ output_mode: 'ro_mount' }, /output_mode "ro_mount" is not one Azure ML takes; choose rw_mount, upload/);
  refused({ experiment_name: 'has space' }, /experiment_name "has space" breaks Azure ML's rule/);
  assert.throws(() => azuremlJobSettings(OPERATOR), /no compute: set compute_name/);
});

test('the command job: the runtime on Azure ML’s own data paths, held to the SDK’s model', async () => {
  const settings = azuremlJobSettings({ ...job.settings, timeout: 1800, display_name: 'Train' });
  const body = commandJobBody(job, settings, TARGETS, blobUrl);
  const properties = body.properties as Extract<JobBase['properties'], { jobType: 'Command' }>;
  assert.equal(
    properties.command,
    'python3 -m stepops_runtime --job ${{inputs.stepops_job}} --outputs ${{outputs.stepops_outputs}} ' +
      '--input rows=${{inputs.input_rows}}',
  );
  assert.deepEqual(properties.inputs, {
    stepops_job: {
      jobInputType: 'uri_file',
      uri: 'https://acct.blob.core.windows.net/runs/p/20261201-214512345-train_model-3f9a/job.json',
      mode: 'Download',
    },
    input_rows: {
      jobInputType: 'uri_folder',
      uri: 'https://acct.blob.core.windows.net/runs/p/20261201-100000000-load_customers-1/outputs/output/',
      mode: 'ReadOnlyMount',
    },
  });
  assert.deepEqual(properties.outputs, {
    stepops_outputs: {
      jobOutputType: 'uri_folder',
      uri: 'https://acct.blob.core.windows.net/runs/p/20261201-214512345-train_model-3f9a/outputs/',
      mode: 'ReadWriteMount',
    },
  });
  assert.equal(properties.computeId, TARGETS.computeId);
  assert.equal(properties.environmentId, TARGETS.environmentId);
  assert.equal(properties.experimentName, 'churn_pipeline');
  assert.equal(properties.displayName, 'Train');
  assert.deepEqual(properties.limits, { jobLimitsType: 'Command', timeout: 'PT1800S' });
  assert.deepEqual(properties.identity, { identityType: 'UserIdentity' });
  assert.deepEqual(properties.tags, {
    'stepops:run-id': job.runId,
    'stepops:step': 'train_model',
    'stepops:pipeline': 'churn_pipeline',
  });
  assert.deepEqual(properties.environmentVariables, job.environment);
  const model = await loadMachineLearningModel();
  assert.deepEqual(validateBody(model, 'JobBase', JSON.parse(JSON.stringify(body))), []);
  const environment = environmentVersionBody(job);
  assert.equal(environment.properties.image, `reg.azurecr.io/churn@${DIGEST}`, 'the image pinned by digest');
  assert.deepEqual(validateBody(model, 'EnvironmentVersion', JSON.parse(JSON.stringify(environment))), []);
});

test('a JobSpec whose data is not on an Azure Blob store is refused, naming the fix', () => {
  const local = { ...job, inputs: { rows: '/home/me/.stepops/artifacts/run/outputs/output' } };
  assert.throws(
    () => commandJobBody(local, azuremlJobSettings(job.settings), TARGETS, blobUrl),
    /input "rows" is at \/home\/me\/.+, which is not on the stack's Azure Blob store.+register artifact_store azure/,
  );
});

test('a Blob store’s URIs are its blobs’ URLs on the account’s endpoint; other stores have none', async () => {
  // A key made up for the test: building the client sends nothing.
  const key = Buffer.from('made-up key for a client that never connects').toString('base64');
  const connection = `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${key};BlobEndpoint=http://127.0.0.1:10000/acct;`;
  const store = await azureBlobStoreFactory({ path: 'az://runs/p' }, async (field) =>
    field === 'connection_string' ? connection : undefined,
  );
  assert.equal(blobUrlOf(store, 'az://runs/p/r1/job.json', 'file'), 'http://127.0.0.1:10000/acct/runs/p/r1/job.json');
  assert.equal(blobUrlOf(store, 'az://runs/p/r1/outputs', 'folder'), 'http://127.0.0.1:10000/acct/runs/p/r1/outputs/');
  assert.equal(blobUrlOf(store, 'az://other/p/r1/job.json', 'file'), undefined, 'another container');
  assert.equal(blobUrlOf(store, 'az://runs/elsewhere/job.json', 'file'), undefined, 'outside the root');
  const local = localFolderStore('/tmp/stepops-store');
  assert.equal(blobUrlOf(local, local.uri('r1/job.json'), 'file'), undefined, 'a folder store has no blob URLs');
});

test('shell words: plain ones and placeholders as they are, anything else single-quoted', () => {
  assert.equal(
    shellCommand(['python3', 'a b', "it's", 'x=${{inputs.input_x}}', '$HOME', '']),
    `python3 'a b' 'it'\\''s' x=\${{inputs.input_x}} '$HOME' ''`,
  );
});

test('the job’s PUT carries its inputs’ and outputs’ uri and mode, which the SDK’s serializer drops', async () => {
  const body = commandJobBody(job, azuremlJobSettings(job.settings), TARGETS, blobUrl);
  /** What reaches the wire: the last policy keeps the request instead of sending it. */
  async function sentBody(fixed: boolean): Promise<Record<string, unknown>> {
    const client = new AzureMachineLearningWorkspaces(
      { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) },
      '00000000-0000-4000-8000-000000000000',
      { retryOptions: { maxRetries: 0 } },
    );
    const bodies = fixed ? new JobBodiesAsWritten(client.pipeline) : undefined;
    let sent: string | undefined;
    client.pipeline.addPolicy(
      {
        name: 'keepTheRequest',
        sendRequest: async (request) => {
          sent = String(request.body);
          throw new Error('kept');
        },
      },
      { afterPhase: 'Sign' },
    );
    const put = () => client.jobs.createOrUpdate('G', 'ws', 'job-1', body);
    await assert.rejects(bodies ? bodies.put('/workspaces/ws/jobs/job-1', body, put) : put(), /kept/);
    return (JSON.parse(sent!) as { properties: Record<string, unknown> }).properties;
  }
  const dropped = (await sentBody(false)).inputs as Record<string, Record<string, unknown>>;
  assert.deepEqual(dropped.stepops_job, { jobInputType: 'uri_file' }, 'the SDK alone sends no uri (2.1.1)');
  const sent = await sentBody(true);
  assert.deepEqual(sent.inputs, (body.properties as { inputs: unknown }).inputs);
  assert.deepEqual(sent.outputs, (body.properties as { outputs: unknown }).outputs);
});

test('the compute is checked before a job is submitted: kind, state, nodes, tier and VM size', () => {
  const settings = (extra: Record<string, unknown> = {}) =>
    azuremlJobSettings({ ...OPERATOR, compute_name: 'cpu', ...extra });
  const cluster = (properties: Record<string, unknown>): ComputeResource =>
    ({ properties: { computeType: 'AmlCompute', properties } }) as ComputeResource;
  const ready = cluster({ vmSize: 'STANDARD_DS3_V2', vmPriority: 'Dedicated', scaleSettings: { maxNodeCount: 4 } });
  assert.equal(computeRefusal(ready, settings({ instance_count: 4, instance_type: 'Standard_DS3_v2' })), undefined);
  assert.match(computeRefusal(ready, settings({ instance_count: 5 }))!, /scales to 4 node\(s\); the job asks for 5/);
  assert.match(computeRefusal(ready, settings({ low_priority: true }))!, /has Dedicated VMs.+--tier low_priority/);
  assert.equal(computeRefusal(cluster({ vmPriority: 'LowPriority' }), settings({ low_priority: true })), undefined);
  assert.match(computeRefusal(ready, settings({ instance_type: 'Standard_NC6' }))!, /runs STANDARD_DS3_V2 VMs/);
  const instance = (state: string): ComputeResource =>
    ({ properties: { computeType: 'ComputeInstance', properties: { state } } }) as ComputeResource;
  const onInstance = settings({ compute_type: 'compute-instance' });
  assert.equal(computeRefusal(instance('Running'), onInstance), undefined);
  assert.match(computeRefusal(instance('Stopped'), onInstance)!, /is Stopped.+az ml compute start --name cpu/);
  assert.match(computeRefusal(ready, onInstance)!, /is a AmlCompute, not a compute-instance/);
});

test('job answers: Azure ML’s status as the stage, run history’s times and error details verbatim', () => {
  const jobWith = (status: string): JobBase => ({
    properties: {
      jobType: 'Command',
      command: 'x',
      environmentId: 'e',
      status,
      services: { Studio: { endpoint: 'https://ml.azure.com/runs/job-1?wsid=x' } },
    } as JobBase['properties'],
  });
  const states = Object.fromEntries(
    [
      'NotStarted',
      'Starting',
      'Provisioning',
      'Preparing',
      'Queued',
      'Running',
      'Finalizing',
      'CancelRequested',
      'Completed',
      'Failed',
      'Canceled',
      'NotResponding',
      'Paused',
    ].map((status) => [status, commandJobStatus(jobWith(status), undefined).state]),
  );
  assert.deepEqual(states, {
    NotStarted: 'pending',
    Starting: 'pending',
    Provisioning: 'pending',
    Preparing: 'pending',
    Queued: 'pending',
    Running: 'running',
    Finalizing: 'running',
    CancelRequested: 'cancelling',
    Completed: 'succeeded',
    Failed: 'failed',
    Canceled: 'cancelled',
    NotResponding: 'running',
    Paused: 'pending',
  });
  const running = commandJobStatus(
    jobWith('Running'),
    { runId: 'job-1', startTimeUtc: '2026-12-01T10:00:00.5Z' },
    true,
  );
  assert.equal(running.stage, 'Running');
  assert.equal(running.consoleUrl, 'https://ml.azure.com/runs/job-1?wsid=x');
  assert.equal(running.startedAt, '2026-12-01T10:00:00.500Z');
  assert.match(running.message ?? '', /low-priority VMs/);
  const reason =
    "Execution failed. User process 'python' exited with status code 1. Please check log file 'user_logs/std_log.txt' for error details. Error: Traceback (most recent call last):\n  ValueError: bad";
  const failed = commandJobStatus(jobWith('Failed'), {
    runId: 'job-1',
    startTimeUtc: '2026-12-01T10:00:00Z',
    endTimeUtc: '2026-12-01T10:05:00Z',
    error: { error: { code: 'UserError', message: reason } },
  });
  assert.equal(failed.failureReason, reason, 'verbatim, traceback included');
  assert.equal(failed.failureKind, 'step');
  assert.equal(failed.exitCode, 1);
  assert.equal(failed.endedAt, '2026-12-01T10:05:00.000Z');
  const timedOut = commandJobStatus(jobWith('Canceled'), {
    runId: 'job-1',
    error: { error: { code: 'UserError', message: 'The job exceeded its timeout of PT30M and was canceled.' } },
  });
  assert.deepEqual([timedOut.state, timedOut.failureKind], ['failed', 'timeout']);
  const stepTimeout = commandJobStatus(jobWith('Failed'), {
    runId: 'job-1',
    error: { error: { code: 'UserError', message: `${reason.split('Error:')[0]}Error: TimeoutError: timed out` } },
  });
  assert.equal(stepTimeout.failureKind, 'step', 'a step that raised a timeout of its own failed, it did not time out');
  const kinds = [
    ['SystemError', 'Failed to pull image reg.azurecr.io/churn'],
    ['UserError', 'Your subscription quota of StandardNCFamily cores is exceeded'],
    ['SystemError', 'The low priority node was preempted'],
    ['UserError', 'AuthorizationPermissionMismatch: this request is not authorized'],
  ].map(([code, message]) => commandJobStatus(jobWith('Failed'), { runId: 'j', error: { error: { code, message } } }));
  assert.deepEqual(
    kinds.map((s) => s.failureKind),
    ['platform', 'quota', 'capacity', 'permission'],
  );
});
