// The embedded orchestrator with the local Docker operator, end to end on the real engine:
// a run's record, stages, streamed logs and outputs; a failing step; cancel; and reattaching
// from a record with nothing lost or repeated.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { connectDocker } from '../../src/core/images/dockerClient';
import type { LogLine } from '../../src/core/operators/stepOperator';
import { createProjectRunner } from '../../src/core/orchestrator/projectRunner';
import type { RunEvent, StepRunRequest, StepRunner } from '../../src/core/orchestrator/stepRunner';
import { type RunRecord, outputUri } from '../../src/core/runs/runRecord';
import type { RunStore } from '../../src/core/runs/runStore';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
let project: string;
let artifacts: string;
let store: RunStore;
let runner: StepRunner;
const LOCAL = {
  name: 'local-docker',
  type: 'step_operator' as const,
  flavor: 'local_docker',
  config: { network_mode: 'none' },
};

before(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'stepops-runner-'));
  artifacts = path.join(project, '.stepops', 'artifacts');
  await mkdir(path.join(project, 'pipe'), { recursive: true });
  await writeFile(path.join(project, 'pipe', '__init__.py'), '');
  await writeFile(
    path.join(project, 'pipe', 'steps.py'),
    `import time
from zenml import step


@step
def make(n: int = 3) -> list:
    print("making", n)
    return list(range(n))


@step
def total(values: list) -> int:
    print("total of", values)
    return sum(values)


@step
def slow(lines: int = 40, pause: float = 0.05) -> int:
    for i in range(lines):
        print("line %03d" % i, flush=True)
        time.sleep(pause)
    return lines


@step
def fails() -> None:
    raise RuntimeError("the data is wrong")


@step
def greeting() -> str:
    import os
    return os.environ["GREETING"]
`,
  );
  ({ runner, store } = createProjectRunner({
    projectRoot: project,
    artifactRoot: artifacts,
    runtimeRoot: path.join(root, 'runtime'),
    pollMs: 100,
  }));
});
after(() => rm(project, { recursive: true, force: true }));

const request = (stepName: string, extra: Partial<StepRunRequest> = {}): StepRunRequest => ({
  projectRoot: project,
  file: 'pipe/steps.py',
  stepName,
  stackName: 'default',
  operator: LOCAL,
  settings: LOCAL.config,
  artifactStore: { name: 'local', type: 'artifact_store', flavor: 'local', config: { path: artifacts } },
  baseImage: env.pythonImage,
  ...extra,
});

function collect(): { events: RunEvent[]; lines: () => string[]; states: () => string[] } {
  const events: RunEvent[] = [];
  return {
    events,
    lines: () => events.flatMap((e) => (e.type === 'logs' ? e.lines.map((l: LogLine) => l.text) : [])),
    states: () => events.flatMap((e) => (e.type === 'state' ? [e.record.state] : [])),
  };
}

test('runs a step: record first, then stages, live logs, outputs; then feeds its output to the next step', async () => {
  const seen = collect();
  const made = await runner.run(request('make', { parameters: { n: 5 } }), { onEvent: (e) => seen.events.push(e) });
  assert.equal(made.state, 'succeeded', JSON.stringify(made.failure));
  assert.deepEqual(seen.states().slice(0, 2), ['created', 'hashing']);
  const submitted = seen.states().indexOf('submitting');
  assert.deepEqual(seen.states().slice(submitted, submitted + 2), ['submitting', 'pending']);
  assert.equal(seen.states().at(-1), 'succeeded');
  assert.ok(
    seen.events.some((e) => e.type === 'status'),
    'the backend status is reported as it changes',
  );
  assert.equal(made.runtime?.status, 'succeeded', "the runtime's status line is the step's outcome");
  assert.ok(seen.lines().includes('making 5'), seen.lines().join('\n'));
  assert.deepEqual(made.outputs?.output, { format: 'json', preview: '[0, 1, 2, 3, 4]', size: 15, type: 'list' });
  assert.equal(made.step.module, 'pipe.steps');
  assert.deepEqual((await store.get(made.id))?.state, 'succeeded');
  assert.match(await store.readLogs(made.id), /making 5\n/);
  assert.doesNotMatch(
    await store.readLogs(made.id),
    /STEPOPS_STATUS/,
    "the runtime's status line is not part of the log",
  );
  assert.ok(!seen.lines().some((l) => l.startsWith('STEPOPS_STATUS')), 'nor of the streamed lines');

  const summed = await runner.run(request('total', { inputs: { values: outputUri(made, 'output', artifacts) } }));
  assert.equal(summed.state, 'succeeded', JSON.stringify(summed.failure));
  assert.equal(summed.outputs?.output?.preview, '10');
  assert.equal(summed.image?.built, false, 'the same project reuses the image');
});

