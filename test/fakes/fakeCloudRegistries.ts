// Strict stand-ins for the login side of two cloud registries, on loopback HTTP:
//   Artifact Registry: /v2/ answers 200 only to Basic "oauth2accesstoken:<token>" with a Google
//     access token the STS fake issued (and still valid);
//   ACR: /oauth2/exchange trades an Entra ID token for Resource Manager, from the registry's own
//     tenant, for a refresh token; /v2/ answers 200 only to Basic with the all-zero user and such a
//     refresh token whose app holds a role on the registry (AcrPull, AcrPush, Owner...).
// Unauthenticated answers carry the registries' challenge headers and error bodies.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { startLoopbackServer } from './loopbackServer';

export interface FakeRegistry {
  readonly baseUrl: string;
  readonly requests: { method: string; path: string }[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, body: string) => [number, unknown, Record<string, string>?];

async function serve(handler: Handler): Promise<FakeRegistry> {
  const requests: FakeRegistry['requests'] = [];
  const server = await startLoopbackServer((req, body) => {
    requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]! });
    const [status, reply, headers] = handler(req, body.toString('utf8'));
    return {
      status,
      body: JSON.stringify(reply),
      headers: { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers },
    };
  });
  return { baseUrl: server.url, requests, close: () => server.close() };
}

function basic(req: http.IncomingMessage): { user: string; password: string } | undefined {
  const encoded = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  if (!encoded) return undefined;
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

const unauthorized = (realm: string, service: string, message: string): [number, unknown, Record<string, string>] => [
  401,
  { errors: [{ code: 'UNAUTHORIZED', message }] },
  { 'www-authenticate': `Bearer realm="${realm}",service="${service}"` },
];

export function startFakeArtifactRegistry(
  host: string,
  principalOf: (token: string) => string | undefined,
): Promise<FakeRegistry> {
  return serve((req) => {
    if (req.method !== 'GET' || req.url !== '/v2/')
      return [404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] }];
    const login = basic(req);
    if (!login || login.user !== 'oauth2accesstoken' || !principalOf(login.password)) {
      return unauthorized(
        `https://${host}/v2/token`,
        host,
        'Unauthenticated request. Unauthenticated requests do not have permission to access this resource.',
      );
    }
    return [200, {}];
  });
}

export interface FakeAcrOptions {
  /** NAME.azurecr.io, the "service" logins name. */
  readonly host: string;
  readonly tenantId: string;
  /** App (client) ids holding a role on the registry. */
  readonly members: readonly string[];
  readonly claimsOf: (token: string) => { aud: string; tid: string; appid: string; exp: number } | undefined;
  readonly resourceManager: string;
}

export const ACR_ZERO_USER = '00000000-0000-0000-0000-000000000000';

export function startFakeAcr(options: FakeAcrOptions): Promise<FakeRegistry> {
  const refreshTokens = new Map<string, string>();
  const realm = `https://${options.host}/oauth2/token`;
  return serve((req, body) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'POST' && url.pathname === '/oauth2/exchange') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'access_token') {
        return [
          400,
          { errors: [{ code: 'UNSUPPORTED', message: `unsupported grant_type ${form.get('grant_type')}` }] },
        ];
      }
      if (form.get('service') !== options.host) {
        return [
          400,
          { errors: [{ code: 'BAD_REQUEST', message: `service ${form.get('service')} is not this registry` }] },
        ];
      }
      const claims = options.claimsOf(form.get('access_token') ?? '');
      if (!claims || claims.exp <= Date.now() / 1000 || claims.aud !== options.resourceManager) {
        return unauthorized(realm, options.host, 'The access token is invalid or expired.');
      }
      if (claims.tid !== options.tenantId) {
        return unauthorized(realm, options.host, `The access token is from tenant ${claims.tid}, not the registry's.`);
      }
      const refreshToken = randomBytes(32).toString('base64url');
      refreshTokens.set(refreshToken, claims.appid);
      return [200, { refresh_token: refreshToken }];
    }
    if (req.method === 'GET' && url.pathname === '/v2/') {
      const login = basic(req);
      const app = login?.user === ACR_ZERO_USER ? refreshTokens.get(login.password) : undefined;
      if (!app || !options.members.includes(app)) {
        return unauthorized(
          realm,
          options.host,
          'authentication required, visit https://aka.ms/acr/authorization for more information.',
        );
      }
      return [200, {}];
    }
    return [404, { errors: [{ code: 'NOT_FOUND', message: `${req.method} ${url.pathname}` }] }];
  });
}
