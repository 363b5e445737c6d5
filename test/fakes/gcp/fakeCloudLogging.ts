// A strict stand-in for Cloud Logging's entries:list (logging.googleapis.com/v2/entries:list), the
// call a Vertex job's log tail makes, as @google-cloud/logging sends it over its REST fallback or as
// a plain google-auth-library request sends it: POST with {resourceNames: ["projects/P"], filter,
// orderBy: "timestamp asc"|"timestamp desc", pageSize, pageToken}. It accepts the Google tokens the
// other Google fakes accept (self-signed service account JWTs, the STS fake's federated tokens),
// needs logging.logEntries.list on every project named and the API enabled there, reads the body
// as Google's front end does (unknown fields refused), applies the filter (loggingFilter.ts; one it
// cannot read is INVALID_ARGUMENT) and pages with tokens. The Vertex emulator writes its replicas'
// lines here; they become visible an ingestion delay after they arrive, as in Cloud Logging. A
// response field mask (X-Goog-FieldMask, or the `fields` parameter) is checked against
// ListLogEntriesResponse in the .proto files @google-cloud/logging ships, and applied.
// Fault rules name the call ListLogEntries (RESOURCE_EXHAUSTED, 429, for a throttle).
import type http from 'node:http';
import path from 'node:path';
import type * as Protobuf from 'protobufjs';
import type { FakeServiceAccount } from '../googleServiceAccounts';
import type { FakeListen } from '../loopbackServer';
import { FilterSyntaxError } from './filterSyntax';
import { authenticate } from './googleCallers';
import { startGoogleJsonServer } from './googleServer';
import { type GoogleReply, badRequest, googleError } from './googleErrors';
import {
  FieldMaskError,
  type FieldSelection,
  applyFieldMask,
  parseFieldMask,
  requestedFieldMask,
} from './googleFieldMask';
import { DEFAULT_PAGE_SIZE, InvalidPageToken, LogEntryStore, MAX_PAGE_SIZE, type StoredEntry } from './logEntries';
import { LoggingFilterError, SEVERITY_LEVELS, compileLoggingFilter } from './loggingFilter';
import { type FakeGoogleProject, projectNumberOf, refuseInProject } from './googleProjects';
import { PROTO_ROOTS, loadProtos } from './protoModel';
import type { LogEntryInput, VertexLogSink } from './vertexReplicas';

export interface FakeCloudLoggingOptions extends FakeListen {
  /** Projects, their API enablement and grants (logging.logEntries.list). */
  readonly projects: readonly FakeGoogleProject[];
  /** Service accounts whose self-signed JWTs are accepted. */
  readonly accounts?: readonly FakeServiceAccount[];
  /** The STS fake's lookup, to accept its federated access tokens. */
  readonly principalOf?: (accessToken: string) => string | undefined;
  /** How long an entry takes to become visible (default 250 ms; Cloud Logging: seconds). */
  readonly ingestionDelayMs?: number;
}

export interface FakeCloudLogging extends VertexLogSink {
  /** `http://127.0.0.1:PORT`, for the Vertex operator's logging_api_endpoint. */
  readonly endpoint: string;
  readonly requests: { method: string; path: string; body?: unknown }[];
  /** Every entry written, visible yet or not, in arrival order. */
  entries(): readonly StoredEntry[];
  /** The ingestion delay in force (tests may change it). */
  ingestionDelayMs: number;
  write(entries: readonly LogEntryInput[]): void;
  close(): Promise<void>;
}

const AUDIENCE = 'https://logging.googleapis.com/';
const LIST_FIELDS: Record<string, string> = {
  resourceNames: 'resourceNames',
  resource_names: 'resourceNames',
  filter: 'filter',
  orderBy: 'orderBy',
  order_by: 'orderBy',
  pageSize: 'pageSize',
  page_size: 'pageSize',
  pageToken: 'pageToken',
  page_token: 'pageToken',
};

