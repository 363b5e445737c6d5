// How stepops reaches a storage account's blob service, for the connection check and the store
// client alike: a stored connection string (which names its own endpoint, Azurite's included),
// else the account name with a stored account key, else the account name with the Azure login
// (DefaultAzureCredential).
import type { StoreSecretLookup } from '../../../artifacts/artifactStore';

/** What stands in the way of a client, said as the fix. */
export interface BlobServiceProblem {
  readonly problem: string;
}

// The return type is inferred: the package ships separate ESM and CommonJS declarations, and the
// dynamic import below sees the ESM ones.
export async function connectBlobService(
  config: Readonly<Record<string, unknown>>,
  secret: StoreSecretLookup,
  options: { readonly maxTries?: number } = {},
) {
  const storage = await import('@azure/storage-blob');
  const pipeline = options.maxTries ? { retryOptions: { maxTries: options.maxTries } } : {};
  const connectionString = await secret('connection_string');
  if (connectionString) {
    try {
      return storage.BlobServiceClient.fromConnectionString(connectionString, pipeline);
    } catch (error) {
      return {
        problem: `The stored connection string is not valid: ${(error as Error).message}`,
      } as BlobServiceProblem;
    }
  }
  const account = typeof config.account_name === 'string' ? config.account_name.trim() : '';
  if (!account) {
    return {
      problem: 'Set the storage account name, or store a connection string for the artifact store.',
    } as BlobServiceProblem;
  }
  const url = `https://${account}.blob.core.windows.net`;
  const key = await secret('account_key');
  if (key) return new storage.BlobServiceClient(url, new storage.StorageSharedKeyCredential(account, key), pipeline);
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new storage.BlobServiceClient(url, new DefaultAzureCredential(), pipeline);
}
