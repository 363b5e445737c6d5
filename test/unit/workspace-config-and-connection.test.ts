import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pingRegistry, testConnection } from '../../src/core/stacks/connectionTest';
import { SAGEMAKER } from '../../src/core/clouds/aws/flavors';
import { formatFieldValue, parseFieldInput } from '../../src/core/stacks/flavors/fieldSpec';
import { readWorkspaceConfig, writeActiveStack } from '../../src/core/stacks/workspaceConfig';

let dir: string;
let registry: http.Server;
let registryHost: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stepops-ws-'));
  // A registry stand-in that speaks just the version check, with Basic auth for user "ci".
  registry = http.createServer((req, res) => {
    const expected = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;
    if (req.url !== '/v2/') res.statusCode = 404;
    else if (req.headers.authorization === expected) res.statusCode = 200;
    else {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', 'Basic realm="registry"');
    }
    res.end('{}');
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryHost = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
});
after(async () => {
  registry.close();
  await rm(dir, { recursive: true, force: true });
});

test('the active stack is written to .stepops/config.yaml, keeping comments and other keys', async () => {
  assert.deepEqual(await readWorkspaceConfig(dir), { diagnostics: [] });
  await writeActiveStack(dir, 'gpu');
  assert.equal((await readWorkspaceConfig(dir)).activeStack, 'gpu');
  const file = path.join(dir, '.stepops', 'config.yaml');
  await writeFile(file, '# team settings\nactive_stack: gpu # shared\nowner: ml-team\n');
  await writeActiveStack(dir, 'cpu');
  assert.equal(await readFile(file, 'utf8'), '# team settings\nactive_stack: cpu # shared\nowner: ml-team\n');
});

test('a malformed workspace config is reported and never overwritten', async () => {
  const file = path.join(dir, '.stepops', 'config.yaml');
  await writeFile(file, 'active_stack: [oops\n');
  const config = await readWorkspaceConfig(dir);
  assert.equal(config.activeStack, undefined);
  assert.equal(config.diagnostics[0]?.severity, 'error');
  await assert.rejects(writeActiveStack(dir, 'x'), /syntax errors; fix them first/);
  assert.equal(await readFile(file, 'utf8'), 'active_stack: [oops\n');
});

test('registry ping: anonymous 401, wrong and right credentials, unreachable', async () => {
  assert.match((await pingRegistry(registryHost, undefined, undefined, 2000)).message, /needs credentials \(401\)/);
  const wrong = await pingRegistry(registryHost, 'ci', 'nope', 2000);
  assert.equal(wrong.ok, false);
  assert.match(wrong.message, /rejected the credentials of "ci"/);
  const right = await pingRegistry(`${registryHost}/team`, 'ci', 's3cret', 2000);
  assert.deepEqual(right, {
    ok: true,
    message: `${registryHost} answers the registry API and accepts ci's credentials.`,
  });
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const down = await pingRegistry(`127.0.0.1:${closedPort}`, undefined, undefined, 2000);
  assert.equal(
    down.message,
    `Cannot reach 127.0.0.1:${closedPort} (ECONNREFUSED); is the registry address right and the registry running?`,
  );
});

test('registry ping: a registry that answers Basic credentials with a token challenge (as Docker Hub does)', async () => {
  const basic = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;
  const tokenRegistry = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/token') {
      // The token service takes the Basic credentials; a login asks for no scope.
      const ok =
        req.headers.authorization === basic &&
        url.searchParams.get('service') === 'reg' &&
        !url.searchParams.has('scope');
      res.statusCode = ok ? 200 : 401;
      res.end(ok ? JSON.stringify({ token: 'tok' }) : '{}');
      return;
    }
    res.statusCode = req.headers.authorization === 'Bearer tok' ? 200 : 401;
    if (res.statusCode === 401)
      res.setHeader('WWW-Authenticate', `Bearer realm="http://${req.headers.host}/token",service="reg"`);
    res.end('{}');
  });
  await new Promise<void>((resolve) => tokenRegistry.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(tokenRegistry.address() as AddressInfo).port}`;
  try {
    assert.equal((await pingRegistry(host, 'ci', 's3cret', 2000)).ok, true);
    assert.match((await pingRegistry(host, 'ci', 'nope', 2000)).message, /rejected the credentials of "ci" \(401\)/);
  } finally {
    tokenRegistry.close();
  }
});

test('connection tests by flavor use the stored secret, and say when a flavor has none yet', async () => {
  const lookups: string[] = [];
  const result = await testConnection(
    { name: 'reg', type: 'container_registry', flavor: 'default', config: { uri: registryHost, username: 'ci' } },
    async (field) => {
      lookups.push(field);
      return 's3cret';
    },
  );
  assert.equal(result.ok, true);
  assert.deepEqual(lookups, ['password']);
  const folder = path.join(dir, 'artifacts');
  assert.equal(
    (
      await testConnection(
        { name: 'l', type: 'artifact_store', flavor: 'local', config: { path: folder } },
        async () => undefined,
      )
    ).ok,
    true,
  );
  // A folder under a regular file cannot be created, even by root (CI runs as root).
  const blocker = path.join(dir, 'not-a-folder');
  await writeFile(blocker, '');
  const unwritable = await testConnection(
    { name: 'l', type: 'artifact_store', flavor: 'local', config: { path: path.join(blocker, 'store') } },
    async () => undefined,
  );
  assert.equal(unwritable.ok, false);
  assert.match(unwritable.message, /^Cannot write to .*not-a-folder\/store: ENOTDIR/);
  const cloud = await testConnection(
    { name: 'k8s', type: 'step_operator', flavor: 'kubernetes', config: {} },
    async () => undefined,
  );
  assert.equal(cloud.unsupported, true);
  assert.equal(cloud.message, 'stepops has no connection test for the "kubernetes" flavor.');
});

test('form text becomes typed values and back', () => {
  const field = (name: string) => SAGEMAKER.fields.find((f) => f.name === name)!;
  assert.deepEqual(parseFieldInput(field('instance_count'), ' 2 '), { value: 2 });
  assert.deepEqual(parseFieldInput(field('instance_count'), 'two'), { error: 'Instance count must be a number' });
  assert.deepEqual(parseFieldInput(field('environment'), 'A=1, B = two=2'), { value: { A: '1', B: 'two=2' } });
  assert.match(parseFieldInput(field('environment'), 'novalue').error!, /"novalue" is not KEY=VALUE/);
  assert.deepEqual(parseFieldInput(field('estimator_args'), '{"max_wait": 7200}'), { value: { max_wait: 7200 } });
  assert.match(parseFieldInput(field('estimator_args'), '[1]').error!, /must be a JSON object/);
  assert.deepEqual(parseFieldInput(field('role'), '   '), {});
  assert.equal(formatFieldValue(field('environment'), { A: '1', B: '2' }), 'A=1, B=2');
  assert.equal(formatFieldValue(field('estimator_args'), { x: true }), '{"x":true}');
});
