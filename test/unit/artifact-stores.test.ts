// The artifact stores behind the one contract: the local folder store on this disk, S3 through the
// real AWS SDK against the strict S3 fake (reached by the SDK's own AWS_ENDPOINT_URL_S3), and GCS
// through the official client against the strict GCS fake (STORAGE_EMULATOR_HOST) with workload
// identity federation credentials exchanged at the STS fake. Each runs the shared contract suite,
// then what only that store has. Azure Blob runs the same suite against Azurite
// (test/integration/azure-blob-artifact-store.test.ts).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { ArtifactStore } from '../../src/core/artifacts/artifactStore';
import { localFolderStore, localFolderStoreFactory } from '../../src/core/artifacts/localFolderStore';
import type { StoreAccess } from '../../src/core/artifacts/objectStore';
import { s3StoreFactory } from '../../src/core/clouds/aws/s3/s3Store';
import { gcsStoreFactory } from '../../src/core/clouds/gcp/gcs/gcsStore';
import { parseBucketPath } from '../../src/core/clouds/shared/bucketProbe';
import { artifactStoreContract } from '../contract/artifactStoreContract';
import { type FakeGcs, startFakeGcs } from '../fakes/fakeGcs';
import { type FakeSts, startFakeSts } from '../fakes/fakeGoogleSts';
import { type FakeS3, startFakeS3 } from '../fakes/fakeS3';

/** A small page, so that a listing of a few keys takes several requests. */
const PAGE = 3;
const saved = { ...process.env };
let scratch: string;
let serial = 0;
const fresh = () => `t${++serial}`;
const noSecret = async () => undefined;

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'stepops-stores-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
  process.env = saved;
});

/** The object name a key of `store` has in its bucket. */
const objectName = (store: ArtifactStore, key: string, schemes: string[]) => {
  const { bucket, prefix } = parseBucketPath(store.root, schemes);
  return `${bucket}/${[prefix, key].filter(Boolean).join('/')}`;
};

describe('local folder store', () => {
  artifactStoreContract('local folder', {
    make: async () => localFolderStore(await mkdtemp(path.join(scratch, 'local-'))),
    listPage: PAGE,
  });

  test('its root is an absolute folder (or ~/...), and its URIs are paths there (file:// URLs too)', async () => {
    assert.throws(() => localFolderStore('relative/folder'), /must be an absolute path, not "relative\/folder"/);
    assert.equal(
      (await localFolderStoreFactory({ path: '~/stepops-artifacts' }, noSecret)).root,
      path.join(homedir(), 'stepops-artifacts'),
    );
    const store = localFolderStore(scratch);
    assert.equal(store.uri('run-1/job.json'), path.join(scratch, 'run-1', 'job.json'));
    assert.equal(store.keyOf(pathToFileURL(path.join(scratch, 'run-1', 'job.json')).href), 'run-1/job.json');
    assert.equal(store.keyOf(path.join(scratch, '..foo', 'x')), '..foo/x', 'a name that starts with dots is no "..");');
  });

  test('puts leave no temporary files, and a write under way is not listed', async () => {
    const root = await mkdtemp(path.join(scratch, 'atomic-'));
    const store = localFolderStore(root);
    await store.put('run-1/job.json', '{}');
    await writeFile(path.join(root, 'run-1', '.data.json.0123456789ab.tmp'), 'half');
    assert.deepEqual(await readdir(path.join(root, 'run-1')), ['.data.json.0123456789ab.tmp', 'job.json']);
    assert.deepEqual(await store.list('run-1'), ['run-1/job.json']);
  });

  test('uploadFolder follows links to files and folders, each folder once', async () => {
    const source = await mkdtemp(path.join(scratch, 'links-'));
    await mkdir(path.join(source, 'real'));
    await writeFile(path.join(source, 'real', 'a.txt'), 'a');
    await symlink(path.join(source, 'real', 'a.txt'), path.join(source, 'link-to-file.txt'));
    await symlink(source, path.join(source, 'real', 'loop'));
    await symlink(path.join(source, 'missing'), path.join(source, 'dangling'));
    const store = localFolderStore(await mkdtemp(path.join(scratch, 'links-store-')));
    assert.equal(await store.uploadFolder(source, 'up'), 2);
    assert.deepEqual(await store.list('up'), ['up/link-to-file.txt', 'up/real/a.txt']);
  });
});

