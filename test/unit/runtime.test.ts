// The Python step runtime, run for real (python3 -m stepops_runtime) on job files, the way the
// container runs it. Only the standard library is involved, so no image is needed here; the
// integration tier runs the same runtime inside the built image.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../..');
let project: string;

before(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'stepops-runtime-'));
  await mkdir(path.join(project, 'pkg'));
  await writeFile(path.join(project, 'pkg', '__init__.py'), '');
  await writeFile(
    path.join(project, 'pkg', 'steps.py'),
    `from zenml import step
import zenml


class Model:
    def __init__(self, weights):
        self.weights = weights


@step
def load(n: int = 3) -> list:
    print("loading", n)
    return list(range(n))


@step(step_operator="sagemaker")
def train(rows: list, scale: float = 1.0) -> Model:
    return Model([r * scale for r in rows])


@step
def evaluate(model: Model) -> tuple:
    return sum(model.weights), len(model.weights)


@step
def broken(x: int = 1) -> int:
    return helper(x)


def helper(x):
    raise ValueError("bad value %d" % x)


@step
def uses_client() -> None:
    zenml.client.Client()


@step
def read_env(name: str) -> str:
    import os
    return os.environ.get(name)
`,
  );
  await writeFile(path.join(project, 'pkg', 'import_error.py'), 'from zenml import step\nimport not_a_module\n');
});
after(() => rm(project, { recursive: true, force: true }));

async function runJob(
  job: Record<string, unknown>,
  extraArguments: readonly string[] = [],
  environment: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string; status: Record<string, unknown> }> {
  const jobFile = path.join(project, `job-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(jobFile, JSON.stringify(job));
  let result: { code: number; stdout: string; stderr: string };
  const args = ['-m', 'stepops_runtime', '--job', jobFile, ...extraArguments];
  try {
    const { stdout, stderr } = await promisify(execFile)('python3', args, {
      cwd: project,
      env: { ...process.env, ...environment, PYTHONPATH: path.join(root, 'runtime'), PYTHONDONTWRITEBYTECODE: '1' },
    });
    result = { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    result = { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
  const lines = result.stdout.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  assert.match(
    last,
    /^STEPOPS_STATUS \{/,
    `the last line is the status line; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
  );
  return { ...result, status: JSON.parse(last.slice('STEPOPS_STATUS '.length)) as Record<string, unknown> };
}

test('runs steps with defaults, parameters and upstream artifacts, without ZenML installed', async () => {
  const out = (name: string) => path.join(project, 'artifacts', name);
  const loaded = await runJob({ module: 'pkg.steps', function: 'load', parameters: { n: 4 }, outputs: out('load') });
  assert.equal(loaded.code, 0, loaded.stderr);
  assert.match(loaded.stdout, /^stepops: running step pkg\.steps\.load\nloading 4\n/);
  assert.deepEqual(loaded.status.outputs, {
    output: { format: 'json', preview: '[0, 1, 2, 3]', size: 12, type: 'list' },
  });
  assert.equal(await readFile(path.join(out('load'), 'output', 'data.json'), 'utf8'), '[0, 1, 2, 3]');

  const trained = await runJob({
    module: 'pkg.steps',
    function: 'train',
    parameters: { scale: 2 },
    inputs: { rows: path.join(out('load'), 'output') },
    outputs: out('train'),
  });
  assert.equal(trained.code, 0, trained.stderr);
  const metadata = (trained.status.outputs as Record<string, { format: string; type: string }>).output!;
  assert.equal(metadata.format, 'pickle', 'objects that are not plain data are pickled');
  assert.equal(metadata.type, 'pkg.steps.Model');

  const evaluated = await runJob({
    module: 'pkg.steps',
    function: 'evaluate',
    inputs: { model: path.join(out('train'), 'output') },
    outputs: out('evaluate'),
  });
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.deepEqual(Object.keys(evaluated.status.outputs as object), ['output_0', 'output_1']);
  assert.equal(await readFile(path.join(out('evaluate'), 'output_0', 'data.json'), 'utf8'), '12');
});

