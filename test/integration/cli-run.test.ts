// `stepops run` in a real process against the real engine, killed in the middle, and
// `stepops logs --follow` in a new process picking the job up: every line exactly once.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type CliContext, type CliProject, makeCliProject, startCli } from './cliProcess';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
const STEPS = `import time
from zenml import step


@step
def ticker(lines: int = 80, pause: float = 0.05) -> int:
    for i in range(lines):
        print("tick %03d" % i, flush=True)
        time.sleep(pause)
    return lines


@step
def boom() -> None:
    raise KeyError("missing column")
`;
let fixture: CliProject;
let project: string;

before(async () => {
  fixture = await makeCliProject('stepops-cli', STEPS);
  ({ project } = fixture);
});
after(() => fixture.remove());

const context = (): CliContext => fixture.context();
const cli = (...args: string[]) => fixture.cli(...args);

test('a failing step makes stepops run exit 1 with the traceback and the reason', async () => {
  const result = await cli('run', 'jobs/work.py:boom', '--base-image', env.pythonImage);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /Traceback \(most recent call last\)[\s\S]*KeyError: 'missing column'/);
  assert.match(result.stderr, /stepops: boom failed at running: KeyError: 'missing column'/);
});

test('a killed stepops run is picked up by stepops logs --follow with nothing lost or repeated', async () => {
  const first = startCli(context(), 'run', 'jobs/work.py:ticker', '--base-image', env.pythonImage);
  let firstOut = '';
  let firstErr = '';
  first.stdout!.on('data', (chunk: Buffer) => (firstOut += chunk.toString()));
  first.stderr!.on('data', (chunk: Buffer) => (firstErr += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while ((firstOut.match(/^tick /gm) ?? []).length < 10) {
    assert.ok(Date.now() < deadline, `the run did not start printing; stderr:\n${firstErr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const runId = /stepops: run (\S+) of ticker/.exec(firstErr)?.[1];
  assert.ok(runId, firstErr);

  const runs = await cli('runs');
  assert.match(runs.stdout, new RegExp(`^${runId} +running `, 'm'), 'the job outlived the CLI process');

  const second = await cli('logs', runId, '--follow');
  assert.equal(second.code, 0, second.stderr);
  const ticks = second.stdout.split('\n').filter((l) => l.startsWith('tick '));
  assert.deepEqual(
    ticks,
    Array.from({ length: 80 }, (_, i) => `tick ${String(i).padStart(3, '0')}`),
  );
  const printedBeforeKill = firstOut.split('\n').filter((l) => l.startsWith('tick '));
  assert.deepEqual(
    ticks.slice(0, printedBeforeKill.length),
    printedBeforeKill,
    'the first process printed a prefix of the same lines',
  );
  assert.match(second.stderr, /ticker succeeded in [\d.]+ s: output=80/);
  assert.match((await cli('runs')).stdout, new RegExp(`^${runId} +succeeded `, 'm'));
});

test('a ZenML run configuration supplies parameters; --param overrides it', async () => {
  await writeFile(
    path.join(project, 'run.yaml'),
    'parameters:\n  pause: 0.0\nsteps:\n  ticker:\n    parameters:\n      lines: 3\n',
  );
  const fromConfig = await cli('run', 'jobs/work.py:ticker', '--config', 'run.yaml', '--base-image', env.pythonImage);
  assert.equal(fromConfig.code, 0, fromConfig.stderr);
  assert.deepEqual(
    fromConfig.stdout.split('\n').filter((l) => l.startsWith('tick ')),
    ['tick 000', 'tick 001', 'tick 002'],
  );
  const overridden = await cli(
    'run',
    'jobs/work.py:ticker',
    '--config',
    'run.yaml',
    '--param',
    'lines=1',
    '--base-image',
    env.pythonImage,
  );
  assert.deepEqual(
    overridden.stdout.split('\n').filter((l) => l.startsWith('tick ')),
    ['tick 000'],
  );
});

test('a stepops run killed (kill -9) before its job exists is shown as abandoned, never as live', async () => {
  // A file no earlier image has: the image must be built, which leaves time to kill the CLI.
  await writeFile(path.join(project, 'jobs', 'fresh.py'), `# ${Date.now()}\n`);
  const child = startCli(context(), 'run', 'jobs/work.py:ticker', '--base-image', env.pythonImage);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/stepops: (hashing|building)/.test(stderr)) resolve();
    });
    child.on('exit', () => reject(new Error(`the run ended before it was building:\n${stderr}`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const runId = /run (\S+) of ticker/.exec(stderr)![1]!;

  const listed = JSON.parse((await cli('runs', '--json')).stdout) as {
    id: string;
    state: string;
    durationMs: number;
    failure?: { kind?: string; reason: string };
  }[];
  const record = listed.find((r) => r.id === runId)!;
  assert.equal(record.state, 'failed', JSON.stringify(record));
  assert.equal(record.failure?.kind, 'abandoned');
  assert.match(record.failure!.reason, /ended while (hashing|building), before any job was submitted/);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const again = JSON.parse((await cli('runs', '--json')).stdout) as { id: string; durationMs: number }[];
  assert.equal(again.find((r) => r.id === runId)!.durationMs, record.durationMs, 'its duration no longer counts');
});
