// How each cloud says "slow down" and "something broke on our side", so that an injected fault
// reaches a client in the shape its SDK classifies and retries (AWS's ThrottlingException, S3's
// SlowDown, Google's RESOURCE_EXHAUSTED, Azure's 429 with Retry-After), and the operation names
// the REST fakes give their requests for fault rules. Every fake passes a FaultProfile to the
// loopback server; one without a profile gets the generic shapes and "METHOD /path" names.
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { FakeReply } from './loopbackServer';

export interface FaultWire {
  /** The service's throttling answer. */
  readonly throttle: () => FakeReply;
  /** The service's answer to an internal failure with this 5xx status. */
  readonly serverError: (status: number) => FakeReply;
}

export interface FaultProfile {
  /** The fake's name in fault rules. */
  readonly service: string;
  readonly wire?: FaultWire;
  /** The operation a request calls; default "METHOD /path". */
  readonly operationOf?: (req: IncomingMessage) => string;
}

const RETRY_AFTER = { 'retry-after': '1' };

export const GENERIC_WIRE: FaultWire = {
  throttle: () => ({
    status: 429,
    body: { error: { code: 429, message: 'Too many requests (injected fault).' } },
    headers: RETRY_AFTER,
  }),
  serverError: (status) => ({
    status,
    body: { error: { code: status, message: 'Internal error (injected fault).' } },
  }),
};

const awsJson = (status: number, type: string, message: string): FakeReply => ({
  status,
  body: JSON.stringify({ __type: type, message }),
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
});

export const AWS_JSON_WIRE: FaultWire = {
  throttle: () => awsJson(400, 'ThrottlingException', 'Rate exceeded'),
  serverError: (status) =>
    status === 503
      ? awsJson(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.')
      : awsJson(
          status,
          'InternalFailure',
          'The request processing has failed because of an unknown error, exception or failure.',
        ),
};

const s3Xml = (status: number, code: string, message: string): FakeReply => ({
  status,
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId></Error>`,
  headers: { 'content-type': 'application/xml', 'x-amz-request-id': randomUUID() },
});

export const S3_WIRE: FaultWire = {
  throttle: () => s3Xml(503, 'SlowDown', 'Please reduce your request rate.'),
  serverError: (status) =>
    status === 503
      ? s3Xml(503, 'ServiceUnavailable', 'Service is unable to handle request.')
      : s3Xml(status, 'InternalError', 'We encountered an internal error. Please try again.'),
};

const googleJson = (code: number, status: string, reason: string, message: string): FakeReply => ({
  status: code,
  body: JSON.stringify({ error: { code, message, status, errors: [{ message, domain: 'global', reason }] } }),
  headers: { 'content-type': 'application/json; charset=UTF-8' },
});

export const GOOGLE_WIRE: FaultWire = {
  throttle: () =>
    googleJson(429, 'RESOURCE_EXHAUSTED', 'rateLimitExceeded', 'Quota exceeded: too many requests (injected fault).'),
  serverError: (status) =>
    status === 503
      ? googleJson(503, 'UNAVAILABLE', 'backendError', 'The service is currently unavailable.')
      : googleJson(status, 'INTERNAL', 'backendError', 'Internal error encountered.'),
};

const armJson = (status: number, code: string, message: string, headers: Record<string, string> = {}): FakeReply => ({
  status,
  body: JSON.stringify({ error: { code, message } }),
  headers: { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': randomUUID(), ...headers },
});

export const AZURE_RESOURCE_MANAGER_WIRE: FaultWire = {
  throttle: () =>
    armJson(
      429,
      'TooManyRequests',
      'The request is being throttled as the limit has been reached for operation type (injected fault).',
      RETRY_AFTER,
    ),
  serverError: (status) =>
    status === 503
      ? armJson(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry.', RETRY_AFTER)
      : armJson(status, 'InternalServerError', 'Encountered internal server error. Diagnostic information is logged.'),
};

const entraJson = (status: number, error: string, description: string, headers: Record<string, string> = {}) => ({
  status,
  body: JSON.stringify({ error, error_description: description, error_codes: [90033] }),
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
});

export const ENTRA_ID_WIRE: FaultWire = {
  throttle: () =>
    entraJson(429, 'temporarily_unavailable', 'AADSTS90033: A transient error has occurred. Please try again.', {
      ...RETRY_AFTER,
    }),
  serverError: (status) =>
    entraJson(status, 'server_error', 'AADSTS90033: A transient error has occurred. Please try again.'),
};

const registryJson = (status: number, code: string, message: string, headers: Record<string, string> = {}) => ({
  status,
  body: JSON.stringify({ errors: [{ code, message }] }),
  headers: { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers },
});

/** The OCI distribution API's error shape (Artifact Registry's and ACR's login side). */
export const REGISTRY_WIRE: FaultWire = {
  throttle: () => registryJson(429, 'TOOMANYREQUESTS', 'too many requests (injected fault)', RETRY_AFTER),
  serverError: (status) => registryJson(status, 'UNKNOWN', 'unknown error (injected fault)'),
};

/** awsJson1_1 services name the operation in X-Amz-Target: "SageMaker.ListTrainingJobs" -> "ListTrainingJobs". */
export function awsJsonOperation(req: IncomingMessage): string {
  const target = String(req.headers['x-amz-target'] ?? '');
  return target.includes('.') ? target.slice(target.lastIndexOf('.') + 1) : `${req.method} ${req.url}`;
}

/** S3's REST operations, told apart as S3 does: by method, path (bucket or object) and query. */
export function s3Operation(req: IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://fake');
  const [, bucket = '', ...key] = url.pathname.split('/');
  const onObject = key.join('/') !== '';
  const query = url.searchParams;
  switch (req.method) {
    case 'PUT':
      if (!onObject) return 'CreateBucket';
      if (query.has('partNumber')) return 'UploadPart';
      return req.headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    case 'GET':
      if (onObject) return 'GetObject';
      if (!bucket) return 'ListBuckets';
      return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    case 'HEAD':
      return onObject ? 'HeadObject' : 'HeadBucket';
    case 'DELETE':
      return onObject ? 'DeleteObject' : 'DeleteBucket';
    case 'POST':
      if (query.has('delete')) return 'DeleteObjects';
      if (query.has('uploads')) return 'CreateMultipartUpload';
      return query.has('uploadId') ? 'CompleteMultipartUpload' : 'PostObject';
    default:
      return `${req.method} ${url.pathname}`;
  }
}

/** Cloud Storage JSON API methods, as its reference names them: "objects.insert", "objects.get"... */
export function gcsOperation(req: IncomingMessage): string {
  const path = new URL(req.url ?? '/', 'http://fake').pathname.replace(/^\/storage\/v1(?=\/)/, '');
  if (/^\/upload\/storage\/v1\/b\/[^/]+\/o$/.test(path)) return 'objects.insert';
  if (/^\/b\/[^/]+\/o$/.test(path)) return req.method === 'POST' ? 'objects.insert' : 'objects.list';
  if (/^\/b\/[^/]+\/o\/.+$/.test(path)) {
    const methods: Record<string, string> = { GET: 'objects.get', DELETE: 'objects.delete', PATCH: 'objects.patch' };
    return methods[req.method ?? ''] ?? `${req.method} ${path}`;
  }
  return `${req.method} ${path}`;
}

export const S3_FAULTS: FaultProfile = { service: 's3', wire: S3_WIRE, operationOf: s3Operation };
export const GCS_FAULTS: FaultProfile = { service: 'gcs', wire: GOOGLE_WIRE, operationOf: gcsOperation };
