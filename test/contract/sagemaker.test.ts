// The StepOperator contract on the SageMaker operator, through the real SageMaker, CloudWatch
// Logs and S3 clients against the strict emulators (validated against AWS's models), which run
// each training job's image for real on the local engine: the job file and inputs arrive as S3
// input channels, /opt/ml/model is uploaded back, and the container's lines reach CloudWatch.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ArtifactStore } from '../../src/core/artifacts/artifactStore';
import { artifactStoreFor } from '../../src/core/clouds';
import { type DockerClient, connectDocker } from '../../src/core/images/dockerClient';
import { ensureStepImage } from '../../src/core/images/stepImage';
import { createProjectRunner } from '../../src/core/orchestrator/projectRunner';
import type { RunEvent } from '../../src/core/orchestrator/stepRunner';
import { outputUri } from '../../src/core/runs/runRecord';
import { type FakeCloudWatchLogs, startFakeCloudWatchLogs } from '../fakes/aws/fakeCloudWatchLogs';
import { type FakeS3, fakeS3Environment, startFakeS3 } from '../fakes/fakeS3';
import { type FakeSageMaker, startFakeSageMaker } from '../fakes/fakeSageMaker';
import { integrationEnvironment } from '../integration/environment';
import { type ContractHarness, cloudOperatorHarness, stepOperatorContract } from './stepOperatorContract';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
const REGION = 'eu-west-1';
const ACCOUNT_ID = '444455556666';
const BUCKET = 'contract-sagemaker';
const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/stepops-contract`;
const KEY = {
  accessKeyId: 'AKIDSTEPOPSSMCONTRACT',
  secretAccessKey: 'sagemaker-contract-secret',
  accountId: ACCOUNT_ID,
};
const CONFIG = { role: ROLE, region: REGION, instance_type: 'ml.m5.large' };
const saved = { ...process.env };
let work: string;
let docker: DockerClient;
let image: { reference: string; digest?: string };
let s3: FakeS3;
let logs: FakeCloudWatchLogs;
let sagemaker: FakeSageMaker;
let store: ArtifactStore;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'stepops-sm-contract-'));
  docker = await connectDocker();
  image = await ensureStepImage(docker, {
    projectRoot: path.join(__dirname, 'project'),
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: env.pythonImage,
    repository: 'stepops-contract-sagemaker',
    registry: env.registry,
  });
  const buckets = { [BUCKET]: { region: REGION } };
  s3 = await startFakeS3(buckets, [
    { ...KEY, allowed: { [BUCKET]: ['s3:PutObject', 's3:GetObject', 's3:ListBucket'] } },
  ]);
  logs = await startFakeCloudWatchLogs(REGION, [{ ...KEY, allowed: ['logs:DescribeLogStreams', 'logs:GetLogEvents'] }]);
  const actions = ['CreateTrainingJob', 'DescribeTrainingJob', 'StopTrainingJob', 'ListTrainingJobs'];
  sagemaker = await startFakeSageMaker(
    REGION,
    [{ ...KEY, allowed: actions.map((a) => `sagemaker:${a}`), passRoles: [ROLE] }],
    {
      training: {
        accountId: ACCOUNT_ID,
        roles: [ROLE],
        s3: { buckets, objects: s3.objects },
        registries: [{ host: env.registry }],
        logs,
        networkMode: 'none',
        workRoot: path.join(work, 'instances'),
      },
    },
  );
  // The SDKs' own settings, as a user's shell would have them for the emulators.
  Object.assign(process.env, fakeS3Environment(s3, KEY, REGION), {
    AWS_ENDPOINT_URL_SAGEMAKER: sagemaker.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.endpoint,
  });
  store = await artifactStoreFor({ flavor: 's3', config: { path: `s3://${BUCKET}/runs` } }, async () => undefined);
});
after(async () => {
  await Promise.all([sagemaker?.close(), logs?.close(), s3?.close()]);
  process.env = saved;
  await rm(work, { recursive: true, force: true });
});