describe('S3 store', () => {
  // Test-only identities of the fake; they exist nowhere else.
  const all = ['s3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:DeleteObject'];
  const identity = (name: string, allowed: readonly string[]) => ({
    accessKeyId: `AKIDSTEPOPS${name.toUpperCase()}`,
    secretAccessKey: `${name}-secret`,
    allowed: { artifacts: allowed, 'whole-bucket': allowed },
  });
  const FULL = identity('full', all);
  const LACKING: Record<StoreAccess, ReturnType<typeof identity>> = {
    read: identity(
      'noread',
      all.filter((a) => a !== 's3:GetObject'),
    ),
    write: identity(
      'nowrite',
      all.filter((a) => a !== 's3:PutObject'),
    ),
    list: identity(
      'nolist',
      all.filter((a) => a !== 's3:ListBucket'),
    ),
  };
  const NEEDS: Record<StoreAccess, RegExp> = {
    read: /needs s3:GetObject/,
    write: /needs s3:PutObject/,
    list: /needs s3:ListBucket/,
  };
  let s3: FakeS3;
  const useKey = (key: { accessKeyId: string; secretAccessKey: string }) => {
    process.env.AWS_ACCESS_KEY_ID = key.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = key.secretAccessKey;
  };
  const s3Store = (storePath: string) => s3StoreFactory({ path: storePath }, noSecret);

  before(async () => {
    const buckets = { artifacts: { region: 'eu-west-1' }, 'whole-bucket': { region: 'eu-west-1' } };
    s3 = await startFakeS3(buckets, [FULL, ...Object.values(LACKING)]);
    s3.limits.maxKeys = PAGE;
  });
  after(() => s3.close());
  beforeEach(() => {
    process.env = {
      ...saved,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
    };
    delete process.env.AWS_PROFILE;
    useKey(FULL);
  });

  artifactStoreContract('S3', {
    make: () => s3Store(`s3://artifacts/${fresh()}`),
    listPage: PAGE,
    listRequests: () => s3.requests.filter((r) => r.method === 'GET' && r.path === '/artifacts/').length,
    async denied(root, access) {
      useKey(LACKING[access]);
      return { store: await s3Store(root.root), names: NEEDS[access] };
    },
    async plant(root, key, body) {
      s3.objects.set(objectName(root, key, ['s3']), Buffer.from(body));
    },
  });

  test('without s3:ListBucket, S3 answers a missing key as denied, and the message says so', async () => {
    useKey(LACKING.list);
    const store = await s3Store(`s3://artifacts/${fresh()}`);
    await assert.rejects(store.get('run-1/no-such.json'), (error: Error) => {
      assert.match(
        error.message,
        /^Permission denied: the identity may not read s3:\/\/artifacts\/t\d+\/run-1\/no-such\.json/,
      );
      assert.match(
        error.message,
        /needs s3:GetObject; without s3:ListBucket, S3 also answers a missing object as denied/,
      );
      return true;
    });
  });

  test('a store on a whole bucket keys objects from its root; a missing bucket is named', async () => {
    const store = await s3Store('s3://whole-bucket');
    await store.put('run-1/job.json', '{}');
    assert.ok(s3.objects.has('whole-bucket/run-1/job.json'));
    assert.deepEqual(await store.list(''), ['run-1/job.json']);
    assert.equal(store.uri('run-1/job.json'), 's3://whole-bucket/run-1/job.json');
    assert.equal(store.keyOf('s3://whole-bucket/run-1/job.json'), 'run-1/job.json');
    assert.equal(store.keyOf('s3://artifacts/run-1/job.json'), undefined);
    const missing = await s3Store('s3://no-such-bucket/runs');
    await assert.rejects(
      missing.get('run-1/job.json'),
      /^Error: The bucket of s3:\/\/no-such-bucket\/runs\/run-1\/job\.json does not exist/,
    );
    await assert.rejects(
      s3StoreFactory({ path: 'gs://artifacts' }, noSecret),
      /"gs:\/\/artifacts" is not a s3:\/\/bucket\/prefix path/,
    );
  });
});

describe('GCS store', () => {
  const AUDIENCE = '//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/providers/runner';
  const POOL = 'principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/subject';
  const all = ['storage.objects.create', 'storage.objects.get', 'storage.objects.list', 'storage.objects.delete'];
  const LACKS: Record<StoreAccess, string> = {
    read: 'storage.objects.get',
    write: 'storage.objects.create',
    list: 'storage.objects.list',
  };
  const subjects = ['full', 'read', 'write', 'list'];
  let sts: FakeSts;
  let gcs: FakeGcs;
  const credentials: Record<string, string> = {};
  const gcsStore = (storePath: string) => gcsStoreFactory({ path: storePath }, noSecret);

  before(async () => {
    sts = await startFakeSts([
      { audience: AUDIENCE, subjects: Object.fromEntries(subjects.map((s) => [`${s}-token`, s])) },
    ]);
    const grants = Object.fromEntries(
      subjects.map((s) => [`${POOL}/${s}`, all.filter((p) => s === 'full' || p !== LACKS[s as StoreAccess])]),
    );
    gcs = await startFakeGcs({ artifacts: { grants } }, (token) => sts.principalOf(token));
    gcs.limits.maxResults = PAGE;
    for (const subject of subjects) {
      const tokenFile = path.join(scratch, `${subject}.token`);
      await writeFile(tokenFile, `${subject}-token`);
      credentials[subject] = path.join(scratch, `${subject}.json`);
      await writeFile(credentials[subject]!, JSON.stringify(sts.credentialFile(AUDIENCE, tokenFile)));
    }
  });
  after(async () => {
    await gcs.close();
    await sts.close();
  });
  beforeEach(() => {
    process.env = { ...saved, HOME: scratch, METADATA_SERVER_DETECTION: 'none', STORAGE_EMULATOR_HOST: gcs.endpoint };
    process.env.GOOGLE_APPLICATION_CREDENTIALS = credentials.full;
  });

  artifactStoreContract('GCS', {
    make: () => gcsStore(`gs://artifacts/${fresh()}`),
    listPage: PAGE,
    listRequests: () =>
      gcs.requests.filter((r) => r.method === 'GET' && /^(\/storage\/v1)?\/b\/artifacts\/o$/.test(r.path)).length,
    async denied(root, access) {
      process.env.GOOGLE_APPLICATION_CREDENTIALS = credentials[access];
      return { store: await gcsStore(root.root), names: new RegExp(`needs ${LACKS[access].replace(/\./g, '\\.')}`) };
    },
    async plant(root, key, body) {
      gcs.objects.set(objectName(root, key, ['gs']), Buffer.from(body));
    },
  });

  test('a missing bucket is named, not read as a missing object', async () => {
    const store = await gcsStore('gs://no-such-bucket/runs');
    await assert.rejects(
      store.get('run-1/job.json'),
      /^Error: The bucket of gs:\/\/no-such-bucket\/runs\/run-1\/job\.json does not exist/,
    );
  });
});