test('a failing step fails the run with its traceback in the logs', async () => {
  const seen = collect();
  const record = await runner.run(request('fails'), { onEvent: (e) => seen.events.push(e) });
  assert.equal(record.state, 'failed');
  assert.equal(record.exitCode, 1);
  assert.deepEqual(record.failure, { stage: 'running', kind: 'step', reason: 'RuntimeError: the data is wrong' });
  assert.ok(
    seen.lines().some((l) => l === 'RuntimeError: the data is wrong'),
    seen.lines().join('\n'),
  );
  assert.match(await store.readLogs(record.id), /Traceback \(most recent call last\)/);
});

test('cancel stops the container and marks the run cancelled', async () => {
  let running: RunRecord | undefined;
  const done = runner.run(request('slow', { parameters: { lines: 400, pause: 0.05 } }), {
    onEvent: (e) => {
      if (e.type === 'state' && e.record.state === 'running') running = e.record;
    },
  });
  await Promise.race([
    (async () => {
      while (!running) await new Promise((resolve) => setTimeout(resolve, 50));
    })(),
    done.then((r) => assert.fail(`the run ended (${r.state}) before it was running`)),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = Date.now();
  const job = running!;
  await runner.cancel(job.id);
  const record = await done;
  assert.equal(record.state, 'cancelled');
  assert.ok(Date.now() - started < 5_000, 'the runtime stops on SIGTERM at once, not after the 10 s stop timeout');
  const container = await (await connectDocker()).getContainer(job.job!.jobId).inspect();
  assert.equal(container.State.Running, false);
});

test('cancel before the job exists (while the image is prepared) ends the run without starting it', async () => {
  let id: string | undefined;
  const states: string[] = [];
  const record = await runner.run(request('slow'), {
    onEvent: (e) => {
      if (e.type !== 'state') return;
      states.push(e.record.state);
      if (e.record.state === 'hashing') {
        id = e.record.id;
        void runner.cancel(id);
      }
    },
  });
  assert.equal(record.state, 'cancelled', JSON.stringify(record.failure));
  assert.equal(record.failure?.reason, 'Cancelled before the job started.');
  assert.equal(record.job, undefined, 'no container was started');
  assert.ok(!states.includes('running'), states.join(' -> '));
  assert.equal((await store.get(id!))?.state, 'cancelled');
});

test('reattaching from the stored record resumes the logs with nothing lost or repeated', async () => {
  const detach = new AbortController();
  let linesBeforeDetach = 0;
  const first = collect();
  const detached = await runner.run(request('slow', { parameters: { lines: 60, pause: 0.05 } }), {
    signal: detach.signal,
    onEvent: (e) => {
      first.events.push(e);
      if (e.type === 'logs') {
        linesBeforeDetach += e.lines.length;
        if (linesBeforeDetach >= 10) detach.abort(); // the window reloads / the CLI dies here
      }
    },
  });
  assert.ok(['pending', 'running'].includes(detached.state), detached.state);
  const stored = (await store.get(detached.id))!;
  assert.ok(stored.logCursor, 'the cursor was saved with the lines already delivered');

  const second = collect();
  const finished = await runner.follow(stored, { onEvent: (e) => second.events.push(e) });
  assert.equal(finished.state, 'succeeded', JSON.stringify(finished.failure));
  const all = [...first.lines(), ...second.lines()].filter((l) => l.startsWith('line '));
  assert.deepEqual(
    all,
    Array.from({ length: 60 }, (_, i) => `line ${String(i).padStart(3, '0')}`),
  );
  const logFile = (await store.readLogs(finished.id)).split('\n').filter((l) => l.startsWith('line '));
  assert.equal(logFile.length, 60, 'the stored log has every line once');
});

test("the operator's and the step's environment setting reaches the job", async () => {
  const record = await runner.run(
    request('greeting', { settings: { ...LOCAL.config, environment: { GREETING: 'hello from the settings' } } }),
  );
  assert.equal(record.state, 'succeeded', JSON.stringify(record.failure));
  assert.equal(record.outputs?.output?.preview, "'hello from the settings'");
});
