// A strict stand-in for the Cloud Storage JSON API calls stepops makes (a multipart upload, an
// object's metadata or media download, a list of objects by prefix, page by page, an object
// delete), reached through the client's own STORAGE_EMULATOR_HOST setting. Every request must
// carry an access token the STS fake issued; the bucket's IAM policy must grant the token's
// principal the permission (storage.objects.create, .get, .list, .delete); the upload must be
// well-formed multipart/related; answers carry the object's real MD5 and CRC32C (which the client
// checks against what it sent or received), and errors come in the API's JSON shape (plain text
// for media downloads, as Cloud Storage answers them).
import { createHash, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { type FakeListen, startLoopbackServer } from './loopbackServer';
import { GCS_FAULTS } from './wireFaults';

export interface FakeBucket {
  /** IAM: permissions per principal, e.g. { 'principal://...': ['storage.objects.create'] }. */
  readonly grants: Readonly<Record<string, readonly string[]>>;
}

export interface FakeGcs {
  /** For STORAGE_EMULATOR_HOST. */
  readonly endpoint: string;
  readonly objects: Map<string, Buffer>;
  /** The buckets it serves. */
  readonly bucketNames: readonly string[];
  /** Stores an object as an upload would (new generation, creation time), past the permission checks. */
  put(bucket: string, name: string, content: Buffer, contentType?: string): void;
  /** Deletes an object, past the permission checks. */
  remove(bucket: string, name: string): void;
  readonly requests: { method: string; path: string }[];
  /** The most objects one list page holds: Cloud Storage's 1,000 unless a test lowers it to see paging. */
  readonly limits: { maxResults: number };
  close(): Promise<void>;
}

type Reply = [number, unknown];
/** A media download, or its error: Cloud Storage answers those in plain text, not JSON. */
type MediaReply = { status: number; body: Buffer | string; headers: Record<string, string> };

interface StoredObject {
  readonly contentType: string;
  readonly generation: string;
  readonly created: string;
}

const gcsError = (code: number, reason: string, message: string): Reply => [
  code,
  { error: { code, message, errors: [{ message, domain: 'global', reason }] } },
];

export async function startFakeGcs(
  buckets: Readonly<Record<string, FakeBucket>>,
  principalOf: (accessToken: string) => string | undefined,
  listen: FakeListen = {},
): Promise<FakeGcs> {
  const limits = { maxResults: 1000 };
  const objects = new Map<string, Buffer>();
  const stored = new Map<string, StoredObject>();
  // Page tokens handed out by list, each standing for the last name of its page.
  const pageTokens = new Map<string, string>();
  const requests: FakeGcs['requests'] = [];
  const serverOptions = { ...GCS_FAULTS, ...listen };
  const server = await startLoopbackServer((req, body) => {
    const answer = handle(req, body);
    if (!Array.isArray(answer)) return answer;
    const [status, reply] = answer;
    return status === 204
      ? { status }
      : { status, body: JSON.stringify(reply), headers: { 'content-type': 'application/json; charset=UTF-8' } };
  }, serverOptions);

  function handle(req: http.IncomingMessage, body: Buffer): Reply | MediaReply {
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
    if (object && req.method === 'GET') {
      const [bucketName, name] = [decodeURIComponent(object[1]!), decodeURIComponent(object[2]!)];
      return url.searchParams.get('alt') === 'media'
        ? media(bucketName, name, req, principal)
        : get(bucketName, name, principal);
    }
    const list = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (list && req.method === 'GET') return listObjects(decodeURIComponent(list[1]!), url, principal);
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
    put(bucketName, name, content, metadata.contentType);
    return [200, resourceOf(bucketName, name, content)];
  }

  function put(bucketName: string, name: string, content: Buffer, contentType?: string): void {
    objects.set(`${bucketName}/${name}`, content);
    stored.set(`${bucketName}/${name}`, {
      contentType: contentType ?? 'application/octet-stream',
      generation: String(Date.now() * 1000),
      created: new Date().toISOString(),
    });
  }

  /** The object resource as the JSON API describes it. */
  function resourceOf(bucketName: string, name: string, content: Buffer) {
    // An object a test stored directly gets what an upload would have recorded.
    const meta = stored.get(`${bucketName}/${name}`) ?? {
      contentType: 'application/octet-stream',
      generation: '1',
      created: new Date(0).toISOString(),
    };
    return {
      kind: 'storage#object',
      id: `${bucketName}/${name}/${meta.generation}`,
      name,
      bucket: bucketName,
      generation: meta.generation,
      metageneration: '1',
      contentType: meta.contentType,
      size: String(content.length),
      md5Hash: createHash('md5').update(content).digest('base64'),
      crc32c: crc32c(content),
      etag: createHash('sha1').update(content).digest('base64'),
      storageClass: 'STANDARD',
      timeCreated: meta.created,
      updated: meta.created,
    };
  }

  function get(bucketName: string, name: string, principal: string): Reply {
    const refusal = denied(bucketName, principal, 'storage.objects.get');
    if (refusal) return refusal;
    const content = objects.get(`${bucketName}/${name}`);
    if (!content) return gcsError(404, 'notFound', `No such object: ${bucketName}/${name}`);
    return [200, resourceOf(bucketName, name, content)];
  }

  function media(bucketName: string, name: string, req: http.IncomingMessage, principal: string): MediaReply {
    const text = (status: number, message: string): MediaReply => ({
      status,
      body: message,
      headers: { 'content-type': 'text/html; charset=UTF-8' },
    });
    const refusal = denied(bucketName, principal, 'storage.objects.get');
    if (refusal) return text(refusal[0], (refusal[1] as { error: { message: string } }).error.message);
    if (req.headers.range !== undefined) return text(501, 'The fake does not implement ranged downloads.');
    const content = objects.get(`${bucketName}/${name}`);
    if (!content) return text(404, `No such object: ${bucketName}/${name}`);
    const resource = resourceOf(bucketName, name, content);
    return {
      status: 200,
      body: content,
      headers: {
        'content-type': resource.contentType,
        'content-length': String(content.length),
        etag: resource.etag,
        // The client checks the bytes against these hashes, for objects stored as they are sent.
        'x-goog-hash': `crc32c=${resource.crc32c},md5=${resource.md5Hash}`,
        'x-goog-stored-content-encoding': 'identity',
        'x-goog-stored-content-length': String(content.length),
        'x-goog-generation': resource.generation,
        'x-goog-metageneration': '1',
      },
    };
  }

  function listObjects(bucketName: string, url: URL, principal: string): Reply {
    const query = url.searchParams;
    for (const name of ['delimiter', 'startOffset', 'endOffset', 'matchGlob', 'includeTrailingDelimiter']) {
      if (query.has(name)) return gcsError(501, 'notImplemented', `The fake does not implement listing with ${name}.`);
    }
    if (query.get('versions') === 'true') return gcsError(501, 'notImplemented', 'The fake keeps no object versions.');
    const refusal = denied(bucketName, principal, 'storage.objects.list');
    if (refusal) return refusal;
    const askedText = query.get('maxResults');
    const asked = askedText === null ? 1000 : Number(askedText);
    if (!Number.isInteger(asked) || asked < 0)
      return gcsError(400, 'invalid', `Invalid value for maxResults: ${askedText}`);
    let after = '';
    const token = query.get('pageToken');
    if (token) {
      const last = pageTokens.get(token);
      if (last === undefined) return gcsError(400, 'invalid', 'Invalid page token.');
      after = last;
    }
    const prefix = query.get('prefix') ?? '';
    const names = [...objects.keys()]
      .filter((key) => key.startsWith(`${bucketName}/`))
      .map((key) => key.slice(bucketName.length + 1))
      .filter((name) => name.startsWith(prefix) && Buffer.compare(Buffer.from(name), Buffer.from(after)) > 0)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = names.slice(0, Math.min(asked || 1000, limits.maxResults));
    const reply: { kind: string; items?: unknown[]; nextPageToken?: string } = { kind: 'storage#objects' };
    if (page.length > 0)
      reply.items = page.map((name) => resourceOf(bucketName, name, objects.get(`${bucketName}/${name}`)!));
    if (names.length > page.length) {
      reply.nextPageToken = randomUUID();
      pageTokens.set(reply.nextPageToken, page.at(-1)!);
    }
    return [200, reply];
  }

  function remove(bucketName: string, name: string, principal: string): Reply {
    const refusal = denied(bucketName, principal, 'storage.objects.delete');
    if (refusal) return refusal;
    stored.delete(`${bucketName}/${name}`);
    if (!objects.delete(`${bucketName}/${name}`))
      return gcsError(404, 'notFound', `No such object: ${bucketName}/${name}`);
    return [204, undefined];
  }

  return {
    endpoint: server.url,
    objects,
    bucketNames: Object.keys(buckets),
    put,
    remove: (bucketName, name) => {
      objects.delete(`${bucketName}/${name}`);
      stored.delete(`${bucketName}/${name}`);
    },
    requests,
    limits,
    close: () => server.close(),
  };
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
