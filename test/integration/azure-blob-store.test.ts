// "Test connection" for an Azure Blob artifact store against Azurite, Microsoft's own Azure
// Storage emulator (started by scripts/services.sh with an account whose key exists only there):
// the CLI writes and deletes a probe blob with a connection string from the environment, and
// names what is wrong when the container is missing or the key is not the account's.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { type CliResult, runCli } from './cliProcess';
import { integrationEnvironment } from './environment';

const { azurite } = integrationEnvironment();
const connectionString = (key: string) =>
  `DefaultEndpointsProtocol=http;AccountName=${azurite.account};AccountKey=${key};BlobEndpoint=${azurite.blobEndpoint};`;
const container = `artifacts-${process.pid}`;
const service = BlobServiceClient.fromConnectionString(connectionString(azurite.key));
let home: string;

before(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'stepops-blob-'));
  await service.createContainer(container);
});
after(async () => {
  await service.deleteContainer(container);
  await rm(home, { recursive: true, force: true });
});

function stepops(secrets: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return runCli({ cwd: home, env: { ...process.env, HOME: home, STEPOPS_HOME: home, ...secrets } }, ...args);
}

async function register(name: string, storePath: string): Promise<void> {
  const result = await stepops(
    {},
    'components',
    'register',
    'artifact_store',
    'azure',
    name,
    '--set',
    `path=${storePath}`,
  );
  assert.equal(result.code, 0, result.stderr);
}

const withConnection = (name: string, key: string) => ({
  [`STEPOPS_SECRET_${name.toUpperCase()}_CONNECTION_STRING`]: connectionString(key),
});

test('writes and removes a probe blob under the prefix', async () => {
  await register('blobs', `az://${container}/runs`);
  const result = await stepops(withConnection('blobs', azurite.key), 'components', 'test', 'artifact_store', 'blobs');
  assert.deepEqual(result, {
    code: 0,
    stdout: `ok: ${azurite.account}/${container} is writable under runs/.\n`,
    stderr: '',
  });
  const left = [];
  for await (const blob of service.getContainerClient(container).listBlobsFlat()) left.push(blob.name);
  assert.deepEqual(left, [], 'the probe blob must be deleted');
});

test('names a missing container, a wrong key and missing credentials', async () => {
  await register('nowhere', 'az://no-such-container/runs');
  const missing = await stepops(
    withConnection('nowhere', azurite.key),
    'components',
    'test',
    'artifact_store',
    'nowhere',
  );
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stdout,
    `failed: The container of ${azurite.account}/no-such-container does not exist: create it, or fix the path.\n`,
  );

  const otherKey = Buffer.alloc(64, 7).toString('base64');
  const wrong = await stepops(withConnection('blobs', otherKey), 'components', 'test', 'artifact_store', 'blobs');
  assert.match(
    wrong.stdout,
    /^failed: Azure Storage rejected the credentials for stepopstest\/artifacts-\d+: check the account key/,
  );
  assert.ok(!wrong.stdout.includes(otherKey) && !wrong.stderr.includes(otherKey), 'the key leaked into the output');

  const none = await stepops({}, 'components', 'test', 'artifact_store', 'blobs');
  assert.match(none.stdout, /^failed: Set the storage account name, or store a connection string/);
});
