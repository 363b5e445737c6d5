// "Test connection" for a GCS artifact store through the official storage client, with workload
// identity federation credentials (an external_account file) exchanged at a strict STS fake and
// used on a strict Cloud Storage fake, both reached through the client libraries' own settings
// (the credential file's token_url, STORAGE_EMULATOR_HOST).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { testConnection } from '../../src/core/stacks/connectionTest';
import { type FakeGcs, startFakeGcs } from '../fakes/fakeGcs';
import { type FakeSts, startFakeSts } from '../fakes/fakeGoogleSts';

const AUDIENCE = '//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/providers/runner';
const POOL = 'principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/subject';
let sts: FakeSts;
let gcs: FakeGcs;
let folder: string;
const credentials: Record<string, string> = {};
const saved = { ...process.env };

before(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'stepops-gcs-'));
  sts = await startFakeSts([{ audience: AUDIENCE, subjects: { 'writer-token': 'writer', 'reader-token': 'reader' } }]);
  gcs = await startFakeGcs(
    {
      artifacts: {
        grants: { [`${POOL}/writer`]: ['storage.objects.create', 'storage.objects.delete'], [`${POOL}/reader`]: [] },
      },
    },
    (token) => sts.principalOf(token),
  );
  for (const [name, subjectToken, audience] of [
    ['writer', 'writer-token', AUDIENCE],
    ['reader', 'reader-token', AUDIENCE],
    ['stranger', 'not-a-token', AUDIENCE],
    ['elsewhere', 'writer-token', AUDIENCE.replace('/ci/', '/deleted-pool/')],
  ] as const) {
    const tokenFile = path.join(folder, `${name}.token`);
    await writeFile(tokenFile, subjectToken);
    credentials[name] = path.join(folder, `${name}.json`);
    await writeFile(credentials[name]!, JSON.stringify(sts.credentialFile(audience, tokenFile)));
  }
});
after(async () => {
  await gcs.close();
  await sts.close();
  await rm(folder, { recursive: true, force: true });
  process.env = saved;
});
beforeEach(() => {
  process.env = { ...saved, HOME: folder, METADATA_SERVER_DETECTION: 'none', STORAGE_EMULATOR_HOST: gcs.endpoint };
  process.env.GOOGLE_APPLICATION_CREDENTIALS = credentials.writer;
});

const store = (storePath: string) => ({
  name: 'gcs',
  type: 'artifact_store' as const,
  flavor: 'gcp',
  config: { path: storePath },
});
const message = async (storePath = 'gs://artifacts/runs') =>
  (await testConnection(store(storePath), async () => undefined)).message;

test('uploads and deletes a probe object with federated credentials', async () => {
  assert.deepEqual(await testConnection(store('gs://artifacts/team/runs'), async () => undefined), {
    ok: true,
    message: 'gs://artifacts/team/runs is writable.',
  });
  const calls = gcs.requests.map((r) => `${r.method} ${r.path.replace(/probe-[\d-]+$/, 'probe-N')}`);
  assert.deepEqual(calls, [
    'POST /upload/storage/v1/b/artifacts/o',
    'DELETE /b/artifacts/o/team%2Fruns%2F.stepops-probe-N',
  ]);
  assert.equal(gcs.objects.size, 0, 'the probe object must be deleted');
});

test('says precisely what is wrong: no bucket, no permission, refused exchange, no credentials', async () => {
  assert.equal(
    await message('gs://no-such-bucket/x'),
    'The bucket of gs://no-such-bucket/x does not exist: create it, or fix the path.',
  );
  process.env.GOOGLE_APPLICATION_CREDENTIALS = credentials.reader;
  assert.match(
    await message(),
    /^Permission denied: the identity may not write and delete objects in gs:\/\/artifacts\/runs .*storage\.objects\.create/,
  );
  process.env.GOOGLE_APPLICATION_CREDENTIALS = credentials.stranger;
  assert.match(await message(), /^Google Cloud refused to exchange the credentials for a token: .*invalid_grant/);
  process.env.GOOGLE_APPLICATION_CREDENTIALS = credentials.elsewhere;
  assert.match(await message(), /^Google Cloud refused to exchange the credentials for a token: .*invalid_target/);
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  assert.match(await message(), /^No Google Cloud credentials found/);
});
