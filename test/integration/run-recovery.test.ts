// Runs whose process died before their job was recorded: never shown as live. A run left while
// building is recorded as abandoned; one left while submitting, after the engine had accepted
// the container, is found by its run id and followed to its end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runKeys } from '../../src/core/artifacts/artifactStore';
import { artifactStoreFor, componentBackend } from '../../src/core/clouds';
import { connectDocker } from '../../src/core/images/dockerClient';
import { ensureStepImage } from '../../src/core/images/stepImage';
import { createProjectRunner } from '../../src/core/orchestrator/projectRunner';
import type { StepRunner } from '../../src/core/orchestrator/stepRunner';
import { type RunRecord, newRunId, withState } from '../../src/core/runs/runRecord';
import type { RunStore } from '../../src/core/runs/runStore';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
let project: string;
let artifacts: string;
let runner: StepRunner;
let store: RunStore;

before(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'stepops-recovery-'));
  artifacts = path.join(project, 'store');
  await mkdir(path.join(project, 'pipe'), { recursive: true });
  await writeFile(path.join(project, 'pipe', '__init__.py'), '');
  await writeFile(
    path.join(project, 'pipe', 'steps.py'),
    'from zenml import step\n\n\n@step\ndef make() -> int:\n    print("made")\n    return 7\n',
  );
  ({ runner, store } = createProjectRunner({
    projectRoot: project,
    artifactRoot: artifacts,
    runtimeRoot: path.join(root, 'runtime'),
    pollMs: 100,
  }));
});
after(() => rm(project, { recursive: true, force: true }));

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim() as unknown as number;
}

function leftRecord(state: RunRecord['state']): RunRecord {
  const id = newRunId('make');
  const base: RunRecord = {
    version: 1,
    id,
    step: { name: 'make', file: 'pipe/steps.py', module: 'pipe.steps', function: 'make' },
    projectRoot: project,
    stack: 'default',
    operator: { name: 'local-docker', flavor: 'local_docker', config: { network_mode: 'none' } },
    parameters: {},
    driver: { pid: Number(deadPid()), host: hostname() },
    artifacts: {
      store: { name: 'local', flavor: 'local', config: { path: artifacts } },
      runUri: path.join(artifacts, id),
    },
    state: 'created',
    transitions: [],
  };
  return withState(withState(base, 'created'), state);
}

test('a run whose process died while building is abandoned, not live', async () => {
  const left = leftRecord('building');
  await store.save(left);
  const settled = await runner.recover((await store.get(left.id))!);
  assert.equal(settled.state, 'failed');
  assert.equal(settled.failure?.kind, 'abandoned');
  assert.match(
    settled.failure?.reason ?? '',
    /^Abandoned: the process that started this run \(pid \d+ on .+\) ended while building/,
  );
  assert.equal((await store.get(left.id))?.state, 'failed', 'the settled record is saved');
  const live = withState({ ...leftRecord('building'), driver: { pid: process.pid, host: hostname() } }, 'building');
  assert.equal((await runner.recover(live)).state, 'building', 'a run whose process lives is left alone');
});

test('a run whose process died after the engine accepted its job is found by run id and finished', async () => {
  const left = leftRecord('submitting');
  const docker = await connectDocker();
  const image = await ensureStepImage(docker, {
    projectRoot: project,
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: env.pythonImage,
    repository: 'stepops-recovery',
  });
  // What the dead process did: the job file staged, the container submitted, the handle never saved.
  const local = await artifactStoreFor(left.artifacts!.store, async () => undefined);
  await local.put(runKeys.jobFile(left.id), JSON.stringify({ module: 'pipe.steps', function: 'make', parameters: {} }));
  const operator = await componentBackend('step_operator', 'local_docker')!.operator!(
    { network_mode: 'none' },
    { docker: async () => docker, secret: async () => undefined, store: async () => local, stagingRoot: project },
  );
  await operator.submit(
    {
      runId: left.id,
      stepName: 'make',
      image: image.reference,
      jobFile: local.uri(runKeys.jobFile(left.id)),
      inputs: {},
      outputs: local.uri(runKeys.outputs(left.id)),
      environment: {},
      settings: {},
    },
    new AbortController().signal,
  );
  await store.save({ ...left, image: { reference: image.reference, hash: image.hash, built: false, pushed: false } });

  const finished = await runner.follow((await store.get(left.id))!);
  assert.equal(finished.state, 'succeeded', JSON.stringify(finished.failure));
  assert.ok(finished.job, 'the found job is recorded');
  assert.equal(finished.outputs?.output?.preview, '7');
  assert.match(await store.readLogs(left.id), /^made$/m);
  const states = finished.transitions.map((t) => t.state);
  assert.deepEqual(states.slice(0, 3), ['created', 'submitting', 'pending']);
});
