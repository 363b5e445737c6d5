// Builds the bundles into a temporary folder with the real build script and exercises them:
// the CLI bundle's commands, and the lazy-loading contract (the Docker client lives in its own
// vendor bundle that the main bundles reach only on first use).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
let out: string;

before(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'stepops-build-'));
  await run(process.execPath, ['scripts/build.mjs', `--outdir=${out}`], { cwd: root });
});
after(() => rm(out, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(out, 'cli.js'), ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('stepops --version prints the package version', async () => {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(await cli('--version'), { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
});

test('stepops --help lists the commands; no arguments is a usage error', async () => {
  const help = await cli('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: stepops <command>/);
  assert.match(help.stdout, /\n {2}stacks\s+List the stacks/);
  assert.match(help.stdout, /\n {2}doctor\s+/);
  assert.equal((await cli()).code, 2);
});

test('an unknown command or option says what to do', async () => {
  const unknown = await cli('lauch');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "lauch". Run "stepops --help"/);
  const badOption = await cli('stacks', '--colour');
  assert.equal(badOption.code, 1);
  assert.match(badOption.stderr, /stepops stacks: .*--colour/);
});

test('stepops stacks --json prints the default stack', async () => {
  const result = await cli('stacks', '--json');
  assert.equal(result.code, 0);
  const stacks = JSON.parse(result.stdout) as { name: string; orchestrator: { flavor: string } }[];
  assert.equal(stacks[0]?.name, 'default');
  assert.equal(stacks[0]?.orchestrator.flavor, 'embedded');
});

test('the Docker client is a separate bundle, loaded by the CLI on first use', async () => {
  const extension = await readFile(path.join(out, 'extension.js'), 'utf8');
  const cliBundle = await readFile(path.join(out, 'cli.js'), 'utf8');
  for (const bundle of [extension, cliBundle]) {
    assert.ok(!bundle.includes('docker-modem'), 'main bundles must not contain the Docker client');
  }
  assert.match(cliBundle, /require\("\.\/vendor\/dockerode\.js"\)/);
  assert.ok((await stat(path.join(out, 'vendor', 'dockerode.js'))).size > 100_000);
  // doctor loads the vendor bundle whether or not an engine runs here; a broken lazy path would
  // crash with "Cannot find module" instead of printing a verdict.
  const doctor = await cli('doctor');
  assert.match(doctor.stdout, /^Docker engine: /);
  assert.equal(doctor.stderr, '');
});

test('stepops steps finds the example project steps with the bundled parser', async () => {
  const table = await cli('steps', 'examples');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^LOCATION\s+STEP\s+OPERATOR\s+PARAMETERS\n/);
  assert.match(table.stdout, /examples\/churn\/steps\/trainer\.py:16\s+train_model\s+sagemaker\s+rows, epochs=300/);
  assert.match(
    table.stdout,
    /pipeline churn_pipeline \(examples\/churn\/pipeline\.py:11\): load_customers -> train_model -> evaluate_model/,
  );

  const json = await cli('steps', 'examples/churn/steps/trainer.py', '--json');
  const parsed = JSON.parse(json.stdout) as { steps: { name: string; operator: unknown }[] };
  assert.deepEqual(
    parsed.steps.map((s) => [s.name, s.operator]),
    [['train_model', { kind: 'named', name: 'sagemaker', legacy: false }]],
  );

  const missing = await cli('steps', 'no/such/dir');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no\/such\/dir: no such file or folder/);
});
