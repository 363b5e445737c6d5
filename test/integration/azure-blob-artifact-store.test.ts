// The Azure Blob artifact store against Azurite, Microsoft's own Azure Storage emulator (started by
// scripts/services.sh with an account whose key exists only there): the shared contract suite,
// with denied permissions from account SAS tokens that lack one permission (Azurite checks them as
// Azure does), then what only this store has.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  StorageSharedKeyCredential,
  generateAccountSASQueryParameters,
} from '@azure/storage-blob';
import type { StoreAccess } from '../../src/core/artifacts/objectStore';
import { azureBlobStoreFactory } from '../../src/core/clouds/azure/blob/blobStore';
import { parseBucketPath } from '../../src/core/clouds/shared/bucketProbe';
import { artifactStoreContract } from '../contract/artifactStoreContract';
import { integrationEnvironment } from './environment';

const { azurite } = integrationEnvironment();
const connectionString = `DefaultEndpointsProtocol=http;AccountName=${azurite.account};AccountKey=${azurite.key};BlobEndpoint=${azurite.blobEndpoint};`;
const service = BlobServiceClient.fromConnectionString(connectionString);
const container = `stores-${process.pid}`;
let serial = 0;

before(() => service.createContainer(container));
after(() => service.deleteContainer(container));

/** A store whose secrets hold this connection string. */
const storeAt = (storePath: string, connection = connectionString) =>
  azureBlobStoreFactory({ path: storePath }, async (field) => (field === 'connection_string' ? connection : undefined));

/** An account SAS with every blob permission but the ones `access` needs (Azurite signs it with the account key). */
function connectionWithout(access: StoreAccess): string {
  const lacking: Record<StoreAccess, string> = { read: 'r', write: 'wc', list: 'l' };
  const permissions = 'rwdlac'
    .split('')
    .filter((p) => !lacking[access].includes(p))
    .join('');
  const sas = generateAccountSASQueryParameters(
    {
      permissions: AccountSASPermissions.parse(permissions),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      services: AccountSASServices.parse('b').toString(),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    new StorageSharedKeyCredential(azurite.account, azurite.key),
  ).toString();
  return `BlobEndpoint=${azurite.blobEndpoint};SharedAccessSignature=${sas}`;
}

const ROLE: Record<StoreAccess, RegExp> = {
  read: /needs Storage Blob Data Reader/,
  write: /needs Storage Blob Data Contributor/,
  list: /needs Storage Blob Data Reader/,
};

artifactStoreContract('Azure Blob (Azurite)', {
  make: () => storeAt(`az://${container}/t${++serial}`),
  // The store asks for 1,000 blobs a page (Azurite honours it, as Azure does).
  listPage: 1000,
  async denied(root, access) {
    return { store: await storeAt(root.root, connectionWithout(access)), names: ROLE[access] };
  },
  // No plant: a blob name is a URL path, so a ".." in it is resolved away before any request.
});

test('abfs:// paths name the same container and keys as az://', async () => {
  const az = await storeAt(`az://${container}/same`);
  const abfs = await storeAt(`abfs://${container}/same`);
  await az.put('run-1/job.json', '{"via": "az"}');
  assert.equal(Buffer.from((await abfs.get('run-1/job.json'))!).toString(), '{"via": "az"}');
  assert.equal(abfs.uri('run-1/job.json'), `abfs://${container}/same/run-1/job.json`);
  assert.equal(abfs.keyOf(`az://${container}/same/run-1/job.json`), 'run-1/job.json');
});

test('names a missing container, a wrong key and missing credentials', async () => {
  const missing = await storeAt('az://no-such-container/runs');
  await assert.rejects(
    missing.get('run-1/job.json'),
    new RegExp(
      `^Error: The container of az://no-such-container/runs/run-1/job\\.json in the account ${azurite.account} does not exist`,
    ),
  );
  const otherKey = Buffer.alloc(64, 7).toString('base64');
  const wrong = await storeAt(`az://${container}/x`, connectionString.replace(azurite.key, otherKey));
  await assert.rejects(wrong.put('run-1/job.json', '{}'), (error: Error) => {
    assert.match(
      error.message,
      /^Azure Storage rejected the credentials for az:\/\/.* check the account key or connection string/,
    );
    assert.ok(!error.message.includes(otherKey), 'the key leaked into the message');
    return true;
  });
  await assert.rejects(
    azureBlobStoreFactory({ path: `az://${container}` }, async () => undefined),
    /^Error: Set the storage account name, or store a connection string for the artifact store/,
  );
});

test('the container holds each key as a blob under the prefix', async () => {
  const store = await storeAt(`az://${container}/layout`);
  await store.put('run-1/outputs/model/data.json', '[1, 2]');
  const { prefix } = parseBucketPath(store.root, ['az']);
  const names = [];
  for await (const blob of service.getContainerClient(container).listBlobsFlat({ prefix })) names.push(blob.name);
  assert.deepEqual(names, ['layout/run-1/outputs/model/data.json']);
});
