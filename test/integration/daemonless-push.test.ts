// Code-only changes pushed through the registry API, against the real engine and registries:
// Docker builds the first image, a code change is then pushed without it (only the code layer
// and a config uploaded, the lower layers reused, by a cross-repository mount when the target
// is another repository), the result pulls and runs in the engine like a Docker build of the
// same code, an interrupted push registers nothing and resumes without re-sending what arrived,
// it works with Basic credentials, and with no engine at all.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type DockerClient, connectDocker } from '../../src/core/images/dockerClient';
import { followStream } from '../../src/core/images/imageBuilder';
import type { RegistryCredentials } from '../../src/core/images/registryAuth';
import { type StepImage, type StepImageRequest, ensureStepImage } from '../../src/core/images/stepImage';
import { CODE_LAYER_MAX_BYTES, depsTag } from '../../src/core/images/daemonlessPush';
import { sha256 } from '../../src/core/images/ociLayer';
import { RegistrySession } from '../../src/core/images/registryUploads';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
const run = Date.now().toString(36);
const repository = `stepops-it/daemonless-${run}`;
let docker: DockerClient;
let project: string;
let work: string;
let rows: string;

interface Sent {
  readonly method: string;
  readonly url: URL;
}

before(async () => {
  docker = await connectDocker();
  project = await mkdtemp(path.join(tmpdir(), 'stepops-daemonless-'));
  work = await mkdtemp(path.join(tmpdir(), 'stepops-daemonless-run-'));
  await cp(path.join(root, 'examples'), project, { recursive: true });
});
after(async () => {
  await rm(project, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

function ensure(overrides: Partial<StepImageRequest> = {}, sent: Sent[] = [], client = docker): Promise<StepImage> {
  return ensureStepImage(client, {
    projectRoot: project,
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: env.pythonImage,
    requirementsFile: 'requirements.txt',
    registry: env.registry,
    repository,
    onRegistryRequest: (method, url) => sent.push({ method, url }),
    ...overrides,
  });
}

async function setLearningRate(rate: string): Promise<void> {
  const trainer = path.join(project, 'churn', 'steps', 'trainer.py');
  const text = await readFile(trainer, 'utf8');
  await writeFile(trainer, text.replace(/learning_rate: float = [0-9.]+/, `learning_rate: float = ${rate}`));
}

/** Runs a step's function in the image with the work folder mounted; its output's JSON and in-image folder. */
async function runStep(image: string, job: Record<string, unknown>): Promise<{ json: string; output: string }> {
  const name = `job-${Math.random().toString(36).slice(2)}`;
  await writeFile(path.join(work, `${name}.json`), JSON.stringify({ ...job, outputs: `/stepops/work/${name}` }));
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['--job', `/stepops/work/${name}.json`],
    HostConfig: { NetworkMode: 'none', Binds: [`${work}:/stepops/work`] },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    assert.equal(StatusCode, 0, logs);
  } finally {
    await container.remove({ force: true });
  }
  return {
    json: await readFile(path.join(work, name, 'output', 'data.json'), 'utf8'),
    output: `/stepops/work/${name}/output`,
  };
}

async function train(image: string): Promise<string> {
  const model = await runStep(image, {
    module: 'churn.steps.trainer',
    function: 'train_model',
    parameters: { epochs: 50 },
    inputs: { rows },
  });
  return model.json;
}

async function pull(reference: string, credentials?: RegistryCredentials): Promise<void> {
  await docker
    .getImage(reference)
    .remove({ force: true })
    .catch(() => undefined);
  const stream = await docker.pull(reference, credentials ? { authconfig: credentials } : {});
  await followStream(docker, stream, () => undefined);
}

const uploadsStarted = (sent: readonly Sent[]) =>
  sent.filter((s) => s.method === 'POST' && /\/blobs\/uploads\/$/.test(s.url.pathname) && !s.url.search);
const mounts = (sent: readonly Sent[]) => sent.filter((s) => s.method === 'POST' && s.url.searchParams.has('mount'));
const blobPuts = (sent: readonly Sent[]) => sent.filter((s) => s.method === 'PUT' && s.url.searchParams.has('digest'));
const manifestPuts = (sent: readonly Sent[]) =>
  sent.filter((s) => s.method === 'PUT' && s.url.pathname.includes('/manifests/'));
/** The digests of the blobs HEAD asked about. */
const headedBlobs = (sent: readonly Sent[]) =>
  sent
    .filter((s) => s.method === 'HEAD' && s.url.pathname.includes('/blobs/'))
    .map((s) => s.url.pathname.split('/').pop()!);

let first: StepImage;
let codeOnly: StepImage;

test('Docker builds the first image; a code-only change is pushed without it and runs like a Docker build of the same code', async () => {
  first = await ensure();
  assert.equal(first.built, true);
  assert.equal(first.daemonless, undefined, 'the first image needs Docker');
  const loaded = await runStep(first.reference, { module: 'churn.steps.loader', function: 'load_customers' });
  assert.equal((JSON.parse(loaded.json) as unknown[]).length, 20);
  rows = loaded.output;
  const original = await train(first.reference);

  await setLearningRate('0.2');
  const sent: Sent[] = [];
  codeOnly = await ensure({}, sent);
  assert.equal(codeOnly.daemonless, true);
  assert.equal(codeOnly.pushed, true);
  assert.notEqual(codeOnly.hash, first.hash);
  assert.equal(uploadsStarted(sent).length, 2, 'only the code layer and the config are uploaded');
  assert.equal(mounts(sent).length, 0, 'the lower layers are already in this repository');
  assert.equal(headedBlobs(sent).length, 2, 'only the code layer and the config are asked about, not the lower layers');
  assert.equal(manifestPuts(sent).length, 1, 'one manifest, under the content-hash tag');

  await pull(codeOnly.reference);
  const daemonlessResult = await train(codeOnly.reference);
  assert.notEqual(daemonlessResult, original, 'the new code runs');

  // Docker, given the same code in another repository, builds the image the same hash names.
  const dockerBuilt = await ensure({ repository: `${repository}-docker`, daemonless: false });
  assert.equal(dockerBuilt.built, true);
  assert.equal(dockerBuilt.daemonless, undefined);
  assert.equal(dockerBuilt.hash, codeOnly.hash, 'Docker would have used the same tag');
  assert.equal(await train(dockerBuilt.reference), daemonlessResult, 'the same step result');

  const again = await ensure();
  assert.deepEqual(
    { built: again.built, pushed: again.pushed, reference: again.reference, digest: again.digest },
    { built: false, pushed: false, reference: codeOnly.reference, digest: codeOnly.digest },
    'the tag is found next time, as a Docker-built one would be',
  );
});

async function registryJson<T>(host: string, pathname: string): Promise<T> {
  const response = await fetch(`http://${host}/v2/${pathname}`, {
    headers: {
      Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
    },
  });
  assert.equal(response.status, 200, `GET ${pathname}`);
  return (await response.json()) as T;
}

const tagsOf = async (repo: string) =>
  new Set((await registryJson<{ tags: string[] }>(env.registry, `${repo}/tags/list`)).tags);

test('into another repository the lower layers are mounted, and the same code gives the same layers, config and manifest', async () => {
  const target = `${repository}-mounted`;
  const sent: Sent[] = [];
  const mounted = await ensure({ repository: target, mountFrom: [repository] }, sent);
  assert.equal(mounted.daemonless, true);
  assert.equal(mounted.hash, codeOnly.hash);
  const manifest = await registryJson<{ layers: { digest: string }[] }>(
    env.registry,
    `${target}/manifests/${mounted.reference.split(':').pop()}`,
  );
  assert.equal(mounts(sent).length, manifest.layers.length - 1, 'every lower layer mounted from the first repository');
  assert.equal(uploadsStarted(sent).length, 2, 'the code layer and the config uploaded, nothing else');
  assert.equal(mounted.digest, codeOnly.digest, 'a second build of the same code is byte-identical');
  await pull(mounted.reference);
});

test('an interrupted push registers nothing, and the next one sends only what had not arrived', async () => {
  // An image to build on, also when this test runs alone (after the first test, the tag is found).
  await ensure();
  const session = new RegistrySession(env.registry);
  // Interrupted twice: as the first blob's bytes go (the other blob's upload may or may not have
  // gone: the two go at once), then right before the tag is written (both blobs in).
  const cases = [
    { rate: '0.3', at: (sent: Sent[]) => blobPuts(sent).length === 1 },
    { rate: '0.35', at: (sent: Sent[]) => manifestPuts(sent).length === 1 },
  ];
  for (const { rate, at } of cases) {
    await setLearningRate(rate);
    const tagsBefore = await tagsOf(repository);
    const controller = new AbortController();
    const interrupted: Sent[] = [];
    const interrupt = (method: string, url: URL) => {
      interrupted.push({ method, url });
      if (at(interrupted)) controller.abort(new Error('interrupted by the test'));
    };
    await assert.rejects(
      ensure({ signal: controller.signal, onRegistryRequest: interrupt }),
      /interrupted by the test/,
    );
    assert.deepEqual(await tagsOf(repository), tagsBefore, 'no tag was written');
    const tried = [...new Set(headedBlobs(interrupted))];
    assert.equal(tried.length, 2, 'the code layer and the config were asked about');
    const missing = [];
    for (const digest of tried) if (!(await session.hasBlob(repository, digest))) missing.push(digest);

    const resumed: Sent[] = [];
    const image = await ensure({}, resumed);
    assert.equal(image.daemonless, true);
    const sentAgain = blobPuts(resumed).map((s) => s.url.searchParams.get('digest'));
    assert.deepEqual(sentAgain.sort(), missing.sort(), 'exactly the blobs that had not arrived are sent');
    if (manifestPuts(interrupted).length === 1) {
      assert.deepEqual(sentAgain, [], 'with both blobs in, none is sent again');
      const cancelled = resumed.filter((s) => s.method === 'DELETE' && s.url.pathname.includes('/blobs/uploads/'));
      assert.equal(cancelled.length, 2, 'the uploads started alongside the two HEADs are cancelled');
    }
    assert.ok((await tagsOf(repository)).has(image.reference.split(':').pop()!));
  }
});

test('works with Basic credentials against a registry that demands them', async () => {
  const { host, username, password } = env.authRegistry;
  const credentials: RegistryCredentials = { serveraddress: host, username, password };
  const overrides = { registry: host, repository: `stepops-it/daemonless-auth-${run}`, credentials };
  const built = await ensure(overrides);
  assert.equal(built.daemonless, undefined, 'the first image in this registry is built with Docker');
  await setLearningRate('0.4');
  const sent: Sent[] = [];
  const pushed = await ensure(overrides, sent);
  assert.equal(pushed.daemonless, true);
  assert.equal(uploadsStarted(sent).length, 2);
  await pull(pushed.reference, credentials);
  const model = JSON.parse(await train(pushed.reference)) as Record<string, number>;
  assert.equal(typeof model.bias, 'number');
});

test('with no Docker engine a code-only change still goes through; a requirements change says Docker is needed', async () => {
  const noEngine = await connectDocker({ socketPath: path.join(work, 'no-engine.sock') });
  await setLearningRate('0.5');
  const image = await ensure({}, [], noEngine);
  assert.equal(image.daemonless, true);
  const withEngine = await ensure();
  assert.deepEqual(
    { built: withEngine.built, reference: withEngine.reference },
    { built: false, reference: image.reference },
    'Docker hashes the same code to the same tag and finds it',
  );
  await pull(image.reference);
  assert.equal(await train(image.reference), await train(await dockerBuildOfTheSameCode()));

  const requirements = path.join(project, 'requirements.txt');
  const kept = await readFile(requirements, 'utf8');
  await writeFile(requirements, `${kept}\nrequests==2.31.0\n`);
  try {
    await assert.rejects(
      ensure({}, [], noEngine),
      /No Docker engine answers.*the first build and every change of requirements/s,
    );
  } finally {
    await writeFile(requirements, kept);
  }
});

async function dockerBuildOfTheSameCode(): Promise<string> {
  return (await ensure({ repository: `${repository}-docker`, daemonless: false })).reference;
}

type Intercepted =
  | 'drop'
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  /** Passed on, to another path. */
  | { readonly forward: string };

/** The registry behind a proxy that answers the requests `intercept` picks itself, and passes on the rest. */
async function proxiedRegistry(intercept: (req: http.IncomingMessage, url: URL) => Intercepted | undefined) {
  const [upstreamHost, upstreamPort] = env.registry.split(':');
  const server = http.createServer((req, res) => {
    const chosen = intercept(req, new URL(req.url!, 'http://proxy'));
    if (chosen === 'drop') return void req.socket.destroy();
    if (chosen && !('forward' in chosen)) {
      req.resume();
      return void res.writeHead(chosen.status, chosen.headers).end(chosen.body ?? '');
    }
    // The Host header goes through unchanged, so the registry's Locations point back here.
    const upstream = http.request(
      {
        host: upstreamHost,
        port: Number(upstreamPort),
        path: chosen?.forward ?? req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('a dropped connection or a 5xx during a blob is retried for that blob only', async () => {
  const failedOnce = new Set<string>();
  const once = (key: string) => !failedOnce.has(key) && Boolean(failedOnce.add(key));
  const proxy = await proxiedRegistry((req, url) => {
    if (req.method === 'HEAD' && url.pathname.includes('/blobs/') && once('first blob HEAD')) return 'drop';
    const digest = url.searchParams.get('digest');
    if (req.method === 'PUT' && digest && once(digest)) return { status: 503, body: 'injected by the test' };
    return undefined;
  });
  try {
    await setLearningRate('0.6');
    const sent: Sent[] = [];
    const image = await ensure({ registry: proxy.host }, sent);
    assert.equal(image.daemonless, true);
    const puts = blobPuts(sent).map((s) => s.url.searchParams.get('digest'));
    assert.equal(puts.length, 4, 'the code layer and the config, each sent twice');
    assert.equal(new Set(puts).size, 2);
    assert.equal(uploadsStarted(sent).length, 4, 'each retry starts a new upload');
    assert.ok(failedOnce.has('first blob HEAD'), 'a connection was dropped');
    await pull(`${env.registry}/${repository}:${image.reference.split(':').pop()}`);
  } finally {
    await proxy.close();
  }
});

test('an upload started alongside a blob question that fails is cancelled, and the failure reported', async () => {
  const proxy = await proxiedRegistry((req, url) =>
    req.method === 'HEAD' && url.pathname.includes('/blobs/') ? { status: 403, body: 'denied by the test' } : undefined,
  );
  try {
    const sent: Sent[] = [];
    const session = new RegistrySession(proxy.host, { onRequest: (method, url) => sent.push({ method, url }) });
    const bytes = Buffer.from(`a blob nobody asked for ${Date.now()}`);
    await assert.rejects(session.uploadBlobIfMissing(repository, sha256(bytes), bytes), /403/);
    const started = uploadsStarted(sent);
    assert.equal(started.length, 1, 'the upload went out with the question');
    const cancelled = sent.filter((s) => s.method === 'DELETE' && s.url.pathname.includes('/blobs/uploads/'));
    assert.equal(cancelled.length, 1, 'and was cancelled when the question failed');
    assert.equal(blobPuts(sent).length, 0, 'no bytes were sent');
  } finally {
    await proxy.close();
  }
});

test('a manifest refused for a missing lower layer (a garbage-collected registry) is explained, and Docker is tried instead', async () => {
  const proxy = await proxiedRegistry((req, url) =>
    req.method === 'PUT' && url.pathname.includes('/manifests/')
      ? {
          status: 400,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ errors: [{ code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry' }] }),
        }
      : undefined,
  );
  try {
    await setLearningRate('0.65');
    const said: string[] = [];
    const image = await ensure({ registry: proxy.host, onProgress: (p) => said.push(p.message) }).catch(
      (error: Error) => error,
    );
    assert.ok(
      said.some((m) =>
        /may lack a layer of .*garbage-collected registry\). Rebuild with Docker.*building with Docker instead/.test(m),
      ),
      said.join('\n'),
    );
    // Docker's own push then meets the same refusal: the run says so rather than succeeding.
    assert.ok(image instanceof Error, 'the refused manifest is not taken for a pushed image');
  } finally {
    await proxy.close();
  }
});

test('for the local operator the image ends up in this engine: pulled when only the registry has it, built otherwise', async () => {
  const inRegistry = await ensure();
  await docker
    .getImage(inRegistry.reference)
    .remove({ force: true })
    .catch(() => undefined);
  const reused = await ensure({ runsOnThisEngine: true });
  assert.deepEqual(
    { built: reused.built, reference: reused.reference },
    { built: false, reference: inRegistry.reference },
  );
  assert.ok(await docker.getImage(reused.reference).inspect(), 'pulled into the engine');

  await setLearningRate('0.7');
  const changed = await ensure({ runsOnThisEngine: true });
  assert.equal(changed.built, true);
  assert.equal(changed.daemonless, undefined, 'built by Docker, so the engine has it');
  assert.ok(await docker.getImage(changed.reference).inspect());
});

/**
 * A token service in front of the registry, as ECR, Artifact Registry and ACR work: every /v2/
 * request needs a Bearer token whose scopes cover its repository and action (pull to read, push
 * to write, pull on the source of a mount), got from the realm with the account's Basic login.
 */
function tokenGate(host: () => string, account: { user: string; password: string }) {
  const granted: string[][] = [];
  const intercept = (req: http.IncomingMessage, url: URL): Intercepted | undefined => {
    if (url.pathname === '/token') {
      const login = Buffer.from(`${account.user}:${account.password}`).toString('base64');
      if (req.headers.authorization !== `Basic ${login}`) return { status: 401 };
      const scopes = url.searchParams.getAll('scope');
      granted.push(scopes);
      return {
        status: 200,
        body: JSON.stringify({ token: Buffer.from(JSON.stringify(scopes)).toString('base64url') }),
      };
    }
    const repositoryOf = /^\/v2\/(.+?)\/(blobs|manifests)\//.exec(url.pathname)?.[1];
    if (!repositoryOf) return undefined;
    const needed = [`repository:${repositoryOf}:${req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push'}`];
    const from = url.searchParams.get('from');
    if (from) needed.push(`repository:${from}:pull`);
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const held = token ? (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as string[]) : [];
    const covers = (need: string) => {
      const [, name, action] = need.split(':');
      return held.some((h) => h.split(':')[1] === name && h.split(':')[2]!.split(',').includes(action!));
    };
    if (needed.every(covers)) return undefined;
    const challenge = `Bearer realm="http://${host()}/token",service="test-registry",scope="${needed[0]}"`;
    return { status: 401, headers: { 'WWW-Authenticate': challenge }, body: '{"errors":[{"code":"UNAUTHORIZED"}]}' };
  };
  return { intercept, granted };
}

test('works with Bearer tokens for the push and mount scopes, as cloud registries hand them out', async () => {
  const account = { user: 'bearer-user', password: 'bearer-test-only' };
  let host = '';
  const gate = tokenGate(() => host, account);
  const proxy = await proxiedRegistry(gate.intercept);
  host = proxy.host;
  try {
    await setLearningRate('0.8');
    const credentials: RegistryCredentials = {
      serveraddress: host,
      username: account.user,
      password: account.password,
    };
    const target = `${repository}-bearer`;
    const sent: Sent[] = [];
    const image = await ensure({ registry: host, repository: target, mountFrom: [repository], credentials }, sent);
    assert.equal(image.daemonless, true);
    assert.ok(mounts(sent).length > 0, 'mounted from the first repository');
    assert.ok(
      gate.granted.some(
        (scopes) =>
          scopes.includes(`repository:${repository}:pull`) && scopes.includes(`repository:${target}:pull,push`),
      ),
      `a token for the push and the mount's source (${JSON.stringify(gate.granted)})`,
    );
    await pull(`${env.registry}/${target}:${image.reference.split(':').pop()}`);
  } finally {
    await proxy.close();
  }
});

test('an earlier image in OCI media types gives an OCI image, which runs like the Docker build', async () => {
  // The first image re-described in OCI types (the same blobs) under its deps tag in another repository.
  type Manifest = { config: { digest: string; size: number }; layers: { digest: string; size: number }[] };
  const source = await registryJson<Manifest>(
    env.registry,
    `${repository}/manifests/${first.reference.split(':').pop()}`,
  );
  const config = await registryJson<{ config: { Labels: Record<string, string> } }>(
    env.registry,
    `${repository}/blobs/${source.config.digest}`,
  );
  const target = `${repository}-oci`;
  const session = new RegistrySession(env.registry);
  for (const blob of [source.config, ...source.layers])
    assert.ok(await session.mountBlob(target, blob.digest, repository));
  const ociManifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { ...source.config, mediaType: 'application/vnd.oci.image.config.v1+json' },
    layers: source.layers.map((l) => ({ ...l, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })),
  };
  await session.putManifest(target, depsTag(config.config.Labels['stepops.deps-key']!), {
    mediaType: ociManifest.mediaType,
    bytes: Buffer.from(JSON.stringify(ociManifest)),
  });

  await setLearningRate('0.9');
  const image = await ensure({ repository: target });
  assert.equal(image.daemonless, true);
  const pushed = await registryJson<{
    mediaType: string;
    config: { mediaType: string };
    layers: { mediaType: string }[];
  }>(env.registry, `${target}/manifests/${image.reference.split(':').pop()}`);
  assert.equal(pushed.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(pushed.config.mediaType, 'application/vnd.oci.image.config.v1+json');
  assert.deepEqual(
    new Set(pushed.layers.map((l) => l.mediaType)),
    new Set(['application/vnd.oci.image.layer.v1.tar+gzip']),
  );
  await pull(image.reference);
  assert.equal(await train(image.reference), await train(await dockerBuildOfTheSameCode()));
});

test('a registry that will not mount gets the lower layers copied over from the other repository', async () => {
  // The proxy passes a mount on as a plain upload start: the registry answers 202, as one that refuses mounts does.
  const proxy = await proxiedRegistry((req, url) =>
    req.method === 'POST' && url.searchParams.has('mount') ? { forward: url.pathname } : undefined,
  );
  try {
    await setLearningRate('1.0');
    const target = `${repository}-copied`;
    const sent: Sent[] = [];
    const progress: string[] = [];
    const image = await ensure(
      {
        registry: proxy.host,
        repository: target,
        mountFrom: [repository],
        onProgress: (p) => progress.push(p.message),
      },
      sent,
    );
    assert.equal(image.daemonless, true);
    const lower = mounts(sent).length;
    assert.ok(lower >= 2, 'each lower layer was offered for a mount');
    const readFromSource = sent.filter(
      (s) => s.method === 'GET' && s.url.pathname.startsWith(`/v2/${repository}/blobs/`),
    );
    assert.ok(readFromSource.length >= lower, 'and then read from the source repository');
    assert.equal(uploadsStarted(sent).length, lower + 2, 'uploaded: the lower layers, the code layer and the config');
    assert.ok(
      progress.some((m) => m.includes(`${lower} copied`)),
      progress.join('\n'),
    );
    await pull(`${env.registry}/${target}:${image.reference.split(':').pop()}`);
  } finally {
    await proxy.close();
  }
});

test('code over what a push without Docker makes in memory (data kept in the project) is built by Docker, which says why', async () => {
  const large = await mkdtemp(path.join(tmpdir(), 'stepops-large-code-'));
  const request = {
    projectRoot: large,
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: env.pythonImage,
    registry: env.registry,
    repository: `stepops-it/large-code-${run}`,
  };
  const images: string[] = [];
  try {
    await writeFile(path.join(large, 'step.py'), 'print(1)\n');
    // Sparse: a file of that size costs no disk, and zeros compress to little in the registry.
    await writeFile(path.join(large, 'weights.bin'), '');
    await truncate(path.join(large, 'weights.bin'), CODE_LAYER_MAX_BYTES + 1);
    const first = await ensureStepImage(docker, request);
    images.push(first.reference);
    assert.equal(first.built, true);
    await writeFile(path.join(large, 'step.py'), 'print(2)\n');
    const progress: string[] = [];
    const second = await ensureStepImage(docker, { ...request, onProgress: (p) => progress.push(p.message) });
    images.push(second.reference);
    assert.equal(second.built, true);
    assert.notEqual(second.daemonless, true, 'built by Docker');
    assert.ok(
      progress.some((m) =>
        /come to 256 MiB, more than the 256 MiB a push without Docker makes in memory: building with Docker instead/.test(
          m,
        ),
      ),
      `the progress says why: ${JSON.stringify(progress.slice(0, 5))}`,
    );
  } finally {
    for (const image of images)
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => {});
    await rm(large, { recursive: true, force: true });
  }
});
