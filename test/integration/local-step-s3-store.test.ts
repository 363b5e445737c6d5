// A local step in a stack whose artifact store is S3 (the strict S3 fake, reached by the real AWS
// SDK through its own AWS_ENDPOINT_URL_S3 setting): the job file, the outputs and the next step's
// input all travel through the bucket, and the record says where.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createProjectRunner } from '../../src/core/orchestrator/projectRunner';
import type { StepRunRequest, StepRunner } from '../../src/core/orchestrator/stepRunner';
import { outputUri } from '../../src/core/runs/runRecord';
import { type FakeS3, fakeS3Environment, startFakeS3 } from '../fakes/fakeS3';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
const ACCOUNT = {
  accessKeyId: 'AKIDSTEPOPSS3RUNS',
  secretAccessKey: 's3-runs-test-secret',
  allowed: { runs: ['s3:PutObject', 's3:GetObject', 's3:ListBucket'] },
};
const S3_STORE = {
  name: 'bucket',
  type: 'artifact_store' as const,
  flavor: 's3',
  config: { path: 's3://runs/stepops' },
};
const LOCAL = { name: 'local-docker', type: 'step_operator' as const, flavor: 'local_docker', config: {} };
let project: string;
let s3: FakeS3;
let runner: StepRunner;
const saved = { ...process.env };

before(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'stepops-s3-runs-'));
  await mkdir(path.join(project, 'pipe'), { recursive: true });
  await writeFile(path.join(project, 'pipe', '__init__.py'), '');
  await writeFile(
    path.join(project, 'pipe', 'steps.py'),
    'from zenml import step\n\n\n@step\ndef make(n: int = 3) -> list:\n    return list(range(n))\n\n\n' +
      '@step\ndef total(values: list) -> int:\n    print("total of", values)\n    return sum(values)\n',
  );
  s3 = await startFakeS3({ runs: { region: 'eu-west-1' } }, [ACCOUNT]);
  Object.assign(process.env, fakeS3Environment(s3, ACCOUNT));
  ({ runner } = createProjectRunner({
    projectRoot: project,
    artifactRoot: path.join(project, 'home', 'artifacts'),
    runtimeRoot: path.join(root, 'runtime'),
    pollMs: 100,
  }));
});
after(async () => {
  await s3.close();
  process.env = saved;
  await rm(project, { recursive: true, force: true });
});

const request = (stepName: string, extra: Partial<StepRunRequest> = {}): StepRunRequest => ({
  projectRoot: project,
  file: 'pipe/steps.py',
  stepName,
  stackName: 'bucket-stack',
  operator: LOCAL,
  settings: {},
  artifactStore: S3_STORE,
  baseImage: env.pythonImage,
  ...extra,
});

test('a local step stages its job file, outputs and inputs through an S3 artifact store', async () => {
  const made = await runner.run(request('make', { parameters: { n: 5 } }));
  assert.equal(made.state, 'succeeded', JSON.stringify(made.failure));
  assert.equal(made.artifacts?.runUri, `s3://runs/stepops/${made.id}`);
  assert.deepEqual(made.artifacts?.store, { name: 'bucket', flavor: 's3', config: { path: 's3://runs/stepops' } });
  const stored = (key: string) => s3.objects.get(`runs/stepops/${made.id}/${key}`)?.toString('utf8');
  assert.deepEqual(JSON.parse(stored('job.json')!), {
    module: 'pipe.steps',
    function: 'make',
    parameters: { n: 5 },
  });
  assert.equal(stored('outputs/output/data.json'), '[0, 1, 2, 3, 4]');
  assert.equal(made.outputs?.output?.preview, '[0, 1, 2, 3, 4]', 'the outputs are read back through the store');

  const summed = await runner.run(request('total', { inputs: { values: outputUri(made, 'output', '/unused') } }));
  assert.equal(summed.state, 'succeeded', JSON.stringify(summed.failure));
  assert.equal(summed.outputs?.output?.preview, '10');
  assert.equal(s3.objects.get(`runs/stepops/${summed.id}/outputs/output/data.json`)?.toString('utf8'), '10');
});

test('an input outside the stack’s store is refused with the fix named, and nothing runs', async () => {
  const record = await runner.run(request('total', { inputs: { values: '/elsewhere/outputs/output' } }));
  assert.equal(record.state, 'failed');
  assert.match(
    record.failure?.reason ?? '',
    /Input "values" is at \/elsewhere\/outputs\/output, outside this stack's artifact store \(s3:\/\/runs\/stepops\): run the step that made it again on this stack/,
  );
  assert.equal(record.job, undefined);
});

test('an input from a run in a local folder store is copied into the bucket (RUN_ID/inputs/NAME) for the job', async () => {
  const localStore = {
    name: 'local',
    type: 'artifact_store' as const,
    flavor: 'local',
    config: { path: path.join(project, 'home', 'local-store') },
  };
  const made = await runner.run(request('make', { parameters: { n: 4 }, artifactStore: localStore }));
  assert.equal(made.state, 'succeeded', JSON.stringify(made.failure));
  const localOutput = outputUri(made, 'output', '/unused');
  assert.ok(path.isAbsolute(localOutput), localOutput);

  const summed = await runner.run(request('total', { inputs: { values: localOutput } }));
  assert.equal(summed.state, 'succeeded', JSON.stringify(summed.failure));
  assert.equal(summed.outputs?.output?.preview, '6');
  assert.equal(s3.objects.get(`runs/stepops/${summed.id}/inputs/values/data.json`)?.toString('utf8'), '[0, 1, 2, 3]');
});
