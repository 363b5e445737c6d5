import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { StackFileError, StackStore, defaultStacksFile } from '../../src/core/stacks/stackStore';

let dir: string;
let file: string;
let store: StackStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stepops-stacks-'));
  file = path.join(dir, 'stacks.yaml');
  store = new StackStore(file, async () => ({ artifactRoot: '/tmp/artifacts', dockerEngineAvailable: true }));
});
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const SAGEMAKER = {
  name: 'sagemaker-gpu',
  type: 'step_operator' as const,
  flavor: 'sagemaker',
  config: { role: 'arn:aws:iam::123456789012:role/SageMaker', region: 'eu-west-1', instance_type: 'ml.g5.xlarge' },
};

test('with no file there is exactly the built-in default stack', async () => {
  const catalog = await store.read();
  assert.deepEqual(
    catalog.stacks.map((s) => s.name),
    ['default'],
  );
  assert.deepEqual(
    catalog.components.map((c) => `${c.type}:${c.name}`),
    ['orchestrator:embedded', 'artifact_store:local', 'step_operator:local-docker'],
  );
  assert.deepEqual(catalog.diagnostics, []);
});

test('components and stacks round-trip through the file', async () => {
  await store.putComponent(SAGEMAKER);
  await store.putStack({ name: 'gpu', step_operators: ['sagemaker-gpu', 'local-docker'] });
  const catalog = await store.read();
  assert.deepEqual(
    catalog.stacks.map((s) => [s.name, s.stepOperators.map((o) => o.name)]),
    [
      ['default', ['local-docker']],
      ['gpu', ['sagemaker-gpu', 'local-docker']],
    ],
  );
  assert.equal(catalog.stacks[1]!.orchestrator.name, 'embedded', 'unset types fall back to the built-ins');
  const text = await readFile(file, 'utf8');
  assert.match(text, /^# stepops stacks/);
  assert.match(
    text,
    /sagemaker-gpu:\n\s+flavor: sagemaker\n\s+config:\n\s+role: arn:aws:iam::123456789012:role\/SageMaker/,
  );
  assert.deepEqual(await readdir(dir), ['stacks.yaml'], 'no temporary files are left behind');
});

test("a stack's description is kept, also by an edit that does not mention it", async () => {
  await store.putStack({
    name: 'emu',
    description: 'Local emulators, not the cloud.',
    step_operators: ['local-docker'],
  });
  await store.putStack({ name: 'emu', step_operators: [] });
  assert.deepEqual((await store.read()).definitions, [
    { name: 'emu', description: 'Local emulators, not the cloud.', step_operators: [] },
  ]);
  await store.putStack({ name: 'emulated', step_operators: [] }, 'emu');
  assert.equal((await store.read()).definitions[0]!.description, 'Local emulators, not the cloud.', 'kept on rename');
  assert.match(await readFile(file, 'utf8'), /emulated:\n {4}description: Local emulators, not the cloud\.\n/);
});

test('edits keep comments, key order and unknown keys', async () => {
  await writeFile(
    file,
    `# my stacks
version: 1
owner: team-ml # not ours, but kept
components:
  step_operator:
    sagemaker-gpu: # the expensive one
      flavor: sagemaker
      notes: keep me
      config:
        role: arn:aws:iam::123456789012:role/SageMaker # prod role
        region: eu-west-1
`,
  );
  await store.putComponent({ ...SAGEMAKER, config: { ...SAGEMAKER.config, instance_type: 'ml.p3.2xlarge' } });
  const text = await readFile(file, 'utf8');
  for (const kept of [
    '# my stacks',
    'owner: team-ml # not ours, but kept',
    '# the expensive one',
    'notes: keep me',
    '# prod role',
  ]) {
    assert.ok(text.includes(kept), `keeps ${JSON.stringify(kept)} in:\n${text}`);
  }
  assert.match(text, /instance_type: ml\.p3\.2xlarge/);
});

test('a malformed file gets diagnostics with line and column and is never overwritten', async () => {
  const broken = 'version: 1\ncomponents:\n  step_operator:\n    x: [unclosed\n';
  await writeFile(file, broken);
  const catalog = await store.read();
  assert.equal(catalog.writable, false);
  assert.ok(catalog.diagnostics.length > 0);
  assert.equal(catalog.diagnostics[0]!.severity, 'error');
  assert.ok(catalog.diagnostics[0]!.line >= 4, `line ${catalog.diagnostics[0]!.line}`);
  assert.deepEqual(
    catalog.stacks.map((s) => s.name),
    ['default'],
    'the default stack still works',
  );
  await assert.rejects(store.putComponent(SAGEMAKER), (error: unknown) => {
    assert.ok(error instanceof StackFileError);
    assert.match(error.message, /syntax errors; fix them first \(nothing was changed\)/);
    return true;
  });
  assert.equal(await readFile(file, 'utf8'), broken);
});

test('invalid component config is reported at its line, and other components still load', async () => {
  await writeFile(
    file,
    `version: 1
components:
  step_operator:
    bad:
      flavor: sagemaker
      config:
        role: not-an-arn
        region: eu-west-1
    good:
      flavor: vertex
      config:
        project: my-project-1
        region: europe-west4
    odd:
      flavor: kubernetes
    -leading-dash:
      flavor: local_docker
`,
  );
  const catalog = await store.read();
  assert.ok(catalog.components.some((c) => c.name === 'good'));
  assert.ok(!catalog.components.some((c) => c.name === 'bad' || c.name === 'odd'));
  const roleProblem = catalog.diagnostics.find((d) => /role ARN/.test(d.message));
  assert.ok(roleProblem, JSON.stringify(catalog.diagnostics));
  assert.deepEqual([roleProblem.line, roleProblem.column], [7, 15]);
  const flavorProblem = catalog.diagnostics.find((d) => /unknown step_operator flavor "kubernetes"/.test(d.message));
  assert.deepEqual([flavorProblem?.line, flavorProblem?.column], [15, 15]);
  assert.ok(
    catalog.diagnostics.some(
      (d) =>
        d.message ===
        'component name "-leading-dash": names are 1-64 letters, digits, _ . -, starting with a letter or digit',
    ),
    JSON.stringify(catalog.diagnostics),
  );
});

test('validation rejects bad values before anything is written', async () => {
  await assert.rejects(
    store.putComponent({
      ...SAGEMAKER,
      config: { role: 'arn:aws:iam::123456789012:role/S', region: 'eu-west-1', instance_count: 0 },
    }),
    /instance_count: Instance count must be at least 1/,
  );
  await assert.rejects(
    store.putComponent({
      name: 'az',
      type: 'step_operator',
      flavor: 'azureml',
      config: {
        subscription_id: '00000000-0000-0000-0000-000000000000',
        resource_group: 'rg',
        workspace_name: 'ws1',
        compute_type: 'compute-cluster',
      },
    }),
    /compute_name: Compute name is required when compute_type is compute-cluster/,
  );
  await assert.rejects(
    store.putComponent({
      name: 'reg',
      type: 'container_registry',
      flavor: 'default',
      config: { uri: 'r.example.com', password: 'hunter2' },
    }),
    /password: Password is a secret/,
  );
  await assert.rejects(
    store.putStack({ name: 's', step_operators: ['nope'] }),
    /step_operator "nope", which is not registered/,
  );
  await assert.rejects(readFile(file), /ENOENT/);
});

test('renaming a component updates the stacks that use it; a used component cannot be removed', async () => {
  await store.putComponent(SAGEMAKER);
  await store.putStack({ name: 'gpu', step_operators: ['sagemaker-gpu'] });
  await assert.rejects(store.removeComponent('step_operator', 'sagemaker-gpu'), /used by stack gpu/);
  await store.putComponent({ ...SAGEMAKER, name: 'sm' }, 'sagemaker-gpu');
  const catalog = await store.read();
  assert.deepEqual(
    catalog.stacks[1]!.stepOperators.map((o) => o.name),
    ['sm'],
  );
  await store.removeStack('gpu');
  await store.removeComponent('step_operator', 'sm');
  assert.deepEqual(
    (await store.read()).stacks.map((s) => s.name),
    ['default'],
  );
});

test('the stacks file lives under STEPOPS_HOME or the XDG config folder', () => {
  assert.equal(defaultStacksFile({ STEPOPS_HOME: '/h' }), '/h/stacks.yaml');
  assert.equal(defaultStacksFile({ XDG_CONFIG_HOME: '/x' }), '/x/stepops/stacks.yaml');
});

test('a file may redefine a built-in component, and the default stack uses it', async () => {
  await writeFile(
    file,
    'version: 1\ncomponents:\n  step_operator:\n    local-docker:\n      flavor: local_docker\n      config:\n        base_image: my/python:3.11\n',
  );
  const catalog = await store.read();
  const operator = catalog.stacks.find((s) => s.name === 'default')!.stepOperators[0]!;
  assert.deepEqual(operator.config, { base_image: 'my/python:3.11' });
  assert.ok(!catalog.builtInComponents.some((c) => c.name === 'local-docker'), "the redefined one is the user's now");
});
