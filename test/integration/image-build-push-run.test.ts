// Builds an image with dockerode against the real engine, pushes it to the real loopback
// registry, deletes the local copy, pulls it back from the registry and runs it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type DockerClient, connectDocker } from '../../src/core/images/dockerClient';
import { buildImage, followStream } from '../../src/core/images/imageBuilder';
import { pushImage } from '../../src/core/images/imagePusher';
import { pingRegistry } from '../../src/core/stacks/connectionTest';
import type { ImageProgress } from '../../src/core/images/progress';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
let docker: DockerClient;
let contextDir: string;
const nonce = randomUUID().slice(0, 8);
const reference = `${env.registry}/stepops-it/hello:${nonce}`;

before(async () => {
  docker = await connectDocker();
  contextDir = await mkdtemp(path.join(tmpdir(), 'stepops-it-'));
  await writeFile(
    path.join(contextDir, 'Dockerfile'),
    `FROM ${env.pythonImage}\nCOPY app /app\nCMD ["python3", "/app/hello.py"]\n`,
  );
  await mkdir(path.join(contextDir, 'app'));
  await writeFile(
    path.join(contextDir, 'app', 'hello.py'),
    `import json, sys\nprint(json.dumps({"nonce": "${nonce}", "python": sys.version_info[:2]}))\n`,
  );
});

after(async () => {
  await rm(contextDir, { recursive: true, force: true });
  await docker
    .getImage(reference)
    .remove({ force: true })
    .catch(() => undefined);
});

test('builds, pushes, pulls back and runs an image', async () => {
  const progress: ImageProgress[] = [];
  const built = await buildImage(docker, {
    context: { dir: contextDir },
    tag: reference,
    onProgress: (p) => progress.push(p),
  });
  assert.match(built.imageId, /^sha256:[0-9a-f]{64}$/);
  assert.ok(
    progress.some((p) => p.phase === 'build' && /COPY app \/app/.test(p.message)),
    'build progress shows the Dockerfile steps',
  );

  const pushProgress: ImageProgress[] = [];
  const pushed = await pushImage(docker, { reference, onProgress: (p) => pushProgress.push(p) });
  assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
  assert.ok(
    pushProgress.some((p) => p.phase === 'push' && p.layer),
    'push progress names layers',
  );

  // The registry itself must serve the manifest under the tag, with the digest the engine reported.
  const manifest = await fetch(`http://${env.registry}/v2/stepops-it/hello/manifests/${nonce}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  assert.equal(manifest.status, 200);
  assert.equal(manifest.headers.get('docker-content-digest'), pushed.digest);

  // Run what the registry holds, not the local build.
  await docker.getImage(reference).remove({ force: true });
  await followStream(docker, await docker.pull(reference), () => undefined);

  const container = await docker.createContainer({ Image: reference, HostConfig: { NetworkMode: 'none' } });
  try {
    await container.start();
    const exit = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    assert.equal(exit.StatusCode, 0, `container exited ${exit.StatusCode}; logs:\n${logs}`);
    assert.match(logs, new RegExp(`"nonce": "${nonce}"`));
    assert.match(logs, /"python": \[3, 11\]/);
  } finally {
    await container.remove({ force: true });
  }
});

test('a failing build step rejects with the engine message', async () => {
  const failingDir = await mkdtemp(path.join(tmpdir(), 'stepops-it-fail-'));
  try {
    await writeFile(path.join(failingDir, 'Dockerfile'), `FROM ${env.busyboxImage}\nRUN exit 3\n`);
    await assert.rejects(
      buildImage(docker, { context: { dir: failingDir }, tag: `${env.registry}/stepops-it/failing:${nonce}` }),
      /returned a non-zero code: 3/,
    );
  } finally {
    await rm(failingDir, { recursive: true, force: true });
  }
});

test('pushing to a registry that is not there fails clearly', async () => {
  const unreachable = `127.0.0.1:9/stepops-it/hello:${nonce}`;
  await docker.getImage(env.busyboxImage).tag({ repo: '127.0.0.1:9/stepops-it/hello', tag: nonce });
  try {
    await assert.rejects(pushImage(docker, { reference: unreachable }), /connection refused|connect/i);
  } finally {
    await docker
      .getImage(unreachable)
      .remove({ force: true })
      .catch(() => undefined);
  }
});

test('the registry connection test answers ok against the real registry', async () => {
  assert.deepEqual(await pingRegistry(`${env.registry}/stepops-it`, undefined, undefined, 5000), {
    ok: true,
    message: `${env.registry} answers the registry API.`,
  });
});
