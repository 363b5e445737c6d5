// Reads and writes of one registry through the OCI distribution API, for pushes made without an
// engine: manifests and blobs read, blobs checked (HEAD), mounted from another repository
// (POST ?mount=&from=, 201 when mounted, 202 when the registry starts an upload instead) or
// uploaded (POST, then PUT of the whole blob to the Location with ?digest=; the POST goes with the
// HEAD that asks whether the blob is needed), manifests written
// under a tag. Credentials as registryClient.ts takes them: Basic, or a token for the push and
// mount scopes from the registry's token service. Each operation retries 5xx answers and dropped
// connections on its own (a blob at a time), and stops at once when the caller's signal aborts.
import { sha256 } from './ociLayer';
import type { RegistryCredentials } from './registryAuth';
import {
  type ImageReference,
  RegistryError,
  basicAuth,
  bearerToken,
  describeFailure,
  registryBaseUrl,
} from './registryClient';

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

export interface RegistrySessionOptions {
  readonly credentials?: RegistryCredentials;
  readonly signal?: AbortSignal;
  /** Attempts per operation for 5xx answers and network errors (default 3). */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
  readonly timeoutMs?: number;
  /** Sees every HTTP request sent (method and URL), e.g. to count them. */
  readonly onRequest?: (method: string, url: URL) => void;
}

export interface StoredManifest {
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly digest: string;
}

interface Send {
  readonly method: string;
  readonly repository: string;
  /** Path below /v2/REPOSITORY/, or a full URL (an upload's Location). */
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** The body, or a function giving it (a stream can be sent once: the call after a 401 takes another). */
  readonly body?: Buffer | (() => Buffer | ReadableStream<Uint8Array>);
  /** Repositories the request reads besides its own (a mount's source). */
  readonly pullFrom?: string;
}

