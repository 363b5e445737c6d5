// The step image path against the real engine and registry: build once per content hash, push
// only the code layer after a code-only change, reuse when nothing changed, and run the example
// steps in the pushed image with the real runtime.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assembleBuildContext } from '../../src/core/images/buildContext';
import { contextTar } from '../../src/core/images/contextTar';
import { type DockerClient, connectDocker } from '../../src/core/images/dockerClient';
import { buildImage } from '../../src/core/images/imageBuilder';
import type { ImageProgress } from '../../src/core/images/progress';
import { pushImage } from '../../src/core/images/imagePusher';
import { type StepImage, ensureStepImage } from '../../src/core/images/stepImage';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
let docker: DockerClient;
let project: string;
const repository = `stepops-it/churn-${Date.now().toString(36)}`;

before(async () => {
  docker = await connectDocker();
  project = await mkdtemp(path.join(tmpdir(), 'stepops-project-'));
  await cp(path.join(root, 'examples'), project, { recursive: true });
});
after(() => rm(project, { recursive: true, force: true }));

async function ensure(
  progress: (ImageProgress | { phase: string; message: string })[] = [],
  daemonless = true,
): Promise<StepImage> {
  return ensureStepImage(docker, {
    projectRoot: project,
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: env.pythonImage,
    requirementsFile: 'requirements.txt',
    registry: env.registry,
    repository,
    daemonless,
    onProgress: (p) => progress.push(p),
  });
}

/** Runs the runtime in the image on a job, with a host folder mounted for the job and artifacts. */
async function runStep(
  image: string,
  job: Record<string, unknown>,
  work: string,
): Promise<{ code: number; logs: string }> {
  await writeFile(path.join(work, 'job.json'), JSON.stringify(job));
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['--job', '/stepops/work/job.json'],
    HostConfig: { NetworkMode: 'none', Binds: [`${work}:/stepops/work`] },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    return { code: StatusCode, logs };
  } finally {
    await container.remove({ force: true });
  }
}

let first: StepImage;

