// The little of the OCI distribution API stepops needs to ask whether the registry already has a
// tag (pushes go through the engine, or registryUploads.ts for code-only changes). Speaks anonymous, Basic and Bearer-token auth, the
// three schemes ECR, Artifact Registry, ACR and self-hosted registries use, and retries
// transient 5xx answers.
import type { RegistryCredentials } from './registryAuth';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface ImageReference {
  readonly host: string;
  readonly repository: string;
  readonly tag: string;
}

export function parseReference(reference: string): ImageReference {
  const slash = reference.indexOf('/');
  const colon = reference.lastIndexOf(':');
  if (slash < 0 || colon < slash) throw new RegistryError(`"${reference}" is not HOST/REPOSITORY:TAG`);
  return {
    host: reference.slice(0, slash),
    repository: reference.slice(slash + 1, colon),
    tag: reference.slice(colon + 1),
  };
}

/** Registries on loopback speak plain HTTP (as the engine allows); every other one HTTPS. */
export function registryBaseUrl(host: string): string {
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host) ? `http://${host}` : `https://${host}`;
}

export interface RegistryRequestOptions {
  readonly credentials?: RegistryCredentials;
  readonly timeoutMs?: number;
  /** Attempts for 5xx and network errors, with exponential backoff from retryDelayMs. */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
}

/** Whether the registry has a manifest under this reference's tag. */
export async function manifestExists(reference: string, options: RegistryRequestOptions = {}): Promise<boolean> {
  return (await manifestDigest(reference, options)) !== undefined;
}

/** The digest the registry holds for a tag (its Docker-Content-Digest), undefined when it has none. */
export async function manifestDigest(
  reference: string,
  options: RegistryRequestOptions = {},
): Promise<string | undefined> {
  const ref = parseReference(reference);
  const url = `${registryBaseUrl(ref.host)}/v2/${ref.repository}/manifests/${ref.tag}`;
  const response = await authorizedRequest(url, 'HEAD', ref, options);
  if (response.status === 200) return response.headers.get('docker-content-digest') ?? '';
  if (response.status === 404) return undefined;
  throw new RegistryError(describeFailure(ref.host, response.status, Boolean(options.credentials)), response.status);
}

export function describeFailure(host: string, status: number, hadCredentials: boolean): string {
  if (status === 401) {
    return hadCredentials
      ? `${host} rejected the registry credentials (401). Check the username and password (or the cloud login) of the stack's container registry.`
      : `${host} requires credentials (401). Set them on the stack's container registry.`;
  }
  if (status === 403)
    return `${host} denied access (403): the credentials lack pull/push permission on this repository.`;
  return `${host} answered ${status}.`;
}

async function authorizedRequest(
  url: string,
  method: string,
  ref: ImageReference,
  options: RegistryRequestOptions,
): Promise<Response> {
  const headers: Record<string, string> = { Accept: MANIFEST_TYPES };
  let response = await request(url, method, headers, options);
  if (response.status !== 401) return response;
  const challenge = response.headers.get('www-authenticate') ?? '';
  const basic = basicAuth(options.credentials);
  if (/^basic/i.test(challenge) && basic) {
    response = await request(url, method, { ...headers, Authorization: basic }, options);
  } else if (/^bearer/i.test(challenge)) {
    const token = await bearerToken(challenge, ref, options);
    response = await request(url, method, { ...headers, Authorization: `Bearer ${token}` }, options);
  }
  return response;
}

/**
 * GET /v2/ (the API's version check) as `docker login` makes it: Basic credentials up front, and
 * when the registry answers with a token challenge instead (Docker Hub, GHCR, Harbor), a token
 * from its token service with the same credentials. Resolves with the final HTTP status; throws
 * RegistryError when the registry cannot be reached.
 */
export async function registryLoginStatus(
  host: string,
  options: RegistryRequestOptions & { readonly baseUrl?: string } = {},
): Promise<number> {
  const url = `${(options.baseUrl ?? registryBaseUrl(host)).replace(/\/+$/, '')}/v2/`;
  const basic = basicAuth(options.credentials);
  const first = await request(url, 'GET', basic ? { Authorization: basic } : {}, options);
  await first.body?.cancel();
  const challenge = first.headers.get('www-authenticate') ?? '';
  if (first.status !== 401 || !/^bearer/i.test(challenge)) return first.status;
  let token: string;
  try {
    token = await bearerToken(challenge, { host, repository: '', tag: '' }, options);
  } catch (error) {
    if (error instanceof RegistryError && error.status !== undefined) return error.status;
    throw error;
  }
  const second = await request(url, 'GET', { Authorization: `Bearer ${token}` }, options);
  await second.body?.cancel();
  return second.status;
}

export function basicAuth(credentials: RegistryCredentials | undefined): string | undefined {
  if (!credentials?.username) return undefined;
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/**
 * Bearer realm="https://auth/token",service="registry",scope="repository:x:pull" -> a token, for
 * the given scopes when the caller knows them (a push, a mount from another repository), else
 * for the challenge's.
 */
export async function bearerToken(
  challenge: string,
  ref: ImageReference,
  options: RegistryRequestOptions,
  scopes?: readonly string[],
): Promise<string> {
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  if (!params.realm) throw new RegistryError(`${ref.host} asked for a token without saying where to get it`);
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  // A login (no repository) asks for a token without a scope, as `docker login` does.
  const scope = params.scope ?? (ref.repository ? `repository:${ref.repository}:pull` : undefined);
  for (const s of scopes ?? (scope ? [scope] : [])) url.searchParams.append('scope', s);
  const basic = basicAuth(options.credentials);
  const response = await request(url.toString(), 'GET', basic ? { Authorization: basic } : {}, options);
  if (!response.ok)
    throw new RegistryError(describeFailure(ref.host, response.status, Boolean(basic)), response.status);
  const body = (await response.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new RegistryError(`${ref.host}'s token service answered without a token`);
  return token;
}

async function request(
  url: string,
  method: string,
  headers: Record<string, string>,
  options: RegistryRequestOptions,
): Promise<Response> {
  const attempts = options.attempts ?? 3;
  let delay = options.retryDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, { method, headers, signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
      if (response.status < 500 || attempt >= attempts) {
        if (method !== 'HEAD' && !response.ok) await response.body?.cancel();
        return response;
      }
      await response.body?.cancel();
    } catch (error) {
      if (attempt >= attempts) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new RegistryError(
          `cannot reach ${new URL(url).host} (${cause}); is the registry address right and the registry running?`,
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay *= 2;
  }
}