export class RegistrySession {
  private authorization: string | undefined;
  private readonly base: string;
  /** Tokens asked for, by scopes: requests sent at once that meet the same challenge share one. */
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    readonly host: string,
    private readonly options: RegistrySessionOptions = {},
  ) {
    this.base = registryBaseUrl(host);
  }

  /** The manifest under a tag or digest, undefined when the registry has none. */
  async manifest(repository: string, reference: string): Promise<StoredManifest | undefined> {
    return this.retrying(`reading ${repository}:${reference}`, async () => {
      const response = await this.send({
        method: 'GET',
        repository,
        path: `manifests/${reference}`,
        headers: { Accept: MANIFEST_MEDIA_TYPES.join(', ') },
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      const bytes = Buffer.from(await this.expect(response, [200], `reading ${repository}:${reference}`).arrayBuffer());
      const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
      const digest = response.headers.get('docker-content-digest') ?? '';
      return {
        mediaType: mediaType || (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType || '',
        bytes,
        digest,
      };
    });
  }

  /** A blob's bytes, checked against its digest (a config is trusted only if it is the one the manifest names). */
  async blob(repository: string, digest: string): Promise<Buffer> {
    return this.retrying(`reading blob ${digest}`, async () => {
      const response = await this.send({ method: 'GET', repository, path: `blobs/${digest}` });
      const bytes = Buffer.from(
        await this.expect(response, [200], `reading blob ${digest} of ${repository}`).arrayBuffer(),
      );
      const actual = sha256(bytes);
      if (digest.startsWith('sha256:') && actual !== digest) {
        throw new RegistryError(`${this.host} answered ${repository}'s blob ${digest} with other bytes (${actual})`);
      }
      return bytes;
    });
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    return this.retrying(`checking blob ${digest}`, async () => {
      const response = await this.send({ method: 'HEAD', repository, path: `blobs/${digest}` });
      if (response.status === 404) return false;
      this.expect(response, [200], `checking blob ${digest} in ${repository}`);
      return true;
    });
  }

  /**
   * Mounts a blob of another repository of this registry into this one. False when the registry
   * would not (it started an upload instead, which is cancelled here).
   */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    return this.retrying(`mounting blob ${digest}`, async () => {
      const query = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
      const response = await this.send({ method: 'POST', repository, path: `blobs/uploads/?${query}`, pullFrom: from });
      this.expect(response, [201, 202], `mounting ${digest} from ${from} into ${repository}`);
      if (response.status === 201) return true;
      const location = response.headers.get('location');
      if (location) await this.cancelUpload(repository, new URL(location, this.base));
      return false;
    });
  }

  /**
   * Uploads a blob unless the repository has it. The question and the upload's start go at once:
   * a blob that is missing (new code, its config) costs one round trip fewer, and the upload
   * started for one that is there is cancelled. True when the bytes were sent.
   */
  async uploadBlobIfMissing(repository: string, digest: string, bytes: Buffer): Promise<boolean> {
    const starting = this.retrying(`starting an upload to ${repository}`, () => this.startUpload(repository)).then(
      (location) => ({ location }),
      (failed: unknown) => ({ failed }),
    );
    const asked = await this.hasBlob(repository, digest).then(
      (present) => ({ present }),
      (failed: unknown) => ({ failed }),
    );
    const started = await starting;
    // An upload started for nothing (the blob is there, or the question failed) is not left open.
    if (!('present' in asked && !asked.present) && 'location' in started) {
      await this.cancelUpload(repository, started.location);
    }
    if ('failed' in asked) throw asked.failed;
    if (asked.present) return false;
    if ('failed' in started) throw started.failed;
    // The first attempt uses the upload already started; a retried one starts its own.
    let location: URL | undefined = started.location;
    await this.retrying(`uploading blob ${digest}`, () => {
      const at = location;
      location = undefined;
      return this.upload(repository, digest, () => bytes, at);
    });
    return true;
  }

  /**
   * Copies a blob from another repository of this registry through this process, for registries
   * that refuse cross-repository mounts: streamed, never held in memory whole.
   */
  async copyBlob(repository: string, digest: string, from: string): Promise<void> {
    await this.retrying(`copying blob ${digest} from ${from}`, async () => {
      const source = await this.send({ method: 'GET', repository: from, path: `blobs/${digest}` });
      this.expect(source, [200], `reading blob ${digest} of ${from}`);
      await this.upload(repository, digest, () => source.body!);
    });
  }

  /** An upload begun (POST): where its bytes go. */
  private async startUpload(repository: string): Promise<URL> {
    const started = await this.send({ method: 'POST', repository, path: 'blobs/uploads/' });
    this.expect(started, [202], `starting an upload to ${repository}`);
    const location = started.headers.get('location');
    if (!location) throw new RegistryError(`${this.host} started an upload without saying where (no Location)`);
    return new URL(location, this.base);
  }

  /** Best effort: a registry also expires an upload left alone. */
  private async cancelUpload(repository: string, location: URL): Promise<void> {
    await this.send({ method: 'DELETE', repository, path: location.toString() }).then(
      (response) => response.body?.cancel(),
      () => undefined,
    );
  }

  private async upload(
    repository: string,
    digest: string,
    body: () => Buffer | ReadableStream<Uint8Array>,
    location?: URL,
  ): Promise<void> {
    const target = new URL(location ?? (await this.startUpload(repository)));
    target.searchParams.set('digest', digest);
    const finished = await this.send({
      method: 'PUT',
      repository,
      path: target.toString(),
      headers: { 'Content-Type': 'application/octet-stream' },
      body,
    });
    this.expect(finished, [201], `uploading ${digest} to ${repository}`);
  }

  /** Writes a manifest under a tag; resolves with the digest the registry gives it. */
  async putManifest(repository: string, tag: string, manifest: Omit<StoredManifest, 'digest'>): Promise<string> {
    return this.retrying(`writing ${repository}:${tag}`, async () => {
      const response = await this.send({
        method: 'PUT',
        repository,
        path: `manifests/${tag}`,
        headers: { 'Content-Type': manifest.mediaType },
        body: manifest.bytes,
      });
      this.expect(response, [201], `writing the manifest ${repository}:${tag}`);
      return response.headers.get('docker-content-digest') ?? '';
    });
  }

  private expect(response: Response, statuses: readonly number[], what: string): Response {
    if (statuses.includes(response.status)) return response;
    void response.body?.cancel();
    const explained = describeFailure(this.host, response.status, Boolean(this.options.credentials));
    throw new RegistryError(`${what}: ${explained}`, response.status);
  }

  /** One request, authorised: on a 401 it asks for credentials as the challenge says and sends again. */
  private async send(request: Send): Promise<Response> {
    const first = await this.fetchOnce(request);
    if (first.status !== 401) return first;
    void first.body?.cancel();
    const challenge = first.headers.get('www-authenticate') ?? '';
    const basic = basicAuth(this.options.credentials);
    let authorization: string;
    if (/^basic/i.test(challenge) && basic) authorization = basic;
    else if (/^bearer/i.test(challenge)) authorization = `Bearer ${await this.token(challenge, request)}`;
    else return first;
    // Later requests start with it; this one is sent again with its own, whatever requests sent
    // meanwhile (with scopes of their own) left in the session.
    this.authorization = authorization;
    return this.fetchOnce(request, authorization);
  }

  private token(challenge: string, request: Send): Promise<string> {
    const ref: ImageReference = { host: this.host, repository: request.repository, tag: '' };
    const scopes = [`repository:${request.repository}:pull,push`];
    if (request.pullFrom) scopes.push(`repository:${request.pullFrom}:pull`);
    const key = `${challenge}\n${scopes.join(' ')}`;
    let token = this.tokens.get(key);
    if (!token) {
      token = bearerToken(
        challenge,
        ref,
        this.options.credentials ? { credentials: this.options.credentials } : {},
        scopes,
      );
      // A refused token is not kept: the next request asks again.
      token.catch(() => this.tokens.delete(key));
      this.tokens.set(key, token);
    }
    return token;
  }

  private async fetchOnce(request: Send, authorization = this.authorization): Promise<Response> {
    const url = /^https?:/.test(request.path)
      ? new URL(request.path)
      : new URL(`/v2/${request.repository}/${request.path}`, this.base);
    this.options.signal?.throwIfAborted();
    this.options.onRequest?.(request.method, url);
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 60_000);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
    const headers = { ...request.headers, ...(authorization ? { Authorization: authorization } : {}) };
    try {
      const body = typeof request.body === 'function' ? request.body() : request.body;
      // A streamed body needs half-duplex mode in Node's fetch.
      const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers, signal };
      // Node's fetch sends a Buffer as it is; the DOM typings only lack the overload.
      if (Buffer.isBuffer(body)) init.body = body as unknown as BodyInit;
      else if (body) Object.assign(init, { body, duplex: 'half' });
      return await fetch(url, init);
    } catch (error) {
      if (this.options.signal?.aborted) throw this.options.signal.reason;
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new RegistryError(
        `cannot reach ${this.host} (${cause}); is the registry address right and the registry running?`,
      );
    }
  }

  /** Runs one operation again after a 5xx or a network error, with exponential backoff. */
  private async retrying<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const attempts = this.options.attempts ?? 3;
    let delay = this.options.retryDelayMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        const transient = error instanceof RegistryError && (error.status === undefined || error.status >= 500);
        if (!transient || attempt >= attempts || this.options.signal?.aborted) {
          if (this.options.signal?.aborted) throw this.options.signal.reason;
          throw attempt > 1 && error instanceof RegistryError
            ? new RegistryError(`${error.message} (${what}, ${attempt} attempts)`, error.status)
            : error;
        }
      }
      await abortableDelay(delay, this.options.signal);
      delay *= 2;
    }
  }
}

function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
