// What an Azure client failure means for the user, written once for Azure ML, ACR and Blob Storage.
import { explainNetworkFailure, firstLine, isDroppedConnection } from '../shared/networkErrors';

/** Raised by @azure/identity when no credential in the chain could even try. */
export function isMissingAzureCredential(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError';
}

/** "No Azure credentials found: run "az login [--tenant T]", or ALTERNATIVE." */
export function noAzureCredentials(alternative: string, tenantId?: string): string {
  return `No Azure credentials found: run "az login${tenantId ? ` --tenant ${tenantId}` : ''}", or ${alternative}.`;
}

/** Worth the same call again: throttled (429), timed out (408), a server error, or a dropped connection. */
export function isRetryableAzureCall(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return (
    (typeof status === 'number' && (status === 408 || status === 429 || status >= 500)) || isDroppedConnection(error)
  );
}

export interface AzureError extends Error {
  /** RestError: the HTTP status and Resource Manager's error code. */
  statusCode?: number;
  code?: string;
  /** AuthenticationError (Entra ID): its OAuth error response. */
  errorResponse?: { error?: string; errorDescription?: string; error_codes?: number[] };
}

/** One call on the workspace, as a refusal names it. */
export interface AzureCall {
  /** What it does: "create jobs in workspace W". */
  readonly doing: string;
  /** The permission it needs: "Microsoft.MachineLearningServices/workspaces/jobs/write". */
  readonly action: string;
  /** A built-in role that grants it. */
  readonly role: string;
}

export interface AzureTarget {
  readonly workspace: string;
  readonly resourceGroup: string;
  readonly subscriptionId: string;
  /** Who signed in, as the message names it. */
  readonly signIn: string;
  /** The tenant the operator names, when it does. */
  readonly tenantId?: string;
  /** Whether VS Code's Microsoft account was asked (in the editor, on the public cloud). */
  readonly editorSignIn?: boolean;
  /** The call that failed; unset: reading the workspace (the connection test's). */
  readonly call?: AzureCall;
}

/** What a Resource Manager or Entra ID failure of a call on the workspace means, and what to do. */
export function explainAzureError(error: AzureError, target: AzureTarget): string {
  const { workspace, resourceGroup, subscriptionId: subscription, signIn, tenantId, editorSignIn } = target;
  // MSAL first reads the tenant's OpenID metadata; Entra ID refuses it for a tenant it does not know.
  if (/endpoints_resolution_error/.test(error.message)) {
    return 'Microsoft Entra ID refused the sign-in: the tenant ID is wrong (its sign-in endpoints cannot be resolved), or the authority host is.';
  }
  if (isMissingAzureCredential(error)) {
    return noAzureCredentials(
      `${editorSignIn ? "sign in with Microsoft from VS Code's Accounts menu, or " : ''}` +
        "set the operator's tenant ID, client ID and client secret (a service principal)",
      tenantId,
    );
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
    case 'InvalidAuthenticationTokenTenant':
      return `Azure Resource Manager rejected the token (${error.code}): ${detail} ${otherTenantFix(detail, subscription)}`;
    case 'ExpiredAuthenticationToken':
      return `Azure Resource Manager rejected the token (${error.code}): ${detail} Sign in again (az login${tenantId ? ` --tenant ${tenantId}` : ''}).`;
    case 'AuthenticationFailed':
    case 'InvalidAuthenticationToken':
    case 'InvalidAuthenticationTokenAudience':
      return `Azure Resource Manager rejected the token (${error.code}): ${detail}`;
    case 'AuthorizationFailed':
      return permissionDenied(target, detail);
    case 'SubscriptionNotFound':
      return `Subscription ${subscription} was not found, or this identity cannot see it. ${detail}`;
    case 'ResourceGroupNotFound':
      return `Resource group ${resourceGroup} was not found in subscription ${subscription}. ${detail}`;
    case 'ResourceNotFound':
      return `Workspace ${workspace} was not found in resource group ${resourceGroup}. ${detail}`;
    default:
      // Azure ML's data plane (run history) answers 403 without Resource Manager's codes.
      if (error.statusCode === 403) return permissionDenied(target, detail);
      return (
        explainNetworkFailure(error, 'Azure Resource Manager', 'check the network and the Resource Manager endpoint') ??
        `Azure answered ${error.code ?? error.name}${error.statusCode ? ` (${error.statusCode})` : ''}: ${detail}`
      );
  }
}

const READ_WORKSPACE = (workspace: string): AzureCall => ({
  doing: `read workspace ${workspace}`,
  action: 'Microsoft.MachineLearningServices/workspaces/read',
  role: 'AzureML Data Scientist',
});

function permissionDenied(target: AzureTarget, detail: string): string {
  const call = target.call ?? READ_WORKSPACE(target.workspace);
  return (
    `Permission denied: the identity may not ${call.doing} (needs ${call.action}, e.g. the ${call.role} role on ` +
    `the workspace, granted with az role assignment create --role "${call.role}" --assignee ID --scope WORKSPACE_ID; ` +
    `signed in as ${target.signIn}). ${detail}`
  );
}

/** Resource Manager names the subscription's own tenant in its refusal: sign in there. */
function otherTenantFix(detail: string, subscription: string): string {
  const tenant = /must match the tenant '[^']*?\/([0-9a-fA-F-]{36})\/?'/.exec(detail)?.[1];
  return tenant
    ? `Subscription ${subscription} belongs to tenant ${tenant}: sign in there (az login --tenant ${tenant}) or set the operator's tenant_id to it.`
    : `Sign in to the tenant of subscription ${subscription} (az login --tenant TENANT) or set the operator's tenant_id to it.`;
}
