// One HTTP(S) call through node:http/https, for the few cloud endpoints no SDK covers (Azure ML's
// run history, its log blobs by SAS URL, ACR's token exchange). Not the global fetch: in VS Code's
// extension host fetch is replaced by one (http.fetchAdditionalSupport) that trusts only the
// system's certificates and drops NODE_EXTRA_CA_CERTS, so a call the SDKs make fine (they use
// node:https, which VS Code patches additively) failed as "fetch failed" there. Same transport as
// the SDKs means the same trust, proxies and errors.
import http from 'node:http';
import https from 'node:https';

export interface HttpCallInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
  /** Gives up (an AbortError named TimeoutError) when the whole call takes longer. */
  readonly timeoutMs?: number;
}

/** The answer, its body read whole (these calls' answers are small: JSON, a log chunk). */
export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  header(name: string): string | undefined;
  readonly bytes: Uint8Array;
  text(): string;
  json(): unknown;
}

export function httpCall(url: string, init: HttpCallInit = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  const signal = combinedSignal(init.signal, init.timeoutMs);
  return new Promise<HttpAnswer>((resolve, reject) => {
    const request = transport.request(
      target,
      {
        method: init.method ?? 'GET',
        headers: {
          ...init.headers,
          ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}),
        },
        ...(signal ? { signal } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve(answer(response, Buffer.concat(chunks))));
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
}

function answer(response: http.IncomingMessage, body: Buffer): HttpAnswer {
  const status = response.statusCode ?? 0;
  return {
    status,
    statusText: response.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    header: (name) => {
      const value = response.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    text: () => body.toString('utf8'),
    json: () => JSON.parse(body.toString('utf8')) as unknown,
  };
}

function combinedSignal(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
  const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  if (signal && timeout) return AbortSignal.any([signal, timeout]);
  return signal ?? timeout;
}
