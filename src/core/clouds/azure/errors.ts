// What an Azure client failure means for the user, written once for Azure ML, ACR and Blob Storage.
import { explainNetworkFailure } from '../shared/networkErrors';

/** Raised by @azure/identity when no credential in the chain could even try. */
export function isMissingAzureCredential(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError';
}

/** "No Azure credentials found: run "az login", or ALTERNATIVE." */
export function noAzureCredentials(alternative: string): string {
  return `No Azure credentials found: run "az login", or ${alternative}.`;
}

export interface AzureError extends Error {
  /** RestError: the HTTP status and Resource Manager's error code. */
  statusCode?: number;
  code?: string;
  /** AuthenticationError (Entra ID): its OAuth error response. */
  errorResponse?: { error?: string; errorDescription?: string; error_codes?: number[] };
}

export interface AzureTarget {
  readonly workspace: string;
  readonly resourceGroup: string;
  readonly subscriptionId: string;
  /** Who signed in, as the message names it. */
  readonly signIn: string;
}

/** What a Resource Manager or Entra ID failure of a call on the workspace means, and what to do. */
export function explainAzureError(
  error: AzureError,
  { workspace, resourceGroup, subscriptionId: subscription, signIn }: AzureTarget,
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
