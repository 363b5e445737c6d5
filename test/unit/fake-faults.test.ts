// Fault injection on the fakes (test/fakes/faults.ts through loopbackServer.ts): the real AWS SDK
// rides out a count of throttles and a dropped connection with its own retries; a rate fires on
// exactly that fraction of requests; each fake answers in its cloud's own throttling shape; rules
// come from STEPOPS_FAULTS at start and from /__faults, and DELETE resets them.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { ListTrainingJobsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { testConnection } from '../../src/core/stacks/connectionTest';
import { type FakeAzure, startFakeAzure } from '../fakes/azure/fakeAzure';
import { startFakeAcr } from '../fakes/fakeCloudRegistries';
import { type FakeSageMaker, startFakeSageMaker } from '../fakes/fakeSageMaker';
import { startFakeS3 } from '../fakes/fakeS3';
import { startFakeVertex } from '../fakes/gcp/fakeVertex';
import { makeTestCertificate } from '../fakes/selfSignedCert';

// Test-only identity of the fakes; it exists nowhere else.
const KEY = { accessKeyId: 'AKIDSTEPOPSFAULTS', secretAccessKey: 'faults-secret' };
let sagemaker: FakeSageMaker;
const saved = { ...process.env };

before(async () => {
  sagemaker = await startFakeSageMaker('eu-west-1', [{ ...KEY, allowed: ['sagemaker:ListTrainingJobs'] }]);
});
afterEach(async () => {
  await fetch(`${sagemaker.endpoint}/__faults`, { method: 'DELETE' });
  process.env = { ...saved };
});
after(async () => {
  await sagemaker.close();
});

const client = (maxAttempts: number) =>
  new SageMakerClient({ region: 'eu-west-1', endpoint: sagemaker.endpoint, credentials: KEY, maxAttempts });

async function addFaults(endpoint: string, rules: unknown): Promise<void> {
  const response = await fetch(`${endpoint}/__faults`, { method: 'POST', body: JSON.stringify(rules) });
  assert.equal(response.status, 201, await response.text());
}

async function faultsOf(endpoint: string): Promise<{ seen: number; injected: number; count?: number }[]> {
  return ((await (await fetch(`${endpoint}/__faults`)).json()) as { faults: [] }).faults;
}

test('a count of throttles: the SDK backs off, retries and succeeds, and the spent rule retires', async () => {
  await addFaults(sagemaker.endpoint, { operation: 'ListTrainingJobs', kind: 'throttle', count: 2 });
  const before = sagemaker.requests.length;
  const answer = await client(3).send(new ListTrainingJobsCommand({ MaxResults: 1 }));
  assert.deepEqual(answer.TrainingJobSummaries, []);
  assert.equal(answer.$metadata.attempts, 3, 'two throttled attempts, then the one that got through');
  assert.equal(sagemaker.requests.length - before, 1, 'throttled requests never reach the fake');
  assert.deepEqual(await faultsOf(sagemaker.endpoint), []);
});

test("a throttle is AWS's ThrottlingException: an SDK without retries reports it as such", async () => {
  await addFaults(sagemaker.endpoint, { operation: 'ListTrainingJobs', kind: 'throttle', count: 1 });
  await assert.rejects(client(1).send(new ListTrainingJobsCommand({})), (error: Error & { $metadata: object }) => {
    assert.equal(error.name, 'ThrottlingException');
    assert.equal((error.$metadata as { httpStatusCode: number }).httpStatusCode, 400);
    return true;
  });
});

test('a dropped connection is retried by the SDK', async () => {
  await addFaults(sagemaker.endpoint, { kind: 'drop', count: 1 });
  const answer = await client(2).send(new ListTrainingJobsCommand({ MaxResults: 1 }));
  assert.equal(answer.$metadata.attempts, 2);
});

test('a rate fires on exactly that fraction of matching requests, the first of each 1/rate', async () => {
  await addFaults(sagemaker.endpoint, [
    { operation: 'DescribeTrainingJob', kind: 'drop' }, // matches nothing here
    { operation: 'ListTrainingJobs', kind: 'error', status: 503, rate: 0.5 },
  ]);
  const outcomes: string[] = [];
  for (let i = 0; i < 6; i++) {
    outcomes.push(
      await client(1)
        .send(new ListTrainingJobsCommand({}))
        .then(
          () => 'ok',
          (error: Error) => error.name,
        ),
    );
  }
  assert.deepEqual(outcomes, ['ServiceUnavailable', 'ok', 'ServiceUnavailable', 'ok', 'ServiceUnavailable', 'ok']);
  const [unused, rate] = await faultsOf(sagemaker.endpoint);
  assert.deepEqual([unused?.seen, rate?.seen, rate?.injected], [0, 6, 3]);
});

