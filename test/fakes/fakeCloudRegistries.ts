// Strict stand-ins for the login side of two cloud registries, on loopback HTTP:
//   Artifact Registry: /v2/ answers 200 only to Basic "oauth2accesstoken:<token>" with a Google
//     access token the STS fake issued (and still valid);
//   ACR: /oauth2/exchange trades an Entra ID token for Resource Manager, from the registry's own
//     tenant, for a refresh token; /v2/ answers 200 only to Basic with the all-zero user and such a
//     refresh token whose app holds a role on the registry (AcrPull, AcrPush, Owner...), or to a
//     token its /oauth2/token service issued for those.
// Both challenge with a token service on their own address, as the real registries do.
// Unauthenticated answers carry the registries' challenge headers and error bodies.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { type FakeListen, startLoopbackServer } from './loopbackServer';
import { REGISTRY_WIRE } from './wireFaults';

export interface FakeRegistry {
  readonly baseUrl: string;
  readonly requests: { method: string; path: string }[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, body: string) => [number, unknown, Record<string, string>?];

async function serve(service: string, listen: FakeListen, handler: Handler): Promise<FakeRegistry> {
  const requests: FakeRegistry['requests'] = [];
  const serverOptions = { ...listen, service, wire: REGISTRY_WIRE };
  const server = await startLoopbackServer((req, body) => {
    requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]! });
    const [status, reply, headers] = handler(req, body.toString('utf8'));
    return {
      status,
      body: JSON.stringify(reply),
      headers: { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers },
    };
  }, serverOptions);
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

/** The realm of a registry's token service: on the registry's own address, as the real ones put it. */
const ownRealm = (req: http.IncomingMessage, pathname: string) => `http://${req.headers.host}${pathname}`;

export function startFakeArtifactRegistry(
  host: string,
  principalOf: (token: string) => string | undefined,
  listen: FakeListen = {},
): Promise<FakeRegistry> {
  const issued = new Set<string>();
  const loggedIn = (req: http.IncomingMessage) => {
    const login = basic(req);
    return login?.user === 'oauth2accesstoken' && principalOf(login.password) !== undefined;
  };
  return serve('artifact-registry', listen, (req) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const refuse = () =>
      unauthorized(
        ownRealm(req, '/v2/token'),
        host,
        'Unauthenticated request. Unauthenticated requests do not have permission to access this resource.',
      );
    if (req.method === 'GET' && url.pathname === '/v2/token') {
      if (url.searchParams.get('service') !== host || !loggedIn(req)) return refuse();
      const token = randomBytes(24).toString('base64url');
      issued.add(token);
      return [200, { token, expires_in: 3600 }];
    }
    if (req.method !== 'GET' || url.pathname !== '/v2/') {
      return [404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] }];
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    return loggedIn(req) || (bearer && issued.has(bearer)) ? [200, {}] : refuse();
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

export function startFakeAcr(options: FakeAcrOptions, listen: FakeListen = {}): Promise<FakeRegistry> {
  const refreshTokens = new Map<string, string>();
  const accessTokens = new Set<string>();
  const member = (req: http.IncomingMessage) => {
    const login = basic(req);
    const app = login?.user === ACR_ZERO_USER ? refreshTokens.get(login.password) : undefined;
    return app !== undefined && options.members.includes(app);
  };
  return serve('acr', listen, (req, body) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const realm = ownRealm(req, '/oauth2/token');
    if (req.method === 'GET' && url.pathname === '/oauth2/token') {
      if (url.searchParams.get('service') !== options.host || !member(req)) {
        return unauthorized(
          realm,
          options.host,
          'authentication required, visit https://aka.ms/acr/authorization for more information.',
        );
      }
      const token = randomBytes(24).toString('base64url');
      accessTokens.add(token);
      return [200, { access_token: token }];
    }
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
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!member(req) && !(bearer && accessTokens.has(bearer))) {
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
