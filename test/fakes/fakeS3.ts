// A strict stand-in for the S3 calls stepops makes (HeadBucket, PutObject, GetObject,
// ListObjectsV2, DeleteObject), path-style on a loopback port as the SDK addresses an IP
// endpoint. It verifies SigV4 the S3 way (the path as sent, the payload through
// x-amz-content-sha256, which must match the body, or announce an aws-chunked body with a
// trailing checksum), CRC32 checksums when the client sends them (and returns them when asked),
// the bucket's region (answering a wrong one with a redirect naming the region, as S3 does, so
// clients can follow it), IAM-style permissions per identity and bucket (a missing key is
// NoSuchKey only for who may list the bucket, as on S3), ListObjectsV2 paging with opaque
// continuation tokens, and answers in S3's XML shapes.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { type FakeListen, startLoopbackServer } from './loopbackServer';
import { STREAMING_UNSIGNED_TRAILER, crc32Base64, decodeAwsChunked, listObjectsV2Xml } from './s3Wire';
import { parseSigV4, sigV4Matches } from './sigv4';
import { S3_FAULTS } from './wireFaults';

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
  /** The most keys one ListObjectsV2 page holds: S3's 1,000 unless a test lowers it to see paging. */
  readonly limits: { maxKeys: number };
  close(): Promise<void>;
}

type Reply = { status: number; body?: string | Buffer; headers?: Record<string, string> };

interface StoredObject {
  readonly etag: string;
  readonly crc32: string | undefined;
  readonly contentType: string;
  readonly lastModified: Date;
}