test('builds and pushes the example project once; an unchanged project builds nothing', async () => {
  const progress: { phase: string; message: string }[] = [];
  first = await ensure(progress);
  assert.equal(first.built, true);
  assert.equal(first.pushed, true);
  assert.match(first.reference, new RegExp(`^${env.registry}/${repository}:[0-9a-f]{20}$`));
  assert.ok(
    !progress.some((p) => /pip install/.test(p.message)),
    'requirements.txt lists nothing, so pip must not run',
  );

  const again: { phase: string; message: string }[] = [];
  const second = await ensure(again);
  assert.match(first.digest ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(
    { ...second },
    { reference: first.reference, hash: first.hash, built: false, pushed: false, digest: first.digest },
    'found in the registry, with the digest cloud jobs are pinned by',
  );
  assert.ok(again.some((p) => p.phase === 'reuse' && /already in the registry/.test(p.message)));
});

test('runs the example steps in the pushed image, passing artifacts between them', async () => {
  const work = await mkdtemp(path.join(tmpdir(), 'stepops-run-'));
  try {
    await mkdir(path.join(work, 'artifacts'));
    const load = await runStep(
      first.reference,
      { module: 'churn.steps.loader', function: 'load_customers', outputs: '/stepops/work/artifacts/load' },
      work,
    );
    assert.equal(load.code, 0, load.logs);
    assert.match(load.logs, /loaded 20 customers/);
    const train = await runStep(
      first.reference,
      {
        module: 'churn.steps.trainer',
        function: 'train_model',
        parameters: { epochs: 50 },
        inputs: { rows: '/stepops/work/artifacts/load/output' },
        outputs: '/stepops/work/artifacts/train',
      },
      work,
    );
    assert.equal(train.code, 0, train.logs);
    assert.match(train.logs, /epoch {3}49 {2}loss \d\.\d{4}/);
    assert.match(train.logs, /STEPOPS_STATUS \{.*"status": "succeeded"/);
    const model = JSON.parse(
      await readFile(path.join(work, 'artifacts', 'train', 'output', 'data.json'), 'utf8'),
    ) as Record<string, number>;
    assert.equal(typeof model.bias, 'number');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('a code-only change built with Docker pushes only the code layer', async () => {
  const trainer = path.join(project, 'churn', 'steps', 'trainer.py');
  // A change no earlier run made, so that the code layer is new to the registry.
  await writeFile(trainer, `${await readFile(trainer, 'utf8')}\n# tuned ${Date.now()}\n`);
  const progress: (ImageProgress | { phase: string; message: string })[] = [];
  // Through Docker here; daemonless-push.test.ts covers the default, the registry API alone.
  const changed = await ensure(progress, false);
  assert.equal(changed.built, true);
  assert.notEqual(changed.hash, first.hash);
  const pushEvents = progress.filter((p): p is ImageProgress => p.phase === 'push' && 'layer' in p && Boolean(p.layer));
  const pushedLayers = new Set(pushEvents.filter((p) => p.message === 'Pushed').map((p) => p.layer));
  // Layers the registry has (in this repository, or mounted from another) are not uploaded.
  const existingLayers = new Set(
    pushEvents
      .filter((p) => p.message === 'Layer already exists' || p.message.startsWith('Mounted from'))
      .map((p) => p.layer),
  );
  assert.equal(pushedLayers.size, 1, `only the code layer is pushed; pushed ${[...pushedLayers].join(', ')}`);
  assert.ok(existingLayers.size >= 2, `the base and runtime layers are already there (${existingLayers.size})`);
});

test('a base image the engine lacks is pulled before hashing, so the second run reuses the first', async () => {
  // The local Python image, pushed to the registry and removed from the engine: a base image the
  // user has never pulled.
  const base = `${env.registry}/stepops-it/base-${Date.now().toString(36)}:1`;
  const [repo, tag] = [base.slice(0, base.lastIndexOf(':')), base.slice(base.lastIndexOf(':') + 1)];
  await docker.getImage(env.pythonImage).tag({ repo, tag });
  await pushImage(docker, { reference: base });
  await docker.getImage(base).remove();
  const project2 = await mkdtemp(path.join(tmpdir(), 'stepops-pull-'));
  await cp(path.join(root, 'examples'), project2, { recursive: true });
  const progress: { phase: string; message: string }[] = [];
  const repository = `stepops-it/pulled-${Date.now().toString(36)}`;
  const ensureOn = () =>
    ensureStepImage(docker, {
      projectRoot: project2,
      runtimeRoot: path.join(root, 'runtime'),
      baseImage: base,
      registry: env.registry,
      repository,
      onProgress: (p) => progress.push(p),
    });
  try {
    const first = await ensureOn();
    assert.ok(
      progress.some((p) => p.message === `Pulling the base image ${base}`),
      'the base image was pulled',
    );
    assert.equal(first.built, true);
    const second = await ensureOn();
    assert.equal(second.reference, first.reference, 'the same content hashes the same once the base is local');
    assert.equal(second.built, false);
  } finally {
    await rm(project2, { recursive: true, force: true });
  }
});

test('a file changed after it was hashed ends the Docker build it streams into with what to do, and tags nothing', async () => {
  const project3 = await mkdtemp(path.join(tmpdir(), 'stepops-changed-'));
  const tag = `stepops-it/changed:${Date.now().toString(36)}`;
  try {
    await writeFile(path.join(project3, 'step.py'), 'print("hello")\n');
    const data = path.join(project3, 'weights.bin');
    await writeFile(data, Buffer.alloc(8 * 1024 * 1024, 1));
    // Settled (over a second old), so the second context keeps its digest and reads it at the build.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const inputs = { projectRoot: project3, runtimeRoot: path.join(root, 'runtime'), baseImage: env.pythonImage };
    await assembleBuildContext(inputs);
    const context = await assembleBuildContext(inputs);
    await writeFile(data, Buffer.alloc(8 * 1024 * 1024, 2));
    await assert.rejects(
      buildImage(docker, { context: { tar: await contextTar(context) }, tag }),
      /weights\.bin changed while its step's image was being made: run the step again/,
    );
    await assert.rejects(docker.getImage(tag).inspect(), /no such image/i, 'nothing was tagged');
    // Unchanged, the same streamed context builds.
    const again = await assembleBuildContext(inputs);
    const built = await buildImage(docker, { context: { tar: await contextTar(again) }, tag });
    assert.match(built.imageId, /^sha256:/);
  } finally {
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => {});
    await rm(project3, { recursive: true, force: true });
  }
});