const harness = (): ContractHarness =>
  cloudOperatorHarness({
    flavor: 'sagemaker',
    config: CONFIG,
    store,
    image,
    docker,
    stagingRoot: path.join(work, 'staging'),
    jobsFor: async (runId) =>
      sagemaker.jobs
        .all()
        .filter((job) => job.request.Tags?.some((t) => t.Key === 'stepops:run-id' && t.Value === runId)).length,
  });

stepOperatorContract('SageMaker on the emulator', harness);

/** Runs the contract project's `count` step on SageMaker through the project runner. */
async function runCount(settings: Record<string, unknown>, events: RunEvent[] = []) {
  const project = path.join(work, 'project');
  await cp(path.join(__dirname, 'project'), project, { recursive: true });
  const { runner } = createProjectRunner({
    projectRoot: project,
    artifactRoot: path.join(work, 'home', 'artifacts'),
    runtimeRoot: path.join(root, 'runtime'),
    pollMs: 200,
  });
  const operator = { name: 'sagemaker', type: 'step_operator' as const, flavor: 'sagemaker', config: CONFIG };
  const artifactStore = {
    name: 'bucket',
    type: 'artifact_store' as const,
    flavor: 's3',
    config: { path: `s3://${BUCKET}/pipeline` },
  };
  return runner.run(
    {
      projectRoot: project,
      file: 'contract/contract_steps.py',
      stepName: 'count',
      stackName: 'aws',
      operator,
      settings: { ...CONFIG, ...settings },
      artifactStore,
      parameters: { lines: 3 },
      baseImage: env.pythonImage,
      registry: { uri: env.registry },
    },
    { onEvent: (e) => events.push(e) },
  );
}

test('a step runs on SageMaker end to end: the backend’s stages reported, the outputs read back and fed downstream', async () => {
  const events: RunEvent[] = [];
  const counted = await runCount({ estimator_args: { instance_count: 1 } }, events);
  assert.equal(counted.state, 'succeeded', JSON.stringify(counted.failure));
  assert.equal(counted.job?.operator, 'sagemaker');
  assert.match(counted.job?.jobId ?? '', /^count-\d{8}-\d{9}-[0-9a-f]+$/);
  assert.equal(counted.outputs?.output?.preview, '3', 'read back from where SageMaker uploaded /opt/ml/model');
  const stages = events.flatMap((e) => (e.type === 'status' && e.status.stage ? [e.status.stage] : []));
  for (const stage of ['Starting', 'Training', 'Completed']) assert.ok(stages.includes(stage), stages.join(' -> '));
  assert.match(counted.jobStatus?.consoleUrl ?? '', /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/sagemaker\//);
  const lines = events.flatMap((e) => (e.type === 'logs' ? e.lines.map((l) => l.text) : []));
  assert.deepEqual(
    lines.filter((l) => l.startsWith('count ')),
    ['count 0', 'count 1', 'count 2'],
  );
  assert.equal(counted.runtime?.status, 'succeeded');
  const downstream = outputUri(counted, 'output', '/unused');
  assert.match(
    downstream,
    new RegExp(`^s3://${BUCKET}/pipeline/${counted.id}/${counted.job!.jobId}/output/model/output$`),
  );
});

test('re-running a step with a keep-alive period starts on the warm pool the last run left, and the run says so', async () => {
  const settings = { estimator_args: { keep_alive_period_in_seconds: 60 } };
  const cold = await runCount(settings);
  assert.equal(cold.state, 'succeeded', JSON.stringify(cold.failure));
  assert.equal(cold.jobStatus?.warmStart, undefined, 'the first run provisions its instances');
  const warm = await runCount(settings);
  assert.equal(warm.state, 'succeeded', JSON.stringify(warm.failure));
  assert.equal(warm.jobStatus?.warmStart, `the warm pool of ${cold.job!.jobId}`);
});
