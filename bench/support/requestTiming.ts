// Every HTTP request this process sends, with when it started and when its answer's headers came,
// taken from Node's diagnostics channels (node:http and https, which the AWS, Google and Azure
// SDKs use, and undici, which fetch uses), so a benchmark can say which calls a stretch of a run
// made and how long the cloud took to answer them.
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export interface TimedRequest {
  /** "http://127.0.0.1:PORT", or "docker.sock" for the engine's socket. */
  readonly origin: string;
  /** The AWS target, else "METHOD /path" with ids left out. */
  readonly operation: string;
  readonly start: number;
  end?: number;
}

export interface RequestLog {
  readonly requests: readonly TimedRequest[];
  /** The requests that started in [from, to). */
  between(from: number, to: number): TimedRequest[];
  stop(): void;
}

export function logRequests(): RequestLog {
  const requests: TimedRequest[] = [];
  const open = new WeakMap<object, TimedRequest>();
  const onHttpStart = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    const socketPath = (request as unknown as { socketPath?: string }).socketPath;
    const host = String(request.getHeader('host') ?? request.host ?? '');
    const origin = socketPath ? 'docker.sock' : `${request.protocol ?? 'http:'}//${host}`;
    const timed = {
      origin,
      operation: operationOf(request.method, request.path, request.getHeader('x-amz-target')),
      start: performance.now(),
    };
    requests.push(timed);
    open.set(request, timed);
  };
  const onHttpFinish = (message: unknown) => {
    const timed = open.get((message as { request: object }).request);
    if (timed) timed.end = performance.now();
  };
  const onUndiciStart = (message: unknown) => {
    const request = (message as { request: { origin: string; method: string; path: string } }).request;
    const timed = {
      origin: String(request.origin),
      operation: operationOf(request.method, request.path),
      start: performance.now(),
    };
    requests.push(timed);
    open.set(request, timed);
  };
  const channels: [string, (message: unknown) => void][] = [
    ['http.client.request.start', onHttpStart],
    ['http.client.response.finish', onHttpFinish],
    ['undici:request:create', onUndiciStart],
    ['undici:request:headers', onHttpFinish],
  ];
  for (const [name, listener] of channels) diagnostics.subscribe(name, listener);
  return {
    requests,
    between: (from, to) => requests.filter((r) => r.start >= from && r.start < to),
    stop: () => {
      for (const [name, listener] of channels) diagnostics.unsubscribe(name, listener);
    },
  };
}

function operationOf(method: string, path: string, amzTarget?: unknown): string {
  if (typeof amzTarget === 'string') return amzTarget.replace(/^.*\./, '');
  const bare = path.split('?')[0]!;
  const segments = bare.split('/').filter(Boolean);
  // The last segment that is a name, not an id (ids have digits and are long).
  const named = [...segments].reverse().find((s) => !(/\d/.test(s) && s.length > 12)) ?? '';
  return `${method} ${named}`;
}
