// A strict stand-in for the Cloud Storage JSON API calls an artifact store's connection test
// makes (a multipart upload, an object delete), reached through the client's own
// STORAGE_EMULATOR_HOST setting. Every request must carry an access token the STS fake issued;
// the bucket's IAM policy must grant the token's principal the permission; the upload must be
// well-formed multipart/related; answers carry the object's real MD5 and CRC32C (which the client
// checks against what it sent), and errors come in the API's JSON shape.
import { createHash, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { startLoopbackServer } from './loopbackServer';

export interface FakeBucket {
  /** IAM: permissions per principal, e.g. { 'principal://...': ['storage.objects.create'] }. */
  readonly grants: Readonly<Record<string, readonly string[]>>;
}

export interface FakeGcs {
  /** For STORAGE_EMULATOR_HOST. */
  readonly endpoint: string;
  readonly objects: Map<string, Buffer>;
  readonly requests: { method: string; path: string }[];
  close(): Promise<void>;
}

type Reply = [number, unknown];

const gcsError = (code: number, reason: string, message: string): Reply => [
  code,
  { error: { code, message, errors: [{ message, domain: 'global', reason }] } },
];

export async function startFakeGcs(
  buckets: Readonly<Record<string, FakeBucket>>,
  principalOf: (accessToken: string) => string | undefined,
): Promise<FakeGcs> {
  const objects = new Map<string, Buffer>();
  const requests: FakeGcs['requests'] = [];
  const server = await startLoopbackServer((req, body) => {
    const [status, reply] = handle(req, body);
    return status === 204
      ? { status }
      : { status, body: JSON.stringify(reply), headers: { 'content-type': 'application/json; charset=UTF-8' } };
  });

  function handle(req: http.IncomingMessage, body: Buffer): Reply {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ method: req.method ?? '', path: url.pathname });
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const principal = token ? principalOf(token) : undefined;
    if (!principal)
      return gcsError(
        401,
        'required',
        'Anonymous caller does not have storage access, or the credentials are invalid.',
      );

    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload && req.method === 'POST') return insert(decodeURIComponent(upload[1]!), url, req, body, principal);
    // Emulators serve the JSON API both under /storage/v1 and at the root, as clients address both.
    const object = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (object && req.method === 'DELETE') {
      return remove(decodeURIComponent(object[1]!), decodeURIComponent(object[2]!), principal);
    }
    return gcsError(404, 'notFound', `Not Found: ${req.method} ${url.pathname}`);
  }

  function denied(bucketName: string, principal: string, permission: string): Reply | undefined {
    const bucket = buckets[bucketName];
    if (!bucket) return gcsError(404, 'notFound', 'The specified bucket does not exist.');
    if (!(bucket.grants[principal] ?? []).includes(permission)) {
      return gcsError(
        403,
        'forbidden',
        `${principal} does not have ${permission} access to the Google Cloud Storage object. Permission '${permission}' denied on resource (or it may not exist).`,
      );
    }
    return undefined;
  }

  function insert(bucketName: string, url: URL, req: http.IncomingMessage, body: Buffer, principal: string): Reply {
    if (url.searchParams.get('uploadType') !== 'multipart') {
      return gcsError(400, 'invalid', 'This fake accepts multipart uploads only (uploadType=multipart).');
    }
    const refusal = denied(bucketName, principal, 'storage.objects.create');
    if (refusal) return refusal;
    const boundary = /boundary=("?)([^";]+)\1/.exec(String(req.headers['content-type'] ?? ''))?.[2];
    if (!String(req.headers['content-type']).startsWith('multipart/related') || !boundary) {
      return gcsError(400, 'invalid', 'Multipart uploads need a multipart/related body with a boundary.');
    }
    const parts = body
      .toString('latin1')
      .split(`--${boundary}`)
      .slice(1, -1)
      .map((part) => part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''));
    if (parts.length !== 2) return gcsError(400, 'invalid', `A multipart upload has 2 parts, not ${parts.length}.`);
    let metadata: { name?: string; contentType?: string };
    try {
      metadata = JSON.parse(parts[0]!) as typeof metadata;
    } catch {
      return gcsError(400, 'parseError', 'The metadata part is not JSON.');
    }
    const name = metadata.name ?? url.searchParams.get('name');
    if (!name) return gcsError(400, 'required', 'Required: the object name.');
    const content = Buffer.from(parts[1]!, 'latin1');
    objects.set(`${bucketName}/${name}`, content);
    const now = new Date().toISOString();
    return [
      200,
      {
        kind: 'storage#object',
        id: `${bucketName}/${name}/1`,
        name,
        bucket: bucketName,
        generation: String(Date.now() * 1000),
        metageneration: '1',
        contentType: metadata.contentType ?? 'application/octet-stream',
        size: String(content.length),
        md5Hash: createHash('md5').update(content).digest('base64'),
        crc32c: crc32c(content),
        etag: randomUUID(),
        storageClass: 'STANDARD',
        timeCreated: now,
        updated: now,
      },
    ];
  }

  function remove(bucketName: string, name: string, principal: string): Reply {
    const refusal = denied(bucketName, principal, 'storage.objects.delete');
    if (refusal) return refusal;
    if (!objects.delete(`${bucketName}/${name}`))
      return gcsError(404, 'notFound', `No such object: ${bucketName}/${name}`);
    return [204, undefined];
  }

  return { endpoint: server.url, objects, requests, close: () => server.close() };
}

/** CRC32C (Castagnoli), big-endian and base64, as Cloud Storage reports it. */
function crc32c(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}
