// Azure ML's cheapest authenticated read: get the operator's workspace from Resource Manager
// (see operators/azureml/azuremlClient.ts for the endpoint and the credential used).
import { azureMlConnection, createAzureCredential, createWorkspacesClient } from './azuremlClient';
import type { ConnectionResult, SecretLookup } from '../../../stacks/connectionChecks/connectionCheck';
import { explainNetworkFailure } from '../../shared/networkErrors';
import { isMissingAzureCredential, noAzureCredentials } from '../errors';

export async function checkAzureMl(
  config: Readonly<Record<string, unknown>>,
  secret: SecretLookup,
  timeoutMs: number,
): Promise<ConnectionResult> {
  const connection = await azureMlConnection(config, secret);
  if ('problem' in connection) return { ok: false, message: connection.problem };
  const { workspace, resourceGroup, subscriptionId } = connection;
  try {
    const client = await createWorkspacesClient(connection, await createAzureCredential(connection));
    const found = await client.workspaces.get(resourceGroup, workspace, { requestOptions: { timeout: timeoutMs } });
    return {
      ok: true,
      message: `Azure ML workspace ${workspace} (${found.location ?? 'unknown region'}) answers and the credentials may read it.`,
    };
  } catch (error) {
    const signIn = connection.servicePrincipal ? 'the service principal' : 'your Azure login';
    return { ok: false, message: explain(error as AzureError, { workspace, resourceGroup, subscriptionId, signIn }) };
  }
}

interface AzureError extends Error {
  /** RestError: the HTTP status and Resource Manager's error code. */
  statusCode?: number;
  code?: string;
  /** AuthenticationError (Entra ID): its OAuth error response. */
  errorResponse?: { error?: string; errorDescription?: string; error_codes?: number[] };
}

interface Target {
  readonly workspace: string;
  readonly resourceGroup: string;
  readonly subscriptionId: string;
  /** Who signed in, as the message names it. */
  readonly signIn: string;
}

function explain(
  error: AzureError,
  { workspace, resourceGroup, subscriptionId: subscription, signIn }: Target,
): string {
  const firstLine = (text: string) => text.split(/\r?\n/)[0]!.trim();
  // MSAL first reads the tenant's OpenID metadata; Entra ID refuses it for a tenant it does not know.
  if (/endpoints_resolution_error/.test(error.message)) {
    return 'Microsoft Entra ID refused the sign-in: the tenant ID is wrong (its sign-in endpoints cannot be resolved), or the authority host is.';
  }
  if (isMissingAzureCredential(error)) {
    return noAzureCredentials("set the operator's tenant ID, client ID and client secret (a service principal)");
  }
  // Entra ID refusals arrive as AuthenticationError or, from MSAL, AuthenticationRequiredError; both
  // carry the AADSTS code that says which part of the sign-in was wrong.
  const aadCode = /AADSTS(\d+)/.exec(error.errorResponse?.errorDescription ?? error.message)?.[1];
  if (aadCode || error.name === 'AuthenticationError') {
    const text = error.errorResponse?.errorDescription ?? error.message;
    const description = firstLine(text.slice(Math.max(0, text.indexOf('AADSTS'))));
    const hint =
      aadCode === '700016'
        ? 'the client ID is not an application in that tenant'
        : aadCode === '7000215' || aadCode === '7000222'
          ? 'the client secret is wrong or expired'
          : `${signIn} was refused`;
    return `Microsoft Entra ID refused the sign-in: ${hint}. ${description}`;
  }
  const detail = firstLine(error.message);
  switch (error.code) {
    case 'AuthenticationFailed':
    case 'InvalidAuthenticationToken':
    case 'InvalidAuthenticationTokenAudience':
    case 'InvalidAuthenticationTokenTenant':
    case 'ExpiredAuthenticationToken':
      return `Azure Resource Manager rejected the token (${error.code}): ${detail}`;
    case 'AuthorizationFailed':
      return `Permission denied: the identity may not read workspace ${workspace} (needs Microsoft.MachineLearningServices/workspaces/read, e.g. the AzureML Data Scientist role). ${detail}`;
    case 'SubscriptionNotFound':
      return `Subscription ${subscription} was not found, or this identity cannot see it. ${detail}`;
    case 'ResourceGroupNotFound':
      return `Resource group ${resourceGroup} was not found in subscription ${subscription}. ${detail}`;
    case 'ResourceNotFound':
      return `Workspace ${workspace} was not found in resource group ${resourceGroup}. ${detail}`;
    default:
      return (
        explainNetworkFailure(error, 'Azure Resource Manager', 'check the network and the Resource Manager endpoint') ??
        `Azure answered ${error.code ?? error.name}${error.statusCode ? ` (${error.statusCode})` : ''}: ${detail}`
      );
  }
}