test('the operator gives input and output folders on the command line (they win over the job file)', async () => {
  const out = (name: string) => path.join(project, 'cli-artifacts', name);
  const job = { module: 'pkg.steps', function: 'load', parameters: { n: 2 } };
  const loaded = await runJob(job, ['--outputs', out('load')]);
  assert.equal(loaded.code, 0, loaded.stderr);
  const trained = await runJob({ module: 'pkg.steps', function: 'train', outputs: out('ignored') }, [
    '--outputs',
    out('train'),
    '--input',
    `rows=${path.join(out('load'), 'output')}`,
  ]);
  assert.equal(trained.code, 0, trained.stderr);
  assert.equal((trained.status.outputs as Record<string, { format: string }>).output!.format, 'pickle');
  await assert.rejects(readFile(path.join(out('ignored'), 'output', 'metadata.json')));
  const noOutputs = await runJob(job);
  assert.equal(noOutputs.code, 2);
  assert.equal(noOutputs.status.reason, 'no outputs folder: pass --outputs DIR');
  const badInput = await runJob(job, ['--outputs', out('x'), '--input', 'rows']);
  assert.equal(badInput.code, 2);
  assert.equal(badInput.status.reason, "--input takes NAME=DIR, not 'rows'");
});

test("a failing step exits 1 with the user's traceback, not the runtime's", async () => {
  const result = await runJob({
    module: 'pkg.steps',
    function: 'broken',
    parameters: { x: 7 },
    outputs: path.join(project, 'o1'),
  });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /Traceback \(most recent call last\):[\s\S]*in helper\n\s+raise ValueError\("bad value %d" % x\)\nValueError: bad value 7/,
  );
  assert.deepEqual(result.status, {
    status: 'user_error',
    step: 'pkg.steps.broken',
    reason: 'ValueError: bad value 7',
    runtime: '0.1.0',
  });
});

test('an import error in the user module and a missing step are user errors', async () => {
  const importing = await runJob({ module: 'pkg.import_error', function: 'x', outputs: path.join(project, 'o2') });
  assert.equal(importing.code, 1);
  assert.match(
    String(importing.status.reason),
    /importing pkg\.import_error failed: ModuleNotFoundError: No module named 'not_a_module'/,
  );
  const missing = await runJob({ module: 'pkg.steps', function: 'nope', outputs: path.join(project, 'o3') });
  assert.equal(missing.code, 1);
  assert.equal(missing.status.reason, 'pkg.steps has no step named nope');
});

test('other ZenML APIs fail with a message that says what to do', async () => {
  const result = await runJob({ module: 'pkg.steps', function: 'uses_client', outputs: path.join(project, 'o4') });
  assert.equal(result.code, 1);
  assert.match(
    String(result.status.reason),
    /zenml\.client is not available: this container runs the step without ZenML installed.*Add zenml to the project's requirements/,
  );
});

test('runtime failures exit 2: a bad job file, an unreadable input', async () => {
  const bad = await runJob({ module: 'pkg.steps', outputs: path.join(project, 'o5') });
  assert.equal(bad.code, 2);
  assert.equal(bad.status.reason, "the job file has no 'function'");
  const input = await runJob({
    module: 'pkg.steps',
    function: 'train',
    inputs: { rows: path.join(project, 'missing') },
    outputs: path.join(project, 'o6'),
  });
  assert.equal(input.code, 2);
  assert.match(String(input.status.reason), /cannot read input 'rows' from .*missing/);
});

test('variables a platform split into parts (SageMaker caps values at 512 characters) are joined back first', async () => {
  const long = 'x'.repeat(512) + 'y'.repeat(100);
  const job = { module: 'pkg.steps', function: 'read_env', parameters: { name: 'LONG' } };
  const joined = await runJob(job, ['--outputs', path.join(project, 'env-out')], {
    LONG__STEPOPS_PART_0: long.slice(0, 512),
    LONG__STEPOPS_PART_1: long.slice(512),
  });
  assert.equal(joined.code, 0, joined.stderr);
  assert.equal(await readFile(path.join(project, 'env-out', 'output', 'data.json'), 'utf8'), JSON.stringify(long));
  const gap = await runJob(job, ['--outputs', path.join(project, 'env-gap')], { LONG__STEPOPS_PART_1: 'y' });
  assert.equal(gap.code, 2);
  assert.equal(gap.status.reason, 'environment variable LONG arrived with parts [0] missing');
});
