// An S3 artifact store is usable when stepops can write to it: the check puts a small probe
// object under the store's prefix and deletes it, through the AWS SDK with its own credential
// chain and endpoint settings (AWS_ENDPOINT_URL_S3). The bucket's region is found by following
// S3's own redirects, so the store needs no region field.
import type { ConnectionResult } from '../../../stacks/connectionChecks/connectionCheck';
import { explainAwsError } from '../errors';
import { parseBucketPath, probeObjectName } from '../../shared/bucketProbe';

export async function checkS3(config: Readonly<Record<string, unknown>>, timeoutMs: number): Promise<ConnectionResult> {
  let location;
  try {
    location = parseBucketPath(String(config.path ?? ''), ['s3']);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const { S3Client, PutObjectCommand, DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const client = new S3Client({
    region,
    followRegionRedirects: true,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
  const key = probeObjectName(location.prefix);
  const where = location.display;
  try {
    await client.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: 'ok' }));
    await client.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: key }));
    return { ok: true, message: `${where} is writable.` };
  } catch (error) {
    return { ok: false, message: explain(error as Error & { Code?: string }, where, region) };
  } finally {
    client.destroy();
  }
}

function explain(error: Error & { Code?: string }, where: string, region: string): string {
  switch (error.name) {
    case 'NoSuchBucket':
      return `The bucket of ${where} does not exist: create it, or fix the path.`;
    case 'InvalidAccessKeyId':
      return `AWS does not recognise the access key: ${error.message}`;
    case 'AccessDenied':
      return `Permission denied: the identity may not write and delete objects in ${where} (needs s3:PutObject and s3:DeleteObject).`;
    default:
      return explainAwsError(error, {
        service: 'S3',
        action: 's3:PutObject',
        region,
        regionFrom: 'network, and AWS_REGION (S3 is reached through it, then follows the bucket)',
      });
  }
}
