// The REST surface of the Vertex emulator's JobService: its routes and the RPC names fault rules
// use for them, the query parameters each method binds (Google's front end refuses others), the
// JSON bodies it reads, and the long-running operation deleteCustomJob answers with.
import type http from 'node:http';
import { type CustomJob, newJobId } from './customJobs';
import { type GoogleReply, badRequest, googleError } from './googleErrors';
import { formatTimestamp, nowNanos } from './googleTime';
import { V1 } from './protoModel';

/** The custom jobs of a location, and one of them (with :cancel for its cancel method). */
export const JOBS = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/customJobs$/;
export const JOB = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/customJobs\/([^/:]+)(:cancel)?$/;
/** System parameters every Google REST method takes besides its own fields. */
export const SYSTEM_PARAMETERS = new Set([
  '$alt',
  'alt',
  '$prettyPrint',
  'prettyPrint',
  'key',
  'quotaUser',
  '$fields',
  'fields',
]);
/** listCustomJobs' query parameters, by JSON or proto name, and the field each binds. */
export const LIST_PARAMETERS: Record<string, string> = {
  filter: 'filter',
  pageSize: 'pageSize',
  page_size: 'pageSize',
  pageToken: 'pageToken',
  page_token: 'pageToken',
  readMask: 'readMask',
  read_mask: 'readMask',
};

/** The first query parameter the method does not bind, refused as Google's front end refuses it. */
export function unknownParameters(url: URL, allowed: Record<string, string>): GoogleReply | undefined {
  const unknown = [...url.searchParams.keys()].filter((k) => !SYSTEM_PARAMETERS.has(k) && !(k in allowed));
  if (unknown.length === 0) return undefined;
  const name = unknown[0]!;
  const description = `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`;
  return googleError('INVALID_ARGUMENT', description, [badRequest([{ field: name, description }])]);
}

/** A request body as the request log keeps it. */
export function tryJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return body.toString('utf8');
  }
}

/** A JSON object body, or Google's answer to one that is not. */
export function parseBody(body: Buffer): Record<string, unknown> | GoogleReply {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return googleError('INVALID_ARGUMENT', `Invalid JSON payload received. ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return googleError('INVALID_ARGUMENT', 'Invalid JSON payload received. The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** Fault rules name Vertex calls by their RPC method names. */
export function vertexOperation(req: http.IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0]!;
  if (JOBS.test(path))
    return req.method === 'POST'
      ? 'CreateCustomJob'
      : req.method === 'GET'
        ? 'ListCustomJobs'
        : `${req.method} ${path}`;
  const single = JOB.exec(path);
  if (single && single[4] && req.method === 'POST') return 'CancelCustomJob';
  if (single && req.method === 'GET') return 'GetCustomJob';
  if (single && req.method === 'DELETE') return 'DeleteCustomJob';
  return `${req.method} ${path}`;
}

/** deleteCustomJob's answer: a long-running operation, already done (so the client does not poll). */
export function deleteOperation(job: CustomJob): Record<string, unknown> {
  const now = formatTimestamp(nowNanos());
  return {
    name: `projects/${job.projectNumber}/locations/${job.location}/operations/${newJobId(() => false)}`,
    metadata: {
      '@type': `type.googleapis.com/${V1}.DeleteOperationMetadata`,
      genericMetadata: { createTime: now, updateTime: now },
    },
    done: true,
    response: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
  };
}
