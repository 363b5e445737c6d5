// The plumbing every fake shares: an HTTP (or HTTPS) server on a loopback port that reads each
// request's body, hands it to the fake's handler and writes the reply. A handler that throws
// gets a 500 (and the error is kept for the test to see) instead of a request left hanging.
//
// It also injects faults (faults.ts) before the fake sees a request: the rules come from
// STEPOPS_FAULTS when the server starts and from its control route, answered here and never
// passed to the fake:
//   GET /__faults     the rules in force, with how often each matched and fired
//   POST /__faults    adds a rule or a list of rules (JSON)
//   DELETE /__faults  removes them all
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { type ActiveFault, FaultSet, parseFaultRules } from './faults';
import { type FaultProfile, GENERIC_WIRE } from './wireFaults';

export interface FakeReply {
  readonly status: number;
  /** Text and bytes (a download) are sent as they are; other objects are sent as JSON. */
  readonly body?: string | object;
  readonly headers?: Readonly<Record<string, string>>;
}

export type FakeHandler = (req: IncomingMessage, body: Buffer) => FakeReply | Promise<FakeReply>;

export interface LoopbackOptions extends Partial<FaultProfile> {
  readonly tls?: { readonly key: string; readonly cert: string };
  /** A fixed port (the emulators keep theirs across restarts); absent or 0: any free one. */
  readonly port?: number;
}

/** Where a fake listens, for callers that need a fixed port. */
export type FakeListen = Pick<LoopbackOptions, 'port'>;

export interface LoopbackServer {
  /** http(s)://127.0.0.1:PORT */
  readonly url: string;
  /** Errors the handler threw (each answered with a 500). */
  readonly errors: unknown[];
  /** The fault rules in force (also reachable at /__faults). */
  readonly faults: FaultSet;
  close(): Promise<void>;
}

export const FAULTS_ROUTE = '/__faults';

export async function startLoopbackServer(
  handler: FakeHandler,
  options: LoopbackOptions = {},
): Promise<LoopbackServer> {
  const errors: unknown[] = [];
  const service = options.service ?? 'fake';
  const faults = new FaultSet(
    process.env.STEPOPS_FAULTS ? parseFaultRules(process.env.STEPOPS_FAULTS, 'STEPOPS_FAULTS') : [],
  );
  const write = (res: ServerResponse, { status, body, headers }: FakeReply) => {
    const json = body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array);
    res.writeHead(status, { ...(json ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(json ? JSON.stringify(body) : body);
  };
  const answer = (req: IncomingMessage, res: ServerResponse, reply: (body: Buffer) => Promise<FakeReply>) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      reply(Buffer.concat(chunks))
        .catch((error: unknown): FakeReply => {
          errors.push(error);
          return { status: 500, body: { error: String(error) } };
        })
        .then((r) => write(res, r));
    });
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '').split('?')[0] === FAULTS_ROUTE) {
      answer(req, res, async (body) => controlFaults(faults, req.method ?? '', body));
      return;
    }
    const fault = faults.take({
      service,
      operation: options.operationOf?.(req) ?? `${req.method} ${(req.url ?? '/').split('?')[0]}`,
      request: `${req.method} ${req.url}`,
    });
    if (!fault) {
      answer(req, res, async (body) => handler(req, body));
      return;
    }
    void injected(fault, req, res);
  };

  async function injected(fault: ActiveFault, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (fault.kind === 'drop') {
      // Hang up while the client may still be sending: no status line, no body.
      req.socket.destroy();
      return;
    }
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (req.socket.destroyed) return;
    const wire = options.wire ?? GENERIC_WIRE;
    if (fault.kind === 'delay') answer(req, res, async (body) => handler(req, body));
    else {
      const reply = fault.kind === 'throttle' ? wire.throttle() : wire.serverError(fault.status ?? 500);
      answer(req, res, async () => ({ ...reply, headers: { ...reply.headers, 'x-stepops-fault': fault.kind } }));
    }
  }

  const server = options.tls ? https.createServer(options.tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    errors,
    faults,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function controlFaults(faults: FaultSet, method: string, body: Buffer): FakeReply {
  switch (method) {
    case 'GET':
      return { status: 200, body: { faults: faults.list() } };
    case 'POST':
      try {
        return {
          status: 201,
          body: { faults: faults.add(parseFaultRules(body.toString('utf8'), 'The request body')) },
        };
      } catch (error) {
        return { status: 400, body: { error: (error as Error).message } };
      }
    case 'DELETE':
      faults.clear();
      return { status: 204 };
    default:
      return { status: 405, body: { error: `${FAULTS_ROUTE} answers GET, POST and DELETE, not ${method}.` } };
  }
}
