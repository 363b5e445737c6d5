// Azure ML's cheapest authenticated read: get the operator's workspace from Resource Manager,
// signed in as the operator's jobs are (azuremlClient.ts: the endpoint; credentials.ts: the chain).
import { azureMlConnection, createAzureCredential, createWorkspacesClient } from './azuremlClient';
import type { HostSignIns } from '../../../operators/hostSignIn';
import type { ConnectionResult, SecretLookup } from '../../../stacks/connectionChecks/connectionCheck';
import { type AzureError, explainAzureError } from '../errors';

export async function checkAzureMl(
  config: Readonly<Record<string, unknown>>,
  secret: SecretLookup,
  timeoutMs: number,
  signIns?: HostSignIns,
): Promise<ConnectionResult> {
  const connection = await azureMlConnection(config, secret);
  if ('problem' in connection) return { ok: false, message: connection.problem };
  const { workspace, resourceGroup, subscriptionId, tenantId } = connection;
  const signIn = await createAzureCredential(connection, signIns?.microsoft);
  try {
    const client = await createWorkspacesClient(connection, signIn);
    const found = await client.workspaces.get(resourceGroup, workspace, { requestOptions: { timeout: timeoutMs } });
    return {
      ok: true,
      message: `Azure ML workspace ${workspace} (${found.location ?? 'unknown region'}) answers and the credentials may read it.`,
    };
  } catch (error) {
    return {
      ok: false,
      message: explainAzureError(error as AzureError, {
        workspace,
        resourceGroup,
        subscriptionId,
        signIn: signIn.signedInAs(),
        editorSignIn: signIn.asksEditor,
        ...(tenantId ? { tenantId } : {}),
      }),
    };
  }
}
