// A strict stand-in for one regional Vertex AI endpoint (REGION-aiplatform.googleapis.com), for
// what stepops calls so far (ListCustomJobs). It speaks the REST mapping the official client uses,
// authenticates the self-signed service-account JWTs Google's libraries send (signature, key id,
// lifetime, scope), checks the project's API enablement and the caller's IAM permission, validates
// the parent and the paging parameters, and answers with google.rpc error bodies. Started on a
// loopback port by the tests.
import type http from 'node:http';
import { type FakeListen, startLoopbackServer } from '../loopbackServer';
import { type FakeServiceAccount, verifySelfSignedJwt } from '../googleServiceAccounts';
import { GOOGLE_WIRE } from '../wireFaults';

export interface FakeGoogleProject {
  readonly id: string;
  readonly apiEnabled: boolean;
  /** IAM: permissions granted to each service account email, e.g. "aiplatform.customJobs.list". */
  readonly grants: Readonly<Record<string, readonly string[]>>;
}

export interface FakeVertex {
  /** `http://127.0.0.1:PORT`, for the operator's api_endpoint. */
  readonly endpoint: string;
  readonly requests: { method: string; path: string; query: Record<string, string> }[];
  close(): Promise<void>;
}

type Reply = [number, unknown];

const STATUS_CODES: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  UNIMPLEMENTED: 501,
};

function googleError(status: keyof typeof STATUS_CODES, message: string, details: unknown[] = []): Reply {
  const code = STATUS_CODES[status]!;
  return [code, { error: { code, message, status, ...(details.length ? { details } : {}) } }];
}

const errorInfo = (reason: string, metadata: Record<string, string>) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain: 'aiplatform.googleapis.com',
  metadata,
});

const LIST_CUSTOM_JOBS = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/customJobs$/;

export async function startFakeVertex(
  region: string,
  projects: readonly FakeGoogleProject[],
  accounts: readonly FakeServiceAccount[],
  listen: FakeListen = {},
): Promise<FakeVertex> {
  const requests: FakeVertex['requests'] = [];
  const server = await startLoopbackServer(
    (req) => {
      const [status, body] = handle(req);
      return { status, body: JSON.stringify(body), headers: { 'content-type': 'application/json; charset=UTF-8' } };
    },
    { ...listen, service: 'vertex', wire: GOOGLE_WIRE, operationOf: vertexOperation },
  );

  function handle(req: http.IncomingMessage): Reply {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method: req.method ?? '', path: url.pathname, query });

    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!bearer) {
      return googleError(
        'UNAUTHENTICATED',
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        [errorInfo('CREDENTIALS_MISSING', {})],
      );
    }
    const caller = verifySelfSignedJwt(bearer, accounts, 'https://aiplatform.googleapis.com/');
    if (typeof caller === 'string') {
      return googleError(
        'UNAUTHENTICATED',
        `Request had invalid authentication credentials (${caller}). Expected OAuth 2 access token, login cookie or other valid authentication credential.`,
        [errorInfo('ACCESS_TOKEN_TYPE_UNSUPPORTED', {})],
      );
    }

    const list = LIST_CUSTOM_JOBS.exec(url.pathname);
    if (req.method === 'GET' && list) return listCustomJobs(list[1]!, list[2]!, query, caller);
    return googleError('NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
  }

  function authorize(
    projectId: string,
    location: string,
    caller: FakeServiceAccount,
    permission: string,
  ): Reply | undefined {
    const project = projects.find((p) => p.id === projectId);
    const resource = `projects/${projectId}/locations/${location}`;
    // Google answers the same for a missing project and a missing permission, by design.
    if (!project || !(project.grants[caller.email] ?? []).includes(permission)) {
      return googleError(
        'PERMISSION_DENIED',
        `Permission '${permission}' denied on resource '//aiplatform.googleapis.com/${resource}' (or it may not exist).`,
        [errorInfo('IAM_PERMISSION_DENIED', { permission, resource })],
      );
    }
    if (!project.apiEnabled) {
      return googleError(
        'PERMISSION_DENIED',
        `Vertex AI API has not been used in project ${projectId} before or it is disabled. Enable it by visiting the API library, then retry.`,
        [errorInfo('SERVICE_DISABLED', { service: 'aiplatform.googleapis.com', consumer: `projects/${projectId}` })],
      );
    }
    return undefined;
  }

  function listCustomJobs(
    projectId: string,
    location: string,
    query: Record<string, string>,
    caller: FakeServiceAccount,
  ): Reply {
    if (location !== region) {
      // A regional endpoint serves its own region only.
      return googleError(
        'INVALID_ARGUMENT',
        `Request contains an invalid argument: location ${location} is served by ${location}-aiplatform.googleapis.com, not this endpoint.`,
      );
    }
    const denied = authorize(projectId, location, caller, 'aiplatform.customJobs.list');
    if (denied) return denied;
    if (query.pageSize !== undefined && !/^\d+$/.test(query.pageSize)) {
      return googleError('INVALID_ARGUMENT', `Invalid value at 'page_size' (TYPE_INT32), "${query.pageSize}"`);
    }
    if (query.pageToken) return googleError('INVALID_ARGUMENT', 'Invalid page token.');
    if (query.filter) return googleError('UNIMPLEMENTED', 'This fake does not evaluate list filters yet.');
    // No jobs have been created through this fake yet: proto3 JSON omits the empty list.
    return [200, {}];
  }

  return { endpoint: server.url, requests, close: () => server.close() };
}

/** Fault rules name Vertex calls by their RPC method names. */
function vertexOperation(req: http.IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'GET' && LIST_CUSTOM_JOBS.test(path)) return 'ListCustomJobs';
  return `${req.method} ${path}`;
}
