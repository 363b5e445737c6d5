// The workspace storage account's blob endpoint as the Azure ML emulator's clients reach it: every
// request passed on to the real Azurite as it came (path, query with its SAS, Range and x-ms-*
// headers) and its answer passed back, so reads, ranges, 416s, SAS checks and errors are
// Azurite's own. It exists for what Azurite cannot do: fault injection (service
// "azureml-storage", operations GetBlob and GetBlobProperties), answered in Blob Storage's shapes,
// and it answers the one read where Azurite and Azure differ (a range from the end of a blob: 416) as Azure.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type FakeListen, type FakeReply, type LoopbackServer, startLoopbackServer } from '../loopbackServer';
import type { FaultWire } from '../wireFaults';

/** Request headers a blob read depends on (the rest are the connection's). */
const PASSED_HEADERS = [
  'range',
  'x-ms-range',
  'x-ms-version',
  'x-ms-date',
  'x-ms-client-request-id',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'accept',
  'authorization',
];
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-encoding']);

const blobXml = (status: number, code: string, message: string): FakeReply => {
  const requestId = randomUUID();
  return {
    status,
    body: `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>`,
    headers: { 'content-type': 'application/xml', 'x-ms-error-code': code, 'x-ms-request-id': requestId },
  };
};

/** How Azure Blob Storage throttles (503 ServerBusy) and fails. */
export const AZURE_BLOB_WIRE: FaultWire = {
  throttle: () => blobXml(503, 'ServerBusy', 'The server is busy.'),
  serverError: (status) =>
    blobXml(status, 'InternalError', 'The server encountered an internal error. Please retry the request.'),
};

function blobOperation(req: IncomingMessage): string {
  if (req.method === 'GET') return 'GetBlob';
  if (req.method === 'HEAD') return 'GetBlobProperties';
  return `${req.method} ${(req.url ?? '/').split('?')[0]}`;
}

/**
 * The blob's size when Azurite answered a range that starts at or past the end with an empty 206
 * ("bytes 6-5/6", "bytes 0--1/0"), where Azure Blob Storage answers 416 InvalidRange.
 */
function rangeBeyondEnd(answer: Response): number | undefined {
  if (answer.status !== 206) return undefined;
  const match = /^bytes (\d+)-(-?\d+)\/(\d+)$/.exec(answer.headers.get('content-range') ?? '');
  if (!match) return undefined;
  const [start, end, size] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return start >= size || end < start ? size : undefined;
}

/** Serves `azuriteOrigin` (http://127.0.0.1:10000) on a loopback port of its own. */
export function startStorageFront(azuriteOrigin: string, listen: FakeListen = {}): Promise<LoopbackServer> {
  return startLoopbackServer(
    async (req, body) => {
      const headers: Record<string, string> = {};
      for (const name of PASSED_HEADERS) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const method = req.method ?? 'GET';
      const answer = await fetch(`${azuriteOrigin}${req.url ?? '/'}`, {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: new Uint8Array(body) }),
      });
      const beyond = rangeBeyondEnd(answer);
      if (beyond !== undefined) {
        const refusal = blobXml(
          416,
          'InvalidRange',
          'The range specified is invalid for the current size of the resource.',
        );
        return { ...refusal, headers: { ...refusal.headers, 'content-range': `bytes */${beyond}` } };
      }
      const replyHeaders: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!HOP_BY_HOP.has(name)) replyHeaders[name] = value;
      });
      return { status: answer.status, body: Buffer.from(await answer.arrayBuffer()), headers: replyHeaders };
    },
    { ...listen, service: 'azureml-storage', wire: AZURE_BLOB_WIRE, operationOf: blobOperation },
  );
}
