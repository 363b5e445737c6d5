// `stepops run --stack` and `stepops logs --follow --json` against the real engine: runs land on
// the stack asked for (not the folder's active one), and a follower prints JSON Lines that carry
// the engine's timestamps and streams.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunRecord } from '../../src/core/runs/runRecord';
import { type CliContext, type CliProject, makeCliProject, startCli } from './cliProcess';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
const STEPS = `import sys
import time
from zenml import pipeline, step


@step
def ticker(lines: int = 60, pause: float = 0.05) -> int:
    for i in range(lines):
        print("tick %03d" % i, flush=True)
        time.sleep(pause)
    print("done", file=sys.stderr, flush=True)
    return lines


@step
def double(n: int) -> int:
    return n * 2


@pipeline
def chain():
    n = ticker(lines=2, pause=0.0)
    double(n)
`;
let fixture: CliProject;

before(async () => {
  fixture = await makeCliProject('stepops-cli-options', STEPS);
});
after(() => fixture.remove());

const context = (): CliContext => fixture.context();
const cli = (...args: string[]) => fixture.cli(...args);

test('run --stack runs a step and a pipeline on that stack, leaving the active one as it was', async () => {
  for (const args of [
    ['components', 'register', 'step_operator', 'local_docker', 'other-docker'],
    ['stacks', 'register', 'other', '--step-operator', 'other-docker'],
  ])
    assert.equal((await cli(...args)).code, 0, args.join(' '));
  const step = await cli(
    'run',
    'jobs/work.py:ticker',
    '--param',
    'lines=1',
    '--stack',
    'other',
    '--base-image',
    env.pythonImage,
  );
  assert.equal(step.code, 0, step.stderr);
  assert.match(step.stderr, /stepops: run \S+ of ticker on other-docker \(stack other\)\n/);
  const pipeline = await cli('run', 'jobs/work.py:chain', '--stack', 'other', '--base-image', env.pythonImage);
  assert.equal(pipeline.code, 0, pipeline.stderr);
  assert.match(pipeline.stderr, /stepops: pipeline chain: 2 steps on stack other\n/);
  assert.match(pipeline.stderr, /double succeeded in [\d.]+ s: output=4\n/);

  const records = JSON.parse((await cli('runs', '--json')).stdout) as (RunRecord & { durationMs: number })[];
  assert.deepEqual(
    records.map((r) => [r.step.name, r.stack, r.operator.name, r.state]),
    [
      ['double', 'other', 'other-docker', 'succeeded'],
      ['ticker', 'other', 'other-docker', 'succeeded'],
      ['ticker', 'other', 'other-docker', 'succeeded'],
    ],
  );
  assert.ok(records.every((r) => r.durationMs > 0));
  assert.match((await cli('stacks')).stdout, /^default {2}\(active\)$/m);
});

test('logs --follow --json picks a killed run up and prints every line once as JSON', async () => {
  const first = startCli(context(), 'run', 'jobs/work.py:ticker', '--base-image', env.pythonImage);
  let firstOut = '';
  let firstErr = '';
  first.stdout!.on('data', (chunk: Buffer) => (firstOut += chunk.toString()));
  first.stderr!.on('data', (chunk: Buffer) => (firstErr += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while ((firstOut.match(/^tick /gm) ?? []).length < 5) {
    assert.ok(Date.now() < deadline && first.exitCode === null, `the run did not start printing; stderr:\n${firstErr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const runId = /stepops: run (\S+) of ticker/.exec(firstErr)?.[1];
  assert.ok(runId, firstErr);

  const followed = await cli('logs', runId, '--follow', '--json');
  assert.equal(followed.code, 0, followed.stderr);
  const lines = followed.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { text: string; timestamp?: number; stream?: string });
  assert.deepEqual(
    lines.map((l) => l.text),
    [
      'stepops: running step jobs.work.ticker', // the runtime's own first line
      ...Array.from({ length: 60 }, (_, i) => `tick ${String(i).padStart(3, '0')}`),
      'done',
    ],
  );
  // Lines the engine sends while following carry when and on which stream they were written.
  const done = lines[lines.length - 1]!;
  assert.equal(done.stream, 'stderr');
  assert.ok(Math.abs(done.timestamp! - Date.now()) < 120_000, `${done.timestamp}`);
  for (const line of lines.filter((l) => l.timestamp !== undefined))
    assert.equal(line.stream, line.text === 'done' ? 'stderr' : 'stdout', line.text);
  assert.match(followed.stderr, /ticker succeeded in [\d.]+ s: output=60/);
});
