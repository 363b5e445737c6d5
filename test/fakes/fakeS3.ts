// A strict stand-in for the S3 object calls an artifact store's connection test makes (PutObject,
// DeleteObject), path-style on a loopback port as the SDK addresses an IP endpoint. It verifies
// SigV4 the S3 way (the path as sent, the payload through x-amz-content-sha256, which must match
// the body), a CRC32 checksum when the client sends one, the bucket's region (answering a wrong
// one with a redirect naming the region, as S3 does, so clients can follow it), IAM-style permissions per identity
// and bucket, and answers in S3's XML error shapes.
import { createHash, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { crc32 } from 'node:zlib';
import { startLoopbackServer } from './loopbackServer';
import { parseSigV4, sigV4Matches } from './sigv4';

export interface FakeS3Account {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Allowed "s3:Action" per bucket name, e.g. { artifacts: ['s3:PutObject'] }. */
  readonly allowed: Readonly<Record<string, readonly string[]>>;
}

export interface FakeS3 {
  readonly endpoint: string;
  /** Objects now stored, by "bucket/key". */
  readonly objects: Map<string, Buffer>;
  readonly requests: { method: string; path: string }[];
  close(): Promise<void>;
}

type Reply = { status: number; body?: string; headers?: Record<string, string> };

export async function startFakeS3(
  buckets: Readonly<Record<string, { region: string }>>,
  accounts: readonly FakeS3Account[],
): Promise<FakeS3> {
  const objects = new Map<string, Buffer>();
  const requests: FakeS3['requests'] = [];
  const server = await startLoopbackServer(async (req, body) => {
    const reply = await handle(req, body);
    const headers = { 'x-amz-request-id': randomUUID(), ...(reply.body ? { 'content-type': 'application/xml' } : {}) };
    return { ...reply, headers: { ...headers, ...reply.headers } };
  });

  const error = (status: number, code: string, message: string, extra: Record<string, string> = {}): Reply => ({
    status,
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
      Object.entries(extra)
        .map(([k, v]) => `<${k}>${v}</${k}>`)
        .join('') +
      `<RequestId>${randomUUID()}</RequestId></Error>`,
  });

  async function handle(req: http.IncomingMessage, body: Buffer): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ method: req.method ?? '', path: url.pathname });
    const [, bucketName = '', ...keyParts] = url.pathname.split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    const bucket = buckets[bucketName];
    if (!bucket) return error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucketName });

    const auth = parseSigV4(req.headers.authorization);
    if (!auth) return error(403, 'AccessDenied', 'Access Denied');
    const account = accounts.find((a) => a.accessKeyId === auth.keyId);
    if (!account) {
      return error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
        AWSAccessKeyId: auth.keyId,
      });
    }
    if (auth.service !== 's3') {
      return error(
        403,
        'SignatureDoesNotMatch',
        `Credential should be scoped to the s3 service, not '${auth.service}'.`,
      );
    }
    if (auth.region !== bucket.region) {
      // What another region's endpoint answers: the bucket's region, for the client to retry there.
      return {
        ...error(
          301,
          'PermanentRedirect',
          'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
          {
            Bucket: bucketName,
          },
        ),
        headers: { 'x-amz-bucket-region': bucket.region },
      };
    }
    if (!(await sigV4Matches(req, body, auth, account, { uriEscapePath: false }))) {
      return error(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      );
    }
    const contentHash = String(req.headers['x-amz-content-sha256'] ?? '');
    if (contentHash !== 'UNSIGNED-PAYLOAD' && contentHash !== createHash('sha256').update(body).digest('hex')) {
      return error(
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }

    const permitted = (action: string) => (account.allowed[bucketName] ?? []).includes(action);
    if (!key) return error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    switch (req.method) {
      case 'PUT': {
        if (!permitted('s3:PutObject')) return error(403, 'AccessDenied', 'Access Denied');
        const checksum = req.headers['x-amz-checksum-crc32'];
        if (checksum !== undefined) {
          const expected = Buffer.alloc(4);
          expected.writeUInt32BE(crc32(body));
          if (checksum !== expected.toString('base64')) {
            return error(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
          }
        }
        objects.set(`${bucketName}/${key}`, body);
        return { status: 200, headers: { etag: `"${createHash('md5').update(body).digest('hex')}"` } };
      }
      case 'DELETE':
        if (!permitted('s3:DeleteObject')) return error(403, 'AccessDenied', 'Access Denied');
        objects.delete(`${bucketName}/${key}`);
        return { status: 204 };
      default:
        return error(501, 'NotImplemented', `The fake does not implement ${req.method} on objects.`);
    }
  }

  return { endpoint: server.url, objects, requests, close: () => server.close() };
}
