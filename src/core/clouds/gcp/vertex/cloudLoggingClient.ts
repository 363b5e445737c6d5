// How stepops reads a job's logs: Cloud Logging's own generated client
// (@google-cloud/logging 11.3, whose LoggingServiceV2Client runs on Node 20), loaded on first use
// and only that client (the package's index pulls in its whole writing side). Like the Vertex
// client it uses the REST transport, so the operator's `logging_api_endpoint` may name a plain
// HTTP address, and the same credentials (the operator's key file, else Application Default
// Credentials). Only entries.list is called, with the client's own retries off: the tail retries
// each call itself, keeping the failure's real code (the client would report a retried
// RESOURCE_EXHAUSTED as DEADLINE_EXCEEDED), and with a response field mask (X-Goog-FieldMask, the
// system parameter every Google API reads) naming the entry fields the tail uses: an entry's
// resource, labels, logName and receiveTimestamp are most of its bytes, and the client's decoding
// of them (proto3 JSON to message to object) most of the tail's CPU.
import type { LoggingServiceV2Client } from '@google-cloud/logging/build/src/v2/logging_service_v2_client.js';
import type { ListEntries } from './cloudLoggingTail';
import { type VertexConnection, restClientOptions } from './vertexClient';

const CALL_TIMEOUT_MS = 60_000;

export async function createLoggingClient(connection: VertexConnection): Promise<LoggingServiceV2Client> {
  const { LoggingServiceV2Client } = await import('@google-cloud/logging/build/src/v2/logging_service_v2_client.js');
  const client = new LoggingServiceV2Client(restClientOptions(connection, connection.loggingEndpoint));
  // Resolved first for the reason createJobServiceClient gives.
  await client.auth.getClient();
  return client;
}

/** entries.list through the client, one page per call. */
export function listEntriesWith(client: LoggingServiceV2Client): ListEntries {
  return async ({ entryFields, ...request }) => {
    const [entries, , response] = await client.listLogEntries(
      { ...request, resourceNames: [...request.resourceNames] },
      {
        autoPaginate: false,
        timeout: CALL_TIMEOUT_MS,
        retry: { retryCodes: [] },
        otherArgs: { headers: { 'X-Goog-FieldMask': entriesFieldMask(entryFields) } },
      },
    );
    return { entries, nextPageToken: response?.nextPageToken ?? null };
  };
}

/** "nextPageToken,entries(insertId,timestamp)": the page token is an answer field like the others. */
export function entriesFieldMask(entryFields: readonly string[]): string {
  return `nextPageToken,entries(${entryFields.join(',')})`;
}
