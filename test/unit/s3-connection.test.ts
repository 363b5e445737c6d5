// "Test connection" for an S3 artifact store through the real AWS SDK, pointed at the strict S3
// fake by the SDK's own endpoint setting (AWS_ENDPOINT_URL_S3): a probe object is written and
// deleted, a bucket in another region is found by following S3's answer, and refusals are named.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { parseBucketPath } from '../../src/core/clouds/shared/bucketProbe';
import { testConnection } from '../../src/core/stacks/connectionTest';
import { type FakeS3, startFakeS3 } from '../fakes/fakeS3';

// Test-only identities of the fake; they exist nowhere else.
const WRITER = {
  accessKeyId: 'AKIDSTEPOPSWRITER',
  secretAccessKey: 'writer-secret',
  allowed: { artifacts: ['s3:PutObject', 's3:DeleteObject'] },
};
const READER = { accessKeyId: 'AKIDSTEPOPSREADER', secretAccessKey: 'reader-secret', allowed: { artifacts: [] } };
let s3: FakeS3;
const saved = { ...process.env };

before(async () => {
  s3 = await startFakeS3({ artifacts: { region: 'eu-west-1' } }, [WRITER, READER]);
});
after(async () => {
  await s3.close();
  process.env = saved;
});
beforeEach(() => {
  process.env = {
    ...saved,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'eu-west-1',
  };
  delete process.env.AWS_PROFILE;
  useKey(WRITER);
});

const useKey = (key: { accessKeyId: string; secretAccessKey: string }) => {
  process.env.AWS_ACCESS_KEY_ID = key.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = key.secretAccessKey;
};
const store = (path: string) => ({ name: 's3', type: 'artifact_store' as const, flavor: 's3', config: { path } });
const noSecret = async () => undefined;

test('writes and deletes a probe object under the prefix', async () => {
  assert.deepEqual(await testConnection(store('s3://artifacts/team/runs'), noSecret), {
    ok: true,
    message: 's3://artifacts/team/runs is writable.',
  });
  const methods = s3.requests.map((r) => `${r.method} ${r.path.replace(/probe-[\d-]+$/, 'probe-N')}`);
  assert.deepEqual(methods, [
    'PUT /artifacts/team/runs/.stepops-probe-N',
    'DELETE /artifacts/team/runs/.stepops-probe-N',
  ]);
  assert.equal(s3.objects.size, 0, 'the probe object must be deleted');
});

test("finds the bucket's region by following S3's answer", async () => {
  process.env.AWS_REGION = 'us-east-1';
  assert.equal((await testConnection(store('s3://artifacts'), noSecret)).ok, true);
});

test('says precisely what is wrong: no bucket, no permission, unknown key, wrong secret', async () => {
  const message = async (path = 's3://artifacts/x') => (await testConnection(store(path), noSecret)).message;
  assert.equal(
    await message('s3://no-such-bucket/x'),
    'The bucket of s3://no-such-bucket/x does not exist: create it, or fix the path.',
  );
  useKey(READER);
  assert.match(
    await message(),
    /^Permission denied: the identity may not write and delete objects in s3:\/\/artifacts\/x/,
  );
  useKey({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' });
  assert.match(await message(), /^AWS does not recognise the access key/);
  useKey({ ...WRITER, secretAccessKey: 'wrong' });
  assert.match(await message(), /^AWS rejected the request signature/);
});

test('store paths: the scheme must match the store, the prefix loses its slashes', () => {
  assert.deepEqual(parseBucketPath('s3://artifacts/team/runs/', ['s3']), {
    bucket: 'artifacts',
    prefix: 'team/runs',
    display: 's3://artifacts/team/runs',
  });
  assert.deepEqual(parseBucketPath('abfs://box', ['az', 'abfs']), { bucket: 'box', prefix: '', display: 'abfs://box' });
  assert.throws(
    () => parseBucketPath('gs://artifacts', ['s3']),
    /"gs:\/\/artifacts" is not a s3:\/\/bucket\/prefix path/,
  );
});
