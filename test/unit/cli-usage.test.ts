// The stepops CLI as its users drive it, from the bundle the build makes: every command's --help,
// usage errors (exit 2), `run --stack`, `runs --json`, `logs --json`, and output piped into a
// reader that stops early (`| head -1`), through real pipes.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { RunRecord, RunState } from '../../src/core/runs/runRecord';
import { RunStore } from '../../src/core/runs/runStore';

const exec = promisify(execFile);
const root = path.resolve(__dirname, '../..');
let out: string;
let home: string;
let project: string;
let cliJs: string;

before(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'stepops-cli-usage-'));
  await exec(process.execPath, ['scripts/build.mjs', `--outdir=${path.join(out, 'dist')}`], { cwd: root });
  cliJs = path.join(out, 'dist', 'cli.js');
  home = path.join(out, 'home');
  project = path.join(out, 'project');
  await mkdir(path.join(project, 'jobs'), { recursive: true });
  await writeFile(path.join(project, 'jobs', '__init__.py'), '');
  await writeFile(
    path.join(project, 'jobs', 'work.py'),
    `from zenml import pipeline, step


@step
def hello(name: str = "world") -> str:
    return "hello " + name


@pipeline
def greet():
    hello()
`,
  );
});
after(() => rm(out, { recursive: true, force: true }));

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `stepops ARGS` in the test project, with the test's own stacks file. */
async function cli(...args: string[]): Promise<Result> {
  try {
    const env = { ...process.env, STEPOPS_HOME: home };
    return { code: 0, ...(await exec(process.execPath, [cliJs, ...args], { cwd: project, env })) };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The names listed under a heading of a help text ("Commands:", "Subcommands:"). */
function listedUnder(help: string, heading: string): string[] {
  const section = help.split(`\n${heading}\n`)[1]?.split('\n\n')[0] ?? '';
  return section.split('\n').map((line) => line.trim().split(/\s+/)[0]!);
}

function assertIsHelp(result: Result, command: string): void {
  assert.equal(result.code, 0, `stepops ${command} --help: ${result.stderr}`);
  assert.equal(result.stderr, '');
  assert.match(result.stdout, new RegExp(`^Usage: stepops ${command}\\b`), result.stdout);
  assert.match(result.stdout, /\n(Options|Subcommands):\n/, result.stdout);
  assert.match(result.stdout, new RegExp(`\\nExamples?:\\n {2}stepops ${command.split(' ')[0]}\\b`), result.stdout);
}

test('every command and subcommand answers --help, -h and "stepops help" with its usage, exit 0', async () => {
  const commands = listedUnder((await cli('--help')).stdout, 'Commands:');
  assert.deepEqual(commands, ['doctor', 'steps', 'run', 'runs', 'logs', 'cancel', 'stacks', 'components']);
  for (const command of commands) {
    const help = await cli(command, '--help');
    assertIsHelp(help, command);
    assert.deepEqual(await cli(command, '-h'), help);
    assert.deepEqual(await cli('help', command), help);
    for (const sub of listedUnder(help.stdout, 'Subcommands:').filter(Boolean)) {
      const subHelp = await cli(command, sub, '--help');
      assertIsHelp(subHelp, `${command} ${sub}`);
      assert.deepEqual(await cli('help', command, sub), subHelp);
    }
  }
  // Help wins over everything else on the line, an unknown option included; after "--" it is an argument.
  assertIsHelp(await cli('run', 'jobs/work.py:hello', '--colour', '-h'), 'run');
  assert.equal((await cli('steps', '--', '--help')).code, 1);
});

test("a command's help lists each of its options with its value", async () => {
  const run = (await cli('run', '--help')).stdout;
  for (const option of ['--stack NAME', '--operator NAME', '--param NAME=VALUE', '--local-fallback', '-h, --help'])
    assert.match(run, new RegExp(`\\n {2}${option.replace(/[-=]/g, '\\$&')}\\s{2,}\\S`), option);
  assert.match((await cli('logs', '--help')).stdout, /\n {2}-f, --follow\s+.*\n {2}--json\s+One JSON object per line/);
  assert.match((await cli('stacks', 'export', '--help')).stdout, /\n {2}-o, --output FILE\s+/);
});

test('usage errors exit 2, name the culprit and point at --help', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['run', '--stak', 'gpu', 'jobs/work.py:hello'],
      /^stepops run: unknown option "--stak" \(did you mean --stack\?\)\n/,
    ],
    [['run'], /^stepops run: missing FILE:STEP\n/],
    [['run', 'jobs/work.py'], /^stepops run: "jobs\/work.py" is not FILE:STEP/],
    [['run', 'jobs/work.py:hello', '--stack'], /^stepops run: option '--stack <value>' argument missing\n/],
    [['runs', '--json=yes'], /^stepops runs: option '--json' does not take an argument\n/],
    [['runs', 'extra'], /^stepops runs: takes no arguments, got "extra"\n/],
    [['logs', '-x'], /^stepops logs: unknown option "-x"\n/],
    [['stacks', '--colour'], /^stepops stacks list: unknown option "--colour"\n/],
    [['stacks', 'lst'], /^stepops stacks: unknown subcommand "lst"; use list, use, register, delete, import, export\n/],
    [['components', 'delete', 'step_operator'], /^stepops components delete: missing NAME\n/],
    [
      ['components', 'register', 'operator', 'local_docker', 'x'],
      /^stepops components register: unknown component type/,
    ],
  ];
  for (const [args, message] of cases) {
    const result = await cli(...args);
    assert.equal(result.code, 2, `stepops ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    const command = /^stepops ([a-z ]+):/.exec(result.stderr)![1]!;
    assert.match(result.stderr, new RegExp(`\\nRun "stepops ${command} --help" for usage\\.\\n$`));
    assert.equal(result.stdout, '');
  }
  const unknown = await cli('lauch');
  assert.deepEqual(
    [unknown.code, unknown.stderr],
    [2, 'stepops: unknown command "lauch". Run "stepops --help" for the list.\n'],
  );
  assert.equal((await cli('help', 'lauch')).code, 2);
});

test('run --stack picks the stack for a step and a pipeline; an unknown one is refused with the known ones', async () => {
  // Two stacks that differ only in their SageMaker operator and keep artifacts in a local folder,
  // which a SageMaker job cannot reach, so the run is refused before anything is built: the
  // refusal names the stack the run was planned on.
  const sagemaker = (name: string) => [
    ...['components', 'register', 'step_operator', 'sagemaker', name],
    ...['--set', 'role=arn:aws:iam::123456789012:role/steps', '--set', 'region=eu-west-1'],
  ];
  const setup = [
    sagemaker('sm-a'),
    sagemaker('sm-b'),
    ['stacks', 'register', 'stack-a', '--step-operator', 'sm-a'],
    ['stacks', 'register', 'stack-b', '--step-operator', 'sm-b'],
    ['stacks', 'use', 'stack-a'],
  ];
  for (const args of setup) assert.equal((await cli(...args)).code, 0, args.join(' '));
  const refusal = (stack: string) => new RegExp(`Stack "${stack}" keeps artifacts in a local folder`);

  for (const target of ['jobs/work.py:hello', 'jobs/work.py:greet']) {
    const active = await cli('run', target);
    assert.equal(active.code, 1, active.stderr);
    assert.match(active.stderr, refusal('stack-a'));
    const chosen = await cli('run', target, '--stack', 'stack-b');
    assert.equal(chosen.code, 1, chosen.stderr);
    assert.match(chosen.stderr, refusal('stack-b'));
    const unknown = await cli('run', target, '--stack', 'stack-c');
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      'stepops run: --stack stack-c: no stack has that name; known stacks: default, stack-a, stack-b ("stepops stacks" lists them)\n',
    );
  }
  assert.match(
    (await cli('run', 'jobs/work.py:greet', '--stack', 'stack-b')).stderr,
    /pipeline greet: 1 step on stack stack-b\n/,
  );
  assert.doesNotMatch(await readFile(path.join(project, '.stepops', 'config.yaml'), 'utf8'), /stack-b/);
});

test('run refuses options that do not apply to what it runs', async () => {
  const pipelineOperator = await cli('run', 'jobs/work.py:greet', '--operator', 'here');
  assert.equal(pipelineOperator.code, 2);
  assert.match(pipelineOperator.stderr, /--operator is for a single step/);
  const stepFallback = await cli('run', 'jobs/work.py:hello', '--local-fallback');
  assert.equal(stepFallback.code, 2);
  assert.match(stepFallback.stderr, /--local-fallback is for pipelines; .* --operator local-docker/);
});

/** Records as the runner writes them, oldest first: finished ones of each outcome, the newest still running. */
async function seedRuns(count: number, logLines: number, newestLogLines = logLines): Promise<RunRecord[]> {
  const store = new RunStore(path.join(project, '.stepops', 'runs'));
  const start = Date.now() - count * 60_000 - 3_600_000;
  const seed = async (i: number): Promise<RunRecord> => {
    const state: RunState = i === count - 1 ? 'running' : (['succeeded', 'failed', 'cancelled'] as const)[i % 3]!;
    const at = (ms: number) => new Date(start + i * 60_000 + ms).toISOString();
    const id = `20261129-12${String(i).padStart(7, '0')}-hello-${String(i % 10_000).padStart(4, '0')}`;
    const logBytes = await store.appendLogs(
      id,
      Array.from({ length: i === count - 1 ? newestLogLines : logLines }, (_, n) => ({
        text: n === 1 ? '' : `line ${n} of ${id}: "quoted" é ✓`,
      })),
    );
    const record: RunRecord = {
      version: 1,
      id,
      step: { name: 'hello', file: 'jobs/work.py', module: 'jobs.work', function: 'hello' },
      projectRoot: project,
      stack: 'default',
      operator: { name: 'local-docker', flavor: 'local_docker' },
      parameters: { name: `n${i}` },
      state,
      transitions: [
        { state: 'created', at: at(0) },
        { state: 'running', at: at(250) },
        ...(state === 'running' ? [] : [{ state, at: at(1_750 + i) }]),
      ],
      image: {
        reference: `127.0.0.1:5555/stepops/hello:${'ab'.repeat(32)}`,
        hash: 'ab'.repeat(32),
        built: i === 0,
        pushed: true,
      },
      logBytes,
      ...(state === 'failed' ? { failure: { stage: 'running' as const, reason: 'The step raised an exception' } } : {}),
    };
    await store.save(record);
    return record;
  };
  const records = [await seed(0)]; // the first one makes the folder
  for (let i = 1; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, (_, k) => seed(i + k));
    records.push(...(await Promise.all(batch)));
  }
  return records;
}

test('runs --json prints the stored records, newest first, each with its durationMs', async () => {
  await rm(path.join(project, '.stepops', 'runs'), { recursive: true, force: true });
  const seeded = await seedRuns(4, 3);
  const before = Date.now();
  const result = await cli('runs', '--json');
  assert.equal(result.code, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as (RunRecord & { durationMs: number })[];
  assert.deepEqual(
    printed.map((r) => r.id),
    seeded.map((r) => r.id).reverse(),
  );
  for (const record of printed) {
    const { durationMs, ...stored } = record;
    const file = JSON.parse(
      await readFile(path.join(project, '.stepops', 'runs', `${record.id}.json`), 'utf8'),
    ) as unknown;
    assert.deepEqual(stored, file);
    const first = Date.parse(record.transitions[0]!.at);
    if (record.state === 'running') assert.ok(durationMs >= before - first, `${durationMs}`);
    else assert.equal(durationMs, Date.parse(record.transitions[record.transitions.length - 1]!.at) - first);
  }
  assert.equal(printed.filter((r) => r.state === 'running').length, 1);
});

test('logs --json prints one JSON object per stored line, with --follow too', async () => {
  await rm(path.join(project, '.stepops', 'runs'), { recursive: true, force: true });
  const [succeeded, failed] = await seedRuns(3, 4);
  const expected = (id: string) => [
    { text: `line 0 of ${id}: "quoted" é ✓` },
    { text: '' },
    { text: `line 2 of ${id}: "quoted" é ✓` },
    { text: `line 3 of ${id}: "quoted" é ✓` },
  ];
  const parsed = (stdout: string) => {
    assert.match(stdout, /^(\{.*\}\n)*$/);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as unknown);
  };
  const plain = await cli('logs', succeeded!.id);
  assert.equal(
    plain.stdout,
    expected(succeeded!.id)
      .map((l) => `${l.text}\n`)
      .join(''),
  );
  const json = await cli('logs', succeeded!.id, '--json');
  assert.deepEqual([json.code, json.stderr], [0, '']);
  assert.deepEqual(parsed(json.stdout), expected(succeeded!.id));
  // A finished run: --follow prints the same lines and exits with the run's outcome.
  const followed = await cli('logs', failed!.id, '--json', '--follow');
  assert.equal(followed.code, 1);
  assert.deepEqual(parsed(followed.stdout), expected(failed!.id));
  assert.match(followed.stderr, /stepops: hello failed at running: The step raised an exception\n/);
});

/** `stepops ARGS | head -n 1` in bash: what head printed, and stepops' own status and stderr. */
async function intoHead(...args: string[]): Promise<{ head: string; status: number; stderr: string }> {
  const errFile = path.join(out, 'pipe-stderr.txt');
  const script = '"$NODE" "$CLI" "$@" 2>"$ERR" | head -n 1; echo "status=${PIPESTATUS[0]}"';
  const { stdout } = await exec('bash', ['-c', script, 'stepops', ...args], {
    cwd: project,
    env: { ...process.env, STEPOPS_HOME: home, NODE: process.execPath, CLI: cliJs, ERR: errFile },
  });
  const [, head, status] = /^([^]*?)status=(\d+)\n$/.exec(stdout)!;
  return { head: head!, status: Number(status), stderr: await readFile(errFile, 'utf8') };
}

test('output piped into head ends quietly with status 0, text and JSON alike', async () => {
  await rm(path.join(project, '.stepops', 'runs'), { recursive: true, force: true });
  // Far more than a pipe holds (64 KiB): stepops is still writing when head has exited.
  const records = await seedRuns(1_500, 1, 5_000);
  const newest = records[records.length - 1]!.id;

  const runs = await intoHead('runs');
  assert.deepEqual(runs, { head: runs.head, status: 0, stderr: '' });
  assert.match(runs.head, new RegExp(`^${newest} +running +local-docker .*\\n$`));
  const runsJson = await intoHead('runs', '--json');
  assert.deepEqual(runsJson, { head: '[\n', status: 0, stderr: '' });
  const logs = await intoHead('logs', newest);
  assert.deepEqual(logs, { head: `line 0 of ${newest}: "quoted" é ✓\n`, status: 0, stderr: '' });
  const logsJson = await intoHead('logs', newest, '--json');
  assert.deepEqual(logsJson, { head: `{"text":"line 0 of ${newest}: \\"quoted\\" é ✓"}\n`, status: 0, stderr: '' });
});

/** Runs stepops with its stdout (or stderr) a pipe whose only reader closed before stepops wrote. */
async function intoClosedPipe(which: 'stdout' | 'stderr', ...args: string[]): Promise<{ code: number; other: string }> {
  const child = spawn(process.execPath, [cliJs, ...args], {
    cwd: project,
    env: { ...process.env, STEPOPS_HOME: home },
  });
  child[which].destroy();
  let other = '';
  child[which === 'stdout' ? 'stderr' : 'stdout'].on('data', (chunk: Buffer) => (other += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('close', (status) => resolve(status ?? -1)));
  return { code, other };
}

test('a closed stdout ends any command quietly with 0; a closed stderr leaves the exit code as it was', async () => {
  for (const args of [['steps', path.join(root, 'examples')], ['--help'], ['run', '--help'], ['stacks']]) {
    assert.deepEqual(await intoClosedPipe('stdout', ...args), { code: 0, other: '' }, args.join(' '));
  }
  assert.deepEqual(await intoClosedPipe('stderr', 'stacks', '--colour'), { code: 2, other: '' });
  assert.deepEqual(await intoClosedPipe('stderr', 'logs', 'no-such-run'), { code: 1, other: '' });
});
