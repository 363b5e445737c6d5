// "Test connection" for a Vertex AI step operator through the official client, pointed at the
// strict local fake by the operator's own api_endpoint field, with service account keys made for
// the test (the fake verifies the JWTs signed with them).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { testConnection } from '../../src/core/stacks/connectionTest';
import { vertexEndpoint } from '../../src/core/clouds/gcp/vertex/vertexClient';
import { type FakeVertex, startFakeVertex } from '../fakes/gcp/fakeVertex';
import { makeServiceAccount } from '../fakes/googleServiceAccounts';

const PROJECT = 'stepops-test-project';
const runner = makeServiceAccount('runner', PROJECT);
const outsider = makeServiceAccount('outsider', PROJECT);
const impostor = { ...makeServiceAccount('runner', PROJECT), keyId: runner.keyId }; // right name, wrong key
let fake: FakeVertex;
let folder: string;
const keyPath: Record<string, string> = {};
const saved = { ...process.env };

before(async () => {
  fake = await startFakeVertex(
    'europe-west4',
    [
      {
        id: PROJECT,
        apiEnabled: true,
        grants: { [runner.email]: ['aiplatform.customJobs.list'], [outsider.email]: [] },
      },
      { id: 'stepops-api-off', apiEnabled: false, grants: { [runner.email]: ['aiplatform.customJobs.list'] } },
    ],
    [runner, outsider],
  );
  folder = await mkdtemp(path.join(tmpdir(), 'stepops-vertex-'));
  for (const [name, account] of Object.entries({ runner, outsider, impostor })) {
    keyPath[name] = path.join(folder, `${name}.json`);
    await writeFile(keyPath[name]!, JSON.stringify({ ...account.keyFile, private_key_id: account.keyId }));
  }
});
after(async () => {
  await fake.close();
  await rm(folder, { recursive: true, force: true });
  process.env = saved;
});
beforeEach(() => {
  // No ambient Google credentials: no gcloud login in HOME, no metadata server probe.
  process.env = { ...saved, HOME: folder, METADATA_SERVER_DETECTION: 'none' };
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  delete process.env.GOOGLE_CLOUD_PROJECT;
  delete process.env.CLOUDSDK_CONFIG;
});

const operator = (config: Record<string, unknown>) => ({
  name: 'vx',
  type: 'step_operator' as const,
  flavor: 'vertex',
  config: { project: PROJECT, region: 'europe-west4', api_endpoint: fake.endpoint, ...config },
});
const noSecret = async () => undefined;

test('lists one custom job with a service account key file', async () => {
  const result = await testConnection(operator({ service_account_path: keyPath.runner }), noSecret);
  assert.deepEqual(result, {
    ok: true,
    message: `Vertex AI answers in europe-west4 and the credentials may list custom jobs of ${PROJECT}.`,
  });
  const request = fake.requests.at(-1)!;
  assert.equal(request.method, 'GET');
  assert.equal(request.path, `/v1/projects/${PROJECT}/locations/europe-west4/customJobs`);
  assert.equal(request.query.pageSize, '1');
});

test('uses Application Default Credentials when the operator names no key file', async () => {
  process.env.GOOGLE_APPLICATION_CREDENTIALS = keyPath.runner;
  assert.equal((await testConnection(operator({}), noSecret)).ok, true);
});

test('says precisely what is wrong: no credentials, bad key, no permission, API off, wrong region, missing file', async () => {
  const message = async (config: Record<string, unknown>) => (await testConnection(operator(config), noSecret)).message;
  assert.match(await message({}), /^No Google Cloud credentials found/);
  assert.match(
    await message({ service_account_path: keyPath.impostor }),
    /^Google Cloud rejected the credentials .*invalid JWT signature/,
  );
  assert.match(
    await message({ service_account_path: keyPath.outsider }),
    /^Permission denied: the identity may not list custom jobs in stepops-test-project\/europe-west4 .*aiplatform\.customJobs\.list/,
  );
  assert.match(
    await message({ service_account_path: keyPath.runner, project: 'stepops-nowhere' }),
    /^Permission denied: .*or the project does not exist/,
  );
  assert.match(
    await message({ service_account_path: keyPath.runner, project: 'stepops-api-off' }),
    /^The Vertex AI API is not enabled in project stepops-api-off/,
  );
  assert.match(
    await message({ service_account_path: keyPath.runner, region: 'us-central1' }),
    /^Vertex AI rejected projects\/stepops-test-project\/locations\/us-central1: check the project ID and the region/,
  );
  assert.match(
    await message({ service_account_path: path.join(folder, 'missing.json') }),
    /^The service account key file cannot be read/,
  );
});

test("the endpoint is the region's own unless api_endpoint overrides it", () => {
  assert.deepEqual(vertexEndpoint('us-central1'), {
    host: 'us-central1-aiplatform.googleapis.com',
    port: 443,
    protocol: 'https',
  });
  assert.deepEqual(vertexEndpoint('us-central1', 'vertex.example.internal'), {
    host: 'vertex.example.internal',
    port: 443,
    protocol: 'https',
  });
  assert.deepEqual(vertexEndpoint('us-central1', 'http://127.0.0.1:9000'), {
    host: '127.0.0.1',
    port: 9000,
    protocol: 'http',
  });
  assert.throws(() => vertexEndpoint('us-central1', 'ftp://x'), /must be an https:\/\//);
});

test('an endpoint that never answers gets an answer within the deadline', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((socket) => sockets.push(socket)); // accepts connections, never replies
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as net.AddressInfo).port;
  try {
    const started = Date.now();
    const result = await testConnection(
      operator({ service_account_path: keyPath.runner, api_endpoint: `http://127.0.0.1:${port}` }),
      noSecret,
      200,
    );
    assert.deepEqual(result, {
      ok: false,
      message: 'No answer within 1.2 s: check the network, the endpoint and any proxy settings.',
    });
    assert.ok(Date.now() - started < 5000, 'the deadline, not the SDK, ended the test');
  } finally {
    // Hang up on the client, whose own call is still waiting, so nothing outlives the test.
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});
