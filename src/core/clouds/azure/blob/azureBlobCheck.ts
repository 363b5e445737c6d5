// An Azure Blob artifact store is usable when stepops can write to it: the check writes a small
// probe blob under the store's prefix and deletes it, through the official storage client. The
// account is reached with a connection string, or by name with an account key or the Azure login.
import type { ConnectionResult, SecretLookup } from '../../../stacks/connectionChecks/connectionCheck';
import { parseBucketPath, probeObjectName } from '../../shared/bucketProbe';
import { explainNetworkFailure } from '../../shared/networkErrors';
import { isMissingAzureCredential, noAzureCredentials } from '../errors';

// The return type is inferred: the package ships separate ESM and CommonJS declarations, and the
// dynamic import below sees the ESM ones.
async function blobService(config: Readonly<Record<string, unknown>>, secret: SecretLookup) {
  const storage = await import('@azure/storage-blob');
  const connectionString = await secret('connection_string');
  if (connectionString) {
    try {
      return storage.BlobServiceClient.fromConnectionString(connectionString, { retryOptions: { maxTries: 2 } });
    } catch (error) {
      return { problem: `The stored connection string is not valid: ${(error as Error).message}` } as const;
    }
  }
  const account = typeof config.account_name === 'string' ? config.account_name.trim() : '';
  if (!account) {
    return { problem: 'Set the storage account name, or store a connection string for the artifact store.' } as const;
  }
  const url = `https://${account}.blob.core.windows.net`;
  const key = await secret('account_key');
  if (key) return new storage.BlobServiceClient(url, new storage.StorageSharedKeyCredential(account, key));
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new storage.BlobServiceClient(url, new DefaultAzureCredential());
}

export async function checkAzureBlob(
  config: Readonly<Record<string, unknown>>,
  secret: SecretLookup,
  timeoutMs: number,
): Promise<ConnectionResult> {
  let location;
  try {
    location = parseBucketPath(String(config.path ?? ''), ['az', 'abfs']);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const service = await blobService(config, secret);
  if ('problem' in service) return { ok: false, message: service.problem };
  const probeName = probeObjectName(location.prefix);
  const where = `${service.accountName}/${location.bucket}`;
  try {
    const blob = service.getContainerClient(location.bucket).getBlockBlobClient(probeName);
    await blob.upload('ok', 2, { abortSignal: AbortSignal.timeout(timeoutMs) });
    await blob.delete({ abortSignal: AbortSignal.timeout(timeoutMs) });
    return { ok: true, message: `${where} is writable${location.prefix ? ` under ${location.prefix}/` : ''}.` };
  } catch (error) {
    return { ok: false, message: explain(error as Error & { code?: string; statusCode?: number }, where) };
  }
}

function explain(error: Error & { code?: string; statusCode?: number }, where: string): string {
  const detail = error.message.split(/\r?\n/)[0]!;
  // A bad signature is AuthenticationFailed on Azure and AuthorizationFailure on Azurite; both say
  // the server "failed to authenticate the request".
  const code = /failed to authenticate the request/i.test(error.message) ? 'AuthenticationFailed' : error.code;
  switch (code) {
    case 'ContainerNotFound':
      return `The container of ${where} does not exist: create it, or fix the path.`;
    case 'AuthenticationFailed':
      return `Azure Storage rejected the credentials for ${where}: check the account key or connection string.`;
    case 'AuthorizationPermissionMismatch':
    case 'AuthorizationFailure':
      return `Permission denied on ${where}: the identity needs Storage Blob Data Contributor (or a key with write access). ${detail}`;
    case 'InvalidResourceName':
      return `Azure Storage rejected the name of ${where}: ${detail}`;
    default:
      if (isMissingAzureCredential(error)) {
        return noAzureCredentials('store an account key or connection string for the artifact store');
      }
      return (
        explainNetworkFailure(error, `the storage account of ${where}`, 'check the account name') ??
        `Azure Storage answered ${error.code ?? error.name}${error.statusCode ? ` (${error.statusCode})` : ''}: ${detail}`
      );
  }
}