interface ListRequest {
  resourceNames?: unknown;
  filter?: unknown;
  orderBy?: unknown;
  pageSize?: unknown;
  pageToken?: unknown;
}

export async function startFakeCloudLogging(options: FakeCloudLoggingOptions): Promise<FakeCloudLogging> {
  const store = new LogEntryStore(options.ingestionDelayMs ?? 250);
  const requests: FakeCloudLogging['requests'] = [];
  const callers = {
    accounts: options.accounts ?? [],
    ...(options.principalOf ? { principalOf: options.principalOf } : {}),
  };
  const server = await startGoogleJsonServer(handle, { service: 'logging', operationOf: loggingOperation }, options);

  function handle(req: http.IncomingMessage, body: Buffer): GoogleReply {
    const url = new URL(req.url ?? '/', 'http://fake');
    let parsed: unknown;
    try {
      parsed = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch (error) {
      requests.push({ method: req.method ?? '', path: url.pathname });
      return googleError('INVALID_ARGUMENT', `Invalid JSON payload received. ${(error as Error).message}`);
    }
    requests.push({ method: req.method ?? '', path: url.pathname, body: parsed });
    if (req.method !== 'POST' || url.pathname !== '/v2/entries:list') {
      return googleError('NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
    }
    const caller = authenticate(req, callers, AUDIENCE);
    if (Array.isArray(caller)) return caller;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return googleError('INVALID_ARGUMENT', 'Invalid JSON payload received. The body must be a JSON object.');
    }
    const alt = url.searchParams.get('$alt') ?? url.searchParams.get('alt') ?? 'json';
    const mask = requestedFieldMask(req, url);
    let selection: FieldSelection = 'all';
    try {
      if (mask) selection = parseFieldMask(mask, listResponseType());
    } catch (error) {
      if (error instanceof FieldMaskError) return googleError('INVALID_ARGUMENT', error.message);
      throw error;
    }
    const [status, reply] = list(
      parsed as Record<string, unknown>,
      caller.principal,
      alt.includes('enum-encoding=int'),
    );
    return status === 200 ? [status, applyFieldMask(reply, selection)] : [status, reply];
  }

  function list(body: Record<string, unknown>, principal: string, enumsAsNumbers: boolean): GoogleReply {
    const request: ListRequest = {};
    for (const [key, value] of Object.entries(body)) {
      const field = LIST_FIELDS[key];
      if (!field) {
        const description = `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`;
        return googleError('INVALID_ARGUMENT', description, [badRequest([{ field: key, description }])]);
      }
      request[field as keyof ListRequest] = value;
    }
    const shape = checkShape(request);
    if (shape) return shape;
    const names = request.resourceNames as string[];
    const projects: string[] = [];
    for (const name of names) {
      const project = /^projects\/([^/]+)$/.exec(name)?.[1];
      if (!project) {
        return googleError(
          'INVALID_ARGUMENT',
          `Invalid resource name "${name}": this fake reads project logs only (projects/PROJECT_ID or projects/PROJECT_NUMBER).`,
        );
      }
      const denied = authorize(project, principal);
      if (denied) return denied;
      // Entries name their project by id (logName projects/ID/logs/...), whichever the request used.
      projects.push(options.projects.find((p) => p.id === project || projectNumberOf(p) === project)!.id);
    }
    const filter = String(request.filter ?? '');
    let matches;
    try {
      matches = compileLoggingFilter(filter);
    } catch (error) {
      if (error instanceof FilterSyntaxError) {
        const { line, column } = lineAndColumn(filter, error.column);
        return googleError(
          'INVALID_ARGUMENT',
          `Unparseable filter: ${error.message} at line ${line}, column ${column}`,
        );
      }
      if (error instanceof LoggingFilterError)
        return googleError('INVALID_ARGUMENT', `Invalid filter: ${error.message}`);
      throw error;
    }
    const orderBy = String(request.orderBy ?? 'timestamp asc').trim();
    if (!/^timestamp( (asc|desc))?$/.test(orderBy)) {
      return googleError('INVALID_ARGUMENT', `Invalid orderBy "${orderBy}": use "timestamp asc" or "timestamp desc".`);
    }
    const size = Number(request.pageSize ?? 0);
    try {
      const page = store.page({
        projects,
        matches,
        descending: orderBy.endsWith('desc'),
        pageSize: Math.min(size || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
        key: JSON.stringify([names, filter, orderBy]),
        ...(request.pageToken ? { pageToken: String(request.pageToken) } : {}),
      });
      const entries = page.entries.map((e) => (enumsAsNumbers ? withSeverityNumber(e.json) : e.json));
      return [
        200,
        {
          ...(entries.length ? { entries } : {}),
          ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
        },
      ];
    } catch (error) {
      if (!(error instanceof InvalidPageToken)) throw error;
      return googleError(
        'INVALID_ARGUMENT',
        'Invalid page token: it was not issued for these resource names, filter and order. Start again without pageToken.',
      );
    }
  }

  function authorize(projectId: string, principal: string): GoogleReply | undefined {
    return refuseInProject(
      options.projects.find((p) => p.id === projectId || projectNumberOf(p) === projectId),
      {
        principal,
        permission: 'logging.logEntries.list',
        api: { service: 'logging.googleapis.com', title: 'Cloud Logging API' },
        resource: `projects/${projectId}`,
      },
    );
  }

  return {
    endpoint: server.url,
    requests,
    entries: () => store.all(),
    get ingestionDelayMs() {
      return store.ingestionDelayMs;
    },
    set ingestionDelayMs(ms: number) {
      store.ingestionDelayMs = ms;
    },
    write: (entries) => store.write(entries),
    close: () => server.close(),
  };
}

/** The proto3 JSON types of ListLogEntriesRequest, as Google's front end checks them. */
function checkShape(request: ListRequest): GoogleReply | undefined {
  const invalid = (field: string, type: string, value: unknown) =>
    googleError('INVALID_ARGUMENT', `Invalid value at '${field}' (${type}), ${JSON.stringify(value)}`);
  const names = request.resourceNames;
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) {
    return invalid('resource_names', 'TYPE_STRING', names);
  }
  if (!Array.isArray(names) || names.length === 0) {
    return googleError(
      'INVALID_ARGUMENT',
      'resourceNames is required: name the project whose logs to read (projects/PROJECT_ID).',
    );
  }
  for (const field of ['filter', 'orderBy', 'pageToken'] as const) {
    if (request[field] !== undefined && typeof request[field] !== 'string')
      return invalid(field, 'TYPE_STRING', request[field]);
  }
  const size = request.pageSize;
  if (size !== undefined && !(Number.isInteger(Number(size)) && Number(size) >= 0 && typeof size !== 'boolean')) {
    return invalid('page_size', 'TYPE_INT32', size);
  }
  return undefined;
}

let responseType: Protobuf.Type | undefined;

/** google.logging.v2.ListLogEntriesResponse, from the client's own .proto files (parsed once). */
function listResponseType(): Protobuf.Type {
  if (!responseType) {
    const loggingProtos = path.resolve(path.dirname(require.resolve('@google-cloud/logging')), '..', 'protos');
    const root = loadProtos('google/logging/v2/logging.proto', [loggingProtos, ...PROTO_ROOTS]);
    responseType = root.lookupType('google.logging.v2.ListLogEntriesResponse');
  }
  return responseType;
}

function withSeverityNumber(json: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { ...json, severity: SEVERITY_LEVELS[String(json.severity)] ?? 0 };
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset - 1).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function loggingOperation(req: http.IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0]!;
  return req.method === 'POST' && path === '/v2/entries:list' ? 'ListLogEntries' : `${req.method} ${path}`;
}
