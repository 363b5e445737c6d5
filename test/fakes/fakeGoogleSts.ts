// A strict stand-in for Google's Security Token Service (sts.googleapis.com/v1/token), the token
// exchange behind workload identity federation: an "external_account" credential file names the
// token URL, the pool provider (audience) and where the external subject token is read from, and
// Google's auth library trades that subject token for an access token here. The fake knows its
// pool providers and the subject tokens each accepts, and remembers which principal every access
// token it issued stands for, so the service fakes can check it. It also answers the Resource
// Manager project lookup the library makes with such a credential.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { type FakeListen, startLoopbackServer } from './loopbackServer';
import { CLOUD_PLATFORM_SCOPE } from './googleServiceAccounts';
import { GOOGLE_WIRE } from './wireFaults';

export interface FakePoolProvider {
  /** //iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER */
  readonly audience: string;
  /** Subject tokens the provider accepts, and the subject each one names. */
  readonly subjects: Readonly<Record<string, string>>;
}

export interface FakeSts {
  readonly tokenUrl: string;
  /** The principal an access token stands for, while it is valid. */
  principalOf(accessToken: string): string | undefined;
  /** An external_account credential file for a subject token kept in `subjectTokenFile`. */
  credentialFile(audience: string, subjectTokenFile: string): Record<string, unknown>;
  close(): Promise<void>;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const SUBJECT_TOKEN_TYPES = ['urn:ietf:params:oauth:token-type:jwt', 'urn:ietf:params:oauth:token-type:id_token'];

export async function startFakeSts(providers: readonly FakePoolProvider[], listen: FakeListen = {}): Promise<FakeSts> {
  const issued = new Map<string, { principal: string; expires: number }>();
  const server = await startLoopbackServer(
    (req, body) => {
      const [status, reply] = exchange(req, body.toString('utf8'));
      return { status, body: reply as object };
    },
    { ...listen, service: 'sts', wire: GOOGLE_WIRE, operationOf: stsOperation },
  );

  const refuse = (error: string, description: string): [number, unknown] => [
    400,
    { error, error_description: description },
  ];

  function exchange(req: http.IncomingMessage, body: string): [number, unknown] {
    const project = /^\/v1\/projects\/(\d+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && project) return projectOf(project[1]!, req);
    if (req.method !== 'POST' || req.url !== '/v1/token') return [404, { error: 'not_found' }];
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return refuse('invalid_request', 'Content-Type must be application/x-www-form-urlencoded.');
    }
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== TOKEN_EXCHANGE)
      return refuse('unsupported_grant_type', `Unsupported grant_type "${form.get('grant_type')}".`);
    if (!SUBJECT_TOKEN_TYPES.includes(form.get('subject_token_type') ?? '')) {
      return refuse('invalid_request', `Invalid value for "subject_token_type": ${form.get('subject_token_type')}.`);
    }
    const provider = providers.find((p) => p.audience === form.get('audience'));
    if (!provider) {
      return refuse(
        'invalid_target',
        'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.',
      );
    }
    const subject = provider.subjects[form.get('subject_token') ?? ''];
    if (!subject)
      return refuse(
        'invalid_grant',
        "The provided subject token is invalid or does not match the provider's audience.",
      );
    if (!(form.get('scope') ?? '').split(' ').includes(CLOUD_PLATFORM_SCOPE)) {
      return refuse('invalid_scope', `The requested scope must include ${CLOUD_PLATFORM_SCOPE}.`);
    }
    const pool = provider.audience.replace(/^\/\/iam\.googleapis\.com\//, '').replace(/\/providers\/[^/]+$/, '');
    const accessToken = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    issued.set(accessToken, {
      principal: `principal://iam.googleapis.com/${pool}/subject/${subject}`,
      expires: Date.now() + 3600_000,
    });
    return [
      200,
      {
        access_token: accessToken,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: 3600,
      },
    ];
  }

  // The auth library looks up the project of a federated credential (Resource Manager's
  // projects.get by the pool's project number) before its first request.
  function projectOf(projectNumber: string, req: http.IncomingMessage): [number, unknown] {
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!token || !principalOf(token)) {
      return [
        401,
        { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } },
      ];
    }
    const known = providers.some((p) => p.audience.includes(`/projects/${projectNumber}/`));
    if (!known) {
      return [
        403,
        { error: { code: 403, message: `The caller does not have permission`, status: 'PERMISSION_DENIED' } },
      ];
    }
    return [
      200,
      {
        projectNumber,
        projectId: `project-${projectNumber}`,
        lifecycleState: 'ACTIVE',
        name: `project-${projectNumber}`,
      },
    ];
  }

  const principalOf = (accessToken: string): string | undefined => {
    const entry = issued.get(accessToken);
    return entry && entry.expires > Date.now() ? entry.principal : undefined;
  };

  const tokenUrl = `${server.url}/v1/token`;
  return {
    tokenUrl,
    principalOf,
    credentialFile: (audience, subjectTokenFile) => ({
      type: 'external_account',
      audience,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: tokenUrl,
      cloud_resource_manager_url: `${tokenUrl.replace(/\/v1\/token$/, '')}/v1/projects/`,
      credential_source: { file: subjectTokenFile },
    }),
    close: () => server.close(),
  };
}

/** The two calls the fake serves, by their API method names. */
function stsOperation(req: http.IncomingMessage): string {
  if (req.method === 'POST' && req.url === '/v1/token') return 'ExchangeToken';
  if (req.method === 'GET' && /^\/v1\/projects\/\d+$/.test(req.url ?? '')) return 'projects.get';
  return `${req.method} ${(req.url ?? '').split('?')[0]}`;
}
