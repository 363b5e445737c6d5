// The plumbing every fake shares: an HTTP (or HTTPS) server on a free loopback port that reads
// each request's body, hands it to the fake's handler and writes the reply. A handler that throws
// gets a 500 (and the error is kept for the test to see) instead of a request left hanging.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FakeReply {
  readonly status: number;
  /** Text and bytes (a download) are sent as they are; other objects are sent as JSON. */
  readonly body?: string | object;
  readonly headers?: Readonly<Record<string, string>>;
}

export type FakeHandler = (req: IncomingMessage, body: Buffer) => FakeReply | Promise<FakeReply>;

export interface LoopbackServer {
  /** http(s)://127.0.0.1:PORT */
  readonly url: string;
  /** Errors the handler threw (each answered with a 500). */
  readonly errors: unknown[];
  close(): Promise<void>;
}

export async function startLoopbackServer(
  handler: FakeHandler,
  tls?: { readonly key: string; readonly cert: string },
): Promise<LoopbackServer> {
  const errors: unknown[] = [];
  const listener = (req: IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Promise.resolve()
        .then(() => handler(req, Buffer.concat(chunks)))
        .catch((error: unknown): FakeReply => {
          errors.push(error);
          return { status: 500, body: { error: String(error) } };
        })
        .then(({ status, body, headers }) => {
          const json = body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array);
          res.writeHead(status, { ...(json ? { 'content-type': 'application/json' } : {}), ...headers });
          res.end(json ? JSON.stringify(body) : body);
        });
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    errors,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
