// An S3 artifact store is usable when stepops can write to it: the check puts a small probe
// object under the store's prefix and deletes it, through the AWS SDK with its own credential
// chain, endpoint settings and region (s3Client.ts).
import type { ConnectionResult } from '../../../stacks/connectionChecks/connectionCheck';
import { parseBucketPath, probeObjectName } from '../../shared/bucketProbe';
import { connectS3 } from './s3Client';
import { explainS3Error } from './s3Errors';

export async function checkS3(config: Readonly<Record<string, unknown>>, timeoutMs: number): Promise<ConnectionResult> {
  let location;
  try {
    location = parseBucketPath(String(config.path ?? ''), ['s3']);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const { sdk, client, region } = await connectS3({
    maxAttempts: 2,
    http: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
  const { PutObjectCommand, DeleteObjectCommand } = sdk;
  const key = probeObjectName(location.prefix);
  const where = location.display;
  try {
    await client.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: 'ok' }));
    await client.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: key }));
    return { ok: true, message: `${where} is writable.` };
  } catch (error) {
    const needs = ['s3:PutObject', 's3:DeleteObject'];
    return {
      ok: false,
      message: explainS3Error(error as Error, { where, region, doing: 'write and delete objects in', needs }),
    };
  } finally {
    client.destroy();
  }
}
