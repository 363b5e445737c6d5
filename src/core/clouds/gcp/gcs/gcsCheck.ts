// A GCS artifact store is usable when stepops can write to it: the check uploads a small probe
// object under the store's prefix and deletes it, through the official storage client with
// Application Default Credentials (gcsClient.ts).
import type { ConnectionResult } from '../../../stacks/connectionChecks/connectionCheck';
import { parseBucketPath, probeObjectName } from '../../shared/bucketProbe';
import { connectGcs } from './gcsClient';
import { explainGcsError } from './gcsErrors';

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
  const storage = await connectGcs({ maxRetries: 1 });
  const name = probeObjectName(location.prefix);
  const where = location.display;
  try {
    const file = storage.bucket(location.bucket).file(name);
    await file.save('ok', { resumable: false, timeout: timeoutMs });
    await file.delete();
    return { ok: true, message: `${where} is writable.` };
  } catch (error) {
    const call = {
      where,
      doing: 'write and delete objects in',
      needs: ['storage.objects.create', 'storage.objects.delete'],
      role: 'Storage Object User',
    };
    return { ok: false, message: explainGcsError(error as Error, call) };
  }
}
