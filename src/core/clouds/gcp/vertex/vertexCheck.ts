// Vertex AI's cheapest authenticated read: ListCustomJobs with page size 1 in the operator's
// project and region, through the official client (see operators/vertex/vertexClient.ts for where
// it connects and which credentials it uses).
import { createJobServiceClient, vertexConnection, vertexParent } from './vertexClient';
import type { ConnectionResult } from '../../../stacks/connectionChecks/connectionCheck';
import { explainGoogleCallError } from '../errors';

export async function checkVertex(
  config: Readonly<Record<string, unknown>>,
  timeoutMs: number,
): Promise<ConnectionResult> {
  let connection;
  try {
    connection = vertexConnection(config);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  if (!connection.project || !connection.region) {
    return { ok: false, message: "Set the Vertex AI operator's project and region first." };
  }
  const parent = vertexParent(connection);
  let client;
  try {
    client = await createJobServiceClient(connection);
    await client.listCustomJobs({ parent, pageSize: 1 }, { autoPaginate: false, timeout: timeoutMs, maxRetries: 1 });
    return {
      ok: true,
      message: `Vertex AI answers in ${connection.region} and the credentials may list custom jobs of ${connection.project}.`,
    };
  } catch (error) {
    return { ok: false, message: explain(error, connection.project, connection.region) };
  } finally {
    // Closing waits for the transport, which never came up when the credentials were missing.
    await client?.close().catch(() => undefined);
  }
}

function explain(error: unknown, project: string, region: string): string {
  return explainGoogleCallError(error, {
    service: 'Vertex AI',
    api: 'aiplatform.googleapis.com',
    project,
    region,
    doing: `list custom jobs in ${project}/${region}`,
    permission: 'aiplatform.customJobs.list',
    role: 'roles/aiplatform.viewer',
    invalid: `Vertex AI rejected projects/${project}/locations/${region}: check the project ID and the region.`,
    endpointFrom: 'the region name (or the API endpoint)',
  });
}
