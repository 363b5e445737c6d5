// The loopback server of a Google JSON API fake: every answer is JSON (google.rpc errors
// included), and injected faults come in Google's shapes (429 RESOURCE_EXHAUSTED for a throttle).
import type http from 'node:http';
import { type FakeListen, type LoopbackServer, startLoopbackServer } from '../loopbackServer';
import { GOOGLE_WIRE } from '../wireFaults';
import type { GoogleReply } from './googleErrors';

export function startGoogleJsonServer(
  handle: (req: http.IncomingMessage, body: Buffer) => GoogleReply,
  profile: { readonly service: string; readonly operationOf: (req: http.IncomingMessage) => string },
  listen: FakeListen,
): Promise<LoopbackServer> {
  return startLoopbackServer(
    (req, body) => {
      const [status, reply] = handle(req, body);
      return { status, body: JSON.stringify(reply), headers: { 'content-type': 'application/json; charset=UTF-8' } };
    },
    { ...(listen.port !== undefined ? { port: listen.port } : {}), ...profile, wire: GOOGLE_WIRE },
  );
}
