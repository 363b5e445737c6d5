// A strict stand-in for the two Azure services stepops signs in and reads through: Microsoft
// Entra ID (the OpenID metadata and the client-credentials token endpoint MSAL calls) and Azure
// Resource Manager (resourceManager.ts: Azure ML workspaces, and what fakeAzureMl.ts mounts under
// them). Both speak TLS, because Microsoft's identity library refuses anything else; the tests
// trust the throwaway CA through NODE_EXTRA_CA_CERTS. Tokens are signed by the fake and carry
// tenant, app and audience, so Resource Manager rejects what Azure rejects: a token for another
// audience or tenant, an expired one, a principal without a role assignment on the scope, and
// names that do not exist, in Azure's error shapes.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { startLoopbackServer } from '../loopbackServer';
import { ResourceManager, type FakeSubscription, type TokenClaims } from './resourceManager';
import type { TestCertificate } from '../selfSignedCert';
import { AZURE_RESOURCE_MANAGER_WIRE, ENTRA_ID_WIRE, type FaultProfile } from '../wireFaults';

export interface FakeApp {
  readonly clientId: string;
  readonly secret: string;
}

export interface FakeTenant {
  readonly id: string;
  readonly apps: readonly FakeApp[];
}

export type { FakeRoleAssignment, FakeSubscription } from './resourceManager';

export interface FakeAzure {
  readonly authorityHost: string;
  readonly resourceManager: string;
  /** A Resource Manager token as Entra ID would issue it to an app (for fakes of other services). */
  issueToken(tenantId: string, clientId: string): string;
  /** The claims of a token this fake issued, when its signature holds. */
  claimsOf(token: string): { aud: string; tid: string; appid: string; oid: string; exp: number } | undefined;
  readonly requests: { service: 'login' | 'arm'; method: string; path: string }[];
  /** Resource Manager itself: token checks, role assignments, and where fakes of workspace resources mount. */
  readonly arm: ResourceManager;
  close(): Promise<void>;
}

type Reply = { status: number; body?: unknown; headers?: Readonly<Record<string, string>> };

export async function startFakeAzure(
  certificate: TestCertificate,
  tenants: readonly FakeTenant[],
  subscriptions: readonly FakeSubscription[],
  ports: { readonly login?: number; readonly arm?: number } = {},
): Promise<FakeAzure> {
  const requests: FakeAzure['requests'] = [];
  const signingKey = randomBytes(32);
  const serve = (
    service: 'login' | 'arm',
    handle: (req: IncomingMessage, body: string) => Reply | Promise<Reply>,
    faults: FaultProfile,
    port?: number,
  ) =>
    startLoopbackServer(
      async (req, body) => {
        requests.push({ service, method: req.method ?? '', path: (req.url ?? '').split('?')[0]! });
        const reply = await handle(req, body.toString('utf8'));
        return {
          ...reply,
          body: reply.body === undefined ? '' : JSON.stringify(reply.body),
          headers: { 'content-type': 'application/json; charset=utf-8', ...reply.headers },
        };
      },
      { tls: certificate, port, ...faults },
    );
  const login = await serve(
    'login',
    handleLogin,
    { service: 'entra-id', wire: ENTRA_ID_WIRE, operationOf: entraOperation },
    ports.login,
  );
  const authorityHost = login.url;
  // The port first: Resource Manager's checks need its own address (the tokens' audience).
  const started: { service?: ResourceManager } = {};
  const arm = await serve(
    'arm',
    (req, body) => started.service!.handle(req, body),
    {
      service: 'resource-manager',
      wire: AZURE_RESOURCE_MANAGER_WIRE,
      operationOf: (req) => started.service!.operationOf(req),
    },
    ports.arm,
  );
  const resourceManager = arm.url;
  const resourceManagerService = new ResourceManager({ url: resourceManager, authorityHost, subscriptions, verify });
  started.service = resourceManagerService;

  // --- Entra ID -------------------------------------------------------------------------------

  function aadError(status: number, error: string, code: number, description: string): Reply {
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
        error_codes: [code],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      },
    };
  }

  function handleLogin(req: IncomingMessage, body: string): Reply {
    const url = new URL(req.url ?? '/', authorityHost);
    const [, tenantId, ...rest] = url.pathname.split('/');
    const tenant = tenants.find((t) => t.id === tenantId);
    const route = rest.join('/');
    if (!tenant) {
      return aadError(
        400,
        'invalid_tenant',
        90002,
        `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    const base = `${authorityHost}/${tenant.id}`;
    if (req.method === 'GET' && route === 'v2.0/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          jwks_uri: `${authorityHost}/${tenant.id}/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          issuer: `${base}/v2.0`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          tenant_region_scope: 'EU',
          cloud_instance_name: 'stepops.test',
        },
      };
    }
    if (req.method === 'POST' && route === 'oauth2/v2.0/token') return issueToken(tenant, new URLSearchParams(body));
    return aadError(404, 'invalid_request', 900561, `The endpoint ${url.pathname} does not exist.`);
  }

  function issueToken(tenant: FakeTenant, form: URLSearchParams): Reply {
    if (form.get('grant_type') !== 'client_credentials') {
      return aadError(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${form.get('grant_type')}'.`,
      );
    }
    const clientId = form.get('client_id') ?? '';
    const app = tenant.apps.find((a) => a.clientId === clientId);
    if (!app) {
      return aadError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant.id}'.`,
      );
    }
    const secret = Buffer.from(form.get('client_secret') ?? '');
    const expected = Buffer.from(app.secret);
    if (secret.length !== expected.length || !timingSafeEqual(secret, expected)) {
      return aadError(
        401,
        'invalid_client',
        7000215,
        'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
      );
    }
    const scope = form.get('scope') ?? '';
    const resource = scope.split(' ').find((s) => s.endsWith('/.default'));
    if (!resource) {
      return aadError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
      );
    }
    const audience = resource.slice(0, -'/.default'.length);
    if (audience !== resourceManager) {
      return aadError(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${audience} was not found in the tenant named ${tenant.id}.`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: audience,
      tid: tenant.id,
      appid: clientId,
      oid: objectIdOf(clientId),
      iat: now,
      exp: now + 3599,
    };
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: sign(claims) },
    };
  }

  function sign(claims: object): string {
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = createHmac('sha256', signingKey).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  }

  function verify(token: string): TokenClaims | undefined {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return undefined;
    const expected = createHmac('sha256', signingKey).update(`${header}.${payload}`).digest('base64url');
    if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected)))
      return undefined;
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  }

  return {
    authorityHost,
    resourceManager,
    issueToken: (tenantId, clientId) => {
      const now = Math.floor(Date.now() / 1000);
      return sign({
        aud: resourceManager,
        tid: tenantId,
        appid: clientId,
        oid: objectIdOf(clientId),
        iat: now,
        exp: now + 3599,
      });
    },
    claimsOf: verify,
    requests,
    arm: resourceManagerService,
    close: async () => {
      await Promise.all([login.close(), arm.close()]);
    },
  };
}

/** Entra ID calls by what they do: the OpenID metadata and the token endpoint. */
function entraOperation(req: IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path.endsWith('/v2.0/.well-known/openid-configuration')) return 'OpenIdConfiguration';
  if (req.method === 'POST' && path.endsWith('/oauth2/v2.0/token')) return 'Token';
  return `${req.method} ${path}`;
}

/** A stable object id per app, as Entra ID gives each service principal one. */
function objectIdOf(clientId: string): string {
  const hex = createHmac('sha256', 'object-id').update(clientId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