test('a slow answer arrives after its delay, intact', async () => {
  await addFaults(sagemaker.endpoint, { operation: 'ListTrainingJobs', kind: 'delay', delayMs: 400, count: 1 });
  const started = Date.now();
  const answer = await client(1).send(new ListTrainingJobsCommand({ MaxResults: 1 }));
  assert.ok(Date.now() - started >= 400, `answered after ${Date.now() - started} ms`);
  assert.deepEqual(answer.TrainingJobSummaries, []);
});

test('STEPOPS_FAULTS installs rules at start; S3 slows down in its own shape; DELETE resets', async () => {
  process.env.STEPOPS_FAULTS = JSON.stringify([{ service: 's3', operation: 'PutObject', kind: 'throttle', count: 2 }]);
  const writer = { ...KEY, allowed: { artifacts: ['s3:PutObject', 's3:DeleteObject'] } };
  const s3 = await startFakeS3({ artifacts: { region: 'eu-west-1' } }, [writer]);
  try {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const store = { name: 's3', type: 'artifact_store' as const, flavor: 's3', config: { path: 's3://artifacts/x' } };
    // The check tries twice: both attempts meet the two throttles, the next check meets none.
    const throttled = await testConnection(store, async () => undefined);
    assert.equal(throttled.ok, false);
    assert.match(throttled.message, /SlowDown|reduce your request rate/);
    assert.deepEqual(await testConnection(store, async () => undefined), {
      ok: true,
      message: 's3://artifacts/x is writable.',
    });
    await addFaults(s3.endpoint, { service: 's3', kind: 'error' });
    assert.equal((await testConnection(store, async () => undefined)).ok, false);
    assert.equal((await fetch(`${s3.endpoint}/__faults`, { method: 'DELETE' })).status, 204);
    assert.equal((await testConnection(store, async () => undefined)).ok, true);
  } finally {
    await s3.close();
  }
});

test('Google, Azure and the registries throttle in their own shapes', async () => {
  const vertex = await startFakeVertex('europe-west4', [], []);
  const acr = await startFakeAcr({
    host: 'stepopsfaults.azurecr.io',
    tenantId: 't',
    members: [],
    claimsOf: () => undefined,
    resourceManager: 'https://management.invalid',
  });
  const folder = await mkdtemp(path.join(tmpdir(), 'stepops-faults-'));
  const certificate = await makeTestCertificate(folder);
  let azure: FakeAzure | undefined;
  try {
    azure = await startFakeAzure(certificate, [], []);
    for (const endpoint of [vertex.endpoint, acr.baseUrl]) await addFaults(endpoint, { kind: 'throttle', count: 1 });
    const google = await fetch(`${vertex.endpoint}/v1/projects/p/locations/europe-west4/customJobs`);
    assert.equal(google.status, 429);
    assert.equal(((await google.json()) as { error: { status: string } }).error.status, 'RESOURCE_EXHAUSTED');
    const registry = await fetch(`${acr.baseUrl}/v2/`);
    assert.equal(registry.status, 429);
    assert.deepEqual(await registry.json(), {
      errors: [{ code: 'TOOMANYREQUESTS', message: 'too many requests (injected fault)' }],
    });

    const ca = await readFile(certificate.caFile, 'utf8');
    const armRequest = (method: string, route: string, body?: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const request = https.request(`${azure!.resourceManager}${route}`, { method, ca }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
          );
        });
        request.on('error', reject);
        request.end(body);
      });
    assert.equal((await armRequest('POST', '/__faults', JSON.stringify({ kind: 'throttle', count: 1 }))).status, 201);
    const arm = await armRequest('GET', '/subscriptions/s?api-version=2022-10-01');
    assert.equal(arm.status, 429);
    assert.equal(arm.headers['retry-after'], '1');
    assert.equal((JSON.parse(arm.body) as { error: { code: string } }).error.code, 'TooManyRequests');
  } finally {
    await Promise.all([vertex.close(), acr.close(), azure?.close()]);
    await rm(folder, { recursive: true, force: true });
  }
});

test('a malformed rule is refused with what is wrong, at the route and at start', async () => {
  const response = await fetch(`${sagemaker.endpoint}/__faults`, {
    method: 'POST',
    body: JSON.stringify({ operation: 'ListTrainingJobs', kind: 'delay' }),
  });
  assert.equal(response.status, 400);
  assert.match(((await response.json()) as { error: string }).error, /rule 1: delayMs: a "delay" fault needs delayMs/);
  process.env.STEPOPS_FAULTS = '[{"kind": "explode"}]';
  await assert.rejects(startFakeSageMaker('eu-west-1', []), /STEPOPS_FAULTS, rule 1: kind: /);
});
