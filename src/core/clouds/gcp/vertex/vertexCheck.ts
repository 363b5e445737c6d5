// Vertex AI's cheapest authenticated read: ListCustomJobs with page size 1 in the operator's
// project and region, through the official client (see operators/vertex/vertexClient.ts for where
// it connects and which credentials it uses).
import { createJobServiceClient, vertexConnection, vertexParent } from './vertexClient';
import type { ConnectionResult } from '../../../stacks/connectionChecks/connectionCheck';
import { explainNetworkFailure } from '../../shared/networkErrors';
import { explainMissingGoogleCredentials, googleApiFailure } from '../errors';

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
  const failure = googleApiFailure(error);
  const detail = failure.message;
  const noCredentials = explainMissingGoogleCredentials(detail, "set the operator's service account key file");
  if (noCredentials) return noCredentials;
  if ((error as { code?: unknown }).code === 'ENOENT') return `The service account key file cannot be read: ${detail}`;
  switch (failure.status) {
    case 'UNAUTHENTICATED':
      return `Google Cloud rejected the credentials (expired, revoked or not a key Google knows): ${detail}`;
    case 'PERMISSION_DENIED':
      if (failure.reason === 'SERVICE_DISABLED') {
        return `The Vertex AI API is not enabled in project ${project}: enable aiplatform.googleapis.com, then try again. ${detail}`;
      }
      return `Permission denied: the identity may not list custom jobs in ${project}/${region} (needs aiplatform.customJobs.list, e.g. the Vertex AI User role), or the project does not exist. ${detail}`;
    case 'INVALID_ARGUMENT':
    case 'NOT_FOUND':
      return `Vertex AI rejected projects/${project}/locations/${region}: check the project ID and the region. ${detail}`;
    default:
      return (
        explainNetworkFailure(
          detail,
          `Vertex AI in region "${region}"`,
          'check the region name (or the API endpoint)',
        ) ?? `Vertex AI answered ${failure.status ?? 'an error'}: ${detail}`
      );
  }
}
