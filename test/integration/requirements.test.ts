// The requirements path: a step's dependency installed by pip from a local wheel folder
// (--no-index --find-links; no package index is reachable here), in a layer of its own that a
// code-only change does not rebuild.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assembleBuildContext } from '../../src/core/images/buildContext';
import { type DockerClient, connectDocker } from '../../src/core/images/dockerClient';
import { ensureStepImage } from '../../src/core/images/stepImage';
import { makeWheel } from '../fixtures/makeWheel';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
let docker: DockerClient;
let project: string;

before(async () => {
  docker = await connectDocker();
  project = await mkdtemp(path.join(tmpdir(), 'stepops-reqs-'));
  await mkdir(path.join(project, 'wheels'));
  await makeWheel(path.join(project, 'wheels'), 'stepops_demo_dep', '1.0', 64 * 1024);
  await writeFile(path.join(project, 'requirements.txt'), '# pinned\nstepops-demo-dep==1.0\n');
  await mkdir(path.join(project, 'app'));
  await writeFile(path.join(project, 'app', '__init__.py'), '');
  await writeFile(
    path.join(project, 'app', 'steps.py'),
    'from zenml import step\nimport stepops_demo_dep\n\n\n@step\ndef which() -> str:\n    print("dep", stepops_demo_dep.VERSION)\n    return stepops_demo_dep.VERSION\n',
  );
});
after(() => rm(project, { recursive: true, force: true }));

const build = (messages: string[]) =>
  ensureStepImage(docker, {
    projectRoot: project,
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: env.pythonPipImage,
    requirementsFile: 'requirements.txt',
    findLinks: 'wheels',
    repository: `stepops-it/reqs-${Date.now().toString(36)}`,
    onProgress: (p) => messages.push(p.message),
  });

test('installs requirements from the local wheel folder, in a layer below the code', async () => {
  const context = await assembleBuildContext({
    projectRoot: project,
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: env.pythonPipImage,
    requirementsFile: 'requirements.txt',
    findLinks: 'wheels',
  });
  assert.ok(!context.entries.some((e) => e.name.startsWith('app/wheels/')), 'wheels are not part of the code layer');
  assert.match(
    context.dockerfile,
    /RUN python3 -m pip install --no-cache-dir --no-index --find-links \/opt\/stepops\/wheels -r \/opt\/stepops\/requirements.txt\nWORKDIR \/app\nCOPY app \/app/,
  );

  const messages: string[] = [];
  const image = await build(messages);
  assert.ok(
    messages.some((m) => /Successfully installed stepops-demo-dep-1\.0/.test(m)),
    messages.join('\n'),
  );

  const work = await mkdtemp(path.join(tmpdir(), 'stepops-reqs-run-'));
  try {
    await writeFile(
      path.join(work, 'job.json'),
      JSON.stringify({ module: 'app.steps', function: 'which', outputs: '/w/out' }),
    );
    const container = await docker.createContainer({
      Image: image.reference,
      Cmd: ['--job', '/w/job.json'],
      HostConfig: { NetworkMode: 'none', Binds: [`${work}:/w`] },
    });
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true })).toString();
    await container.remove();
    assert.equal(StatusCode, 0, logs);
    assert.match(logs, /dep 1\.0/);
    assert.equal(await readFile(path.join(work, 'out', 'output', 'data.json'), 'utf8'), '"1.0"');
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  // A code-only change: pip's layer comes from the cache.
  await writeFile(
    path.join(project, 'app', 'steps.py'),
    `${await readFile(path.join(project, 'app', 'steps.py'), 'utf8')}# edit ${Date.now()}\n`,
  );
  const again: string[] = [];
  await build(again);
  assert.ok(!again.some((m) => /Successfully installed/.test(m)), 'pip did not run again');
});