const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startFakeS3(
  buckets: Readonly<Record<string, { region: string }>>,
  accounts: readonly FakeS3Account[],
  listen: FakeListen = {},
): Promise<FakeS3> {
  const limits = { maxKeys: 1000 };
  const objects = new Map<string, Buffer>();
  const stored = new Map<string, StoredObject>();
  // Tokens handed out by ListObjectsV2, each standing for the last key of its page.
  const continuationTokens = new Map<string, string>();
  const requests: FakeS3['requests'] = [];
  const serverOptions = { ...S3_FAULTS, ...listen };
  const server = await startLoopbackServer(async (req, body) => {
    const reply = await handle(req, body);
    const headers = { 'x-amz-request-id': randomUUID(), ...(reply.body ? { 'content-type': 'application/xml' } : {}) };
    return { ...reply, headers: { ...headers, ...reply.headers } };
  }, serverOptions);

  const error = (status: number, code: string, message: string, extra: Record<string, string> = {}): Reply => ({
    status,
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
      Object.entries(extra)
        .map(([k, v]) => `<${k}>${xmlText(v)}</${k}>`)
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
    const streamed = contentHash === STREAMING_UNSIGNED_TRAILER;
    if (contentHash.startsWith('STREAMING-') && !streamed) {
      return error(501, 'NotImplemented', `The fake does not implement ${contentHash} bodies.`);
    }
    if (!streamed && contentHash !== 'UNSIGNED-PAYLOAD' && contentHash !== sha256Hex(body)) {
      return error(
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }

    const permitted = (action: string) => (account.allowed[bucketName] ?? []).includes(action);
    if (!key) {
      if (req.method === 'GET') return listObjectsV2(bucketName, url, permitted);
      // HeadBucket: S3 names the bucket's region even to whoever may not list it.
      if (req.method === 'HEAD') {
        return { status: permitted('s3:ListBucket') ? 200 : 403, headers: { 'x-amz-bucket-region': bucket.region } };
      }
      return error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    switch (req.method) {
      case 'PUT':
        if (!permitted('s3:PutObject')) return error(403, 'AccessDenied', 'Access Denied');
        return putObject(req, streamed, body, `${bucketName}/${key}`);
      case 'GET':
        return getObject(req, bucketName, key, permitted);
      case 'DELETE':
        if (!permitted('s3:DeleteObject')) return error(403, 'AccessDenied', 'Access Denied');
        objects.delete(`${bucketName}/${key}`);
        stored.delete(`${bucketName}/${key}`);
        return { status: 204 };
      default:
        return error(501, 'NotImplemented', `The fake does not implement ${req.method} on objects.`);
    }
  }

  /** What PutObject recorded; for an object a test stored directly, what S3 would report without a checksum. */
  function metaOf(name: string, content: Buffer): StoredObject {
    return (
      stored.get(name) ?? {
        etag: `"${createHash('md5').update(content).digest('hex')}"`,
        crc32: undefined,
        contentType: 'binary/octet-stream',
        lastModified: new Date(0),
      }
    );
  }

  function putObject(req: http.IncomingMessage, streamed: boolean, body: Buffer, name: string): Reply {
    const algorithm = req.headers['x-amz-sdk-checksum-algorithm'];
    if (algorithm !== undefined && algorithm !== 'CRC32') {
      return error(501, 'NotImplemented', `The fake checks CRC32 checksums only, not ${String(algorithm)}.`);
    }
    let payload = body;
    let checksum = req.headers['x-amz-checksum-crc32'] as string | undefined;
    if (streamed) {
      const decoded = decodeAwsChunked(body, req.headers);
      if ('code' in decoded) return error(decoded.status, decoded.code, decoded.message);
      payload = decoded.payload;
      checksum = decoded.trailers['x-amz-checksum-crc32'];
    }
    if (checksum !== undefined && checksum !== crc32Base64(payload)) {
      return error(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
    }
    const etag = `"${createHash('md5').update(payload).digest('hex')}"`;
    objects.set(name, payload);
    stored.set(name, {
      etag,
      crc32: checksum,
      contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'),
      lastModified: new Date(),
    });
    return { status: 200, headers: { etag, ...(checksum ? { 'x-amz-checksum-crc32': checksum } : {}) } };
  }

  function getObject(
    req: http.IncomingMessage,
    bucketName: string,
    key: string,
    permitted: (action: string) => boolean,
  ): Reply {
    if (!permitted('s3:GetObject')) return error(403, 'AccessDenied', 'Access Denied');
    if (req.headers.range !== undefined)
      return error(501, 'NotImplemented', 'The fake does not implement ranged reads.');
    const content = objects.get(`${bucketName}/${key}`);
    if (!content) {
      // S3 tells a missing key only to whoever may list the bucket; others are denied.
      if (!permitted('s3:ListBucket')) return error(403, 'AccessDenied', 'Access Denied');
      return error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
    }
    const meta = metaOf(`${bucketName}/${key}`, content);
    const withChecksum = req.headers['x-amz-checksum-mode'] === 'ENABLED' && meta.crc32 !== undefined;
    return {
      status: 200,
      body: content,
      headers: {
        'content-type': meta.contentType,
        'content-length': String(content.length),
        etag: meta.etag,
        'last-modified': meta.lastModified.toUTCString(),
        'accept-ranges': 'bytes',
        ...(withChecksum ? { 'x-amz-checksum-crc32': meta.crc32!, 'x-amz-checksum-type': 'FULL_OBJECT' } : {}),
      },
    };
  }

  function listObjectsV2(bucketName: string, url: URL, permitted: (action: string) => boolean): Reply {
    const query = url.searchParams;
    if (query.get('list-type') !== '2') {
      return error(501, 'NotImplemented', 'The fake implements ListObjectsV2 (list-type=2) only.');
    }
    for (const name of ['delimiter', 'fetch-owner']) {
      if (query.has(name)) return error(501, 'NotImplemented', `The fake does not implement ListObjectsV2 ${name}.`);
    }
    const encoding = query.get('encoding-type');
    if (encoding !== null && encoding !== 'url')
      return error(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request');
    if (!permitted('s3:ListBucket')) return error(403, 'AccessDenied', 'Access Denied');
    const maxKeysText = query.get('max-keys');
    const asked = maxKeysText === null ? 1000 : Number(maxKeysText);
    if (!/^\d+$/.test(maxKeysText ?? '0') || !Number.isSafeInteger(asked)) {
      return error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
    }
    const maxKeys = Math.min(asked, limits.maxKeys);
    const token = query.get('continuation-token');
    let after = query.get('start-after') ?? '';
    if (token !== null) {
      const decoded = continuationTokens.get(token);
      if (decoded === undefined) return error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
      after = decoded;
    }
    const prefix = query.get('prefix') ?? '';
    const keys = [...objects.keys()]
      .filter((name) => name.startsWith(`${bucketName}/`))
      .map((name) => name.slice(bucketName.length + 1))
      .filter((k) => k.startsWith(prefix) && Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, maxKeys);
    let nextContinuationToken: string | undefined;
    if (keys.length > page.length && page.length > 0) {
      nextContinuationToken = randomBytes(24).toString('base64');
      continuationTokens.set(nextContinuationToken, page.at(-1)!);
    }
    const listed = page.map((k) => {
      const content = objects.get(`${bucketName}/${k}`)!;
      const meta = metaOf(`${bucketName}/${k}`, content);
      return { key: k, size: content.length, etag: meta.etag, lastModified: meta.lastModified };
    });
    return {
      status: 200,
      body: listObjectsV2Xml({
        bucket: bucketName,
        prefix,
        maxKeys,
        objects: listed,
        ...(token !== null ? { continuationToken: token } : {}),
        ...(nextContinuationToken ? { nextContinuationToken } : {}),
        ...(query.has('start-after') ? { startAfter: query.get('start-after')! } : {}),
        urlEncoded: encoding === 'url',
      }),
    };
  }

  return { endpoint: server.url, objects, requests, limits, close: () => server.close() };
}

/** The AWS SDK's own settings that point it at the fake as `account`, as a user's shell would set them. */
export function fakeS3Environment(
  s3: FakeS3,
  account: Pick<FakeS3Account, 'accessKeyId' | 'secretAccessKey'>,
  region = 'eu-west-1',
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: account.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
    AWS_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
