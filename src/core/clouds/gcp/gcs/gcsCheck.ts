// A GCS artifact store is usable when stepops can write to it: the check uploads a small probe
// object under the store's prefix and deletes it, through the official storage client with
// Application Default Credentials (a key file, workload identity federation, gcloud login, the
// metadata server). The client's own STORAGE_EMULATOR_HOST setting redirects it; stepops then
// still authenticates, so a stand-in that checks credentials (as GCS does) sees them.
import type { ConnectionResult } from '../../../stacks/connectionChecks/connectionCheck';
import { parseBucketPath, probeObjectName } from '../../shared/bucketProbe';
import { explainNetworkFailure } from '../../shared/networkErrors';
import { explainMissingGoogleCredentials } from '../errors';

export async function checkGcs(
  config: Readonly<Record<string, unknown>>,
  timeoutMs: number,
): Promise<ConnectionResult> {
  let location;
  try {
    location = parseBucketPath(String(config.path ?? ''), ['gs']);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const { Storage } = await import('@google-cloud/storage');
  const storage = new Storage({ useAuthWithCustomEndpoint: true, retryOptions: { maxRetries: 1 } });
  const name = probeObjectName(location.prefix);
  const where = location.display;
  try {
    const file = storage.bucket(location.bucket).file(name);
    await file.save('ok', { resumable: false, timeout: timeoutMs });
    await file.delete();
    return { ok: true, message: `${where} is writable.` };
  } catch (error) {
    return { ok: false, message: explain(error as Error & { code?: number | string }, where) };
  }
}

function explain(error: Error & { code?: number | string }, where: string): string {
  const detail = error.message.split(/\r?\n/)[0]!;
  const noCredentials = explainMissingGoogleCredentials(error);
  if (noCredentials) return noCredentials;
  if (/invalid_grant|invalid_target|Error code invalid_/.test(error.message)) {
    return `Google Cloud refused to exchange the credentials for a token: ${detail}`;
  }
  switch (error.code) {
    case 401:
      return `Google Cloud Storage rejected the credentials: ${detail}`;
    case 403:
      return `Permission denied: the identity may not write and delete objects in ${where} (needs storage.objects.create and storage.objects.delete, e.g. the Storage Object User role). ${detail}`;
    case 404:
      return `The bucket of ${where} does not exist: create it, or fix the path.`;
    default:
      return (
        explainNetworkFailure(error, 'Google Cloud Storage', 'check the network (or STORAGE_EMULATOR_HOST)') ??
        `Google Cloud Storage answered ${String(error.code ?? error.name)}: ${detail}`
      );
  }
}
