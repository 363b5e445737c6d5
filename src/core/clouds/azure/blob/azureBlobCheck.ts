// An Azure Blob artifact store is usable when stepops can write to it: the check writes a small
// probe blob under the store's prefix and deletes it, through the official storage client
// (reached as blobServiceClient.ts says).
import type { ConnectionResult, SecretLookup } from '../../../stacks/connectionChecks/connectionCheck';
import { parseBucketPath, probeObjectName } from '../../shared/bucketProbe';
import { explainBlobError } from './blobErrors';
import { connectBlobService } from './blobServiceClient';

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
  const service = await connectBlobService(config, secret, { maxTries: 2 });
  if ('problem' in service) return { ok: false, message: service.problem };
  const probeName = probeObjectName(location.prefix);
  const where = `${service.accountName}/${location.bucket}`;
  try {
    const blob = service.getContainerClient(location.bucket).getBlockBlobClient(probeName);
    await blob.upload('ok', 2, { abortSignal: AbortSignal.timeout(timeoutMs) });
    await blob.delete({ abortSignal: AbortSignal.timeout(timeoutMs) });
    return { ok: true, message: `${where} is writable${location.prefix ? ` under ${location.prefix}/` : ''}.` };
  } catch (error) {
    const role = 'Storage Blob Data Contributor (or a key with write access)';
    return { ok: false, message: explainBlobError(error as Error, where, role) };
  }
}
