// How stepops reaches Azure ML: the official management client (@azure/arm-machinelearning) with
// the sign-in chain of credentials.ts (VS Code's Microsoft account in the editor, your Azure
// login, then the operator's service principal with its secret from the secret store).
// Sovereign clouds and Azure Stack set their own Resource Manager endpoint and Entra ID
// authority host.
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/identity';
import type { HostTokenCredential } from '../../../operators/hostSignIn';
import {
  type AzureServicePrincipal,
  type AzureSignIn,
  PUBLIC_AUTHORITY_HOST,
  PUBLIC_RESOURCE_MANAGER,
  azureSignIn,
} from '../credentials';

export interface AzureMlConnection {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
  readonly resourceManager: string;
  readonly authorityHost: string;
  /** The tenant the operator names, if any: every sign-in is asked for a token there. */
  readonly tenantId?: string;
  readonly servicePrincipal?: AzureServicePrincipal;
}

/** What is missing before a connection can be attempted, or the connection. */
export async function azureMlConnection(
  config: Readonly<Record<string, unknown>>,
  secret: (field: string) => Promise<string | undefined>,
): Promise<AzureMlConnection | { readonly problem: string }> {
  const text = (key: string) => (typeof config[key] === 'string' ? (config[key] as string).trim() : '');
  const subscriptionId = text('subscription_id');
  const resourceGroup = text('resource_group');
  const workspace = text('workspace_name');
  if (!subscriptionId || !resourceGroup || !workspace) {
    return { problem: "Set the Azure ML operator's subscription, resource group and workspace first." };
  }
  const resourceManager = httpsBase(text('resource_manager_endpoint') || PUBLIC_RESOURCE_MANAGER);
  const authorityHost = httpsBase(text('authority_host') || PUBLIC_AUTHORITY_HOST);
  if (typeof resourceManager !== 'string') return { problem: `resource_manager_endpoint ${resourceManager.problem}` };
  if (typeof authorityHost !== 'string') return { problem: `authority_host ${authorityHost.problem}` };
  const tenantId = text('tenant_id');
  const clientId = text('service_principal_id');
  const base = {
    subscriptionId,
    resourceGroup,
    workspace,
    resourceManager,
    authorityHost,
    ...(tenantId ? { tenantId } : {}),
  };
  if (!tenantId && !clientId) return base;
  if (!tenantId || !clientId) {
    return {
      problem: 'A service principal needs both the tenant ID and the client ID (or neither, to use your Azure login).',
    };
  }
  const clientSecret = await secret('service_principal_secret');
  if (!clientSecret) {
    return {
      problem:
        "The service principal's client secret is not stored: edit the operator and enter it (the CLI reads STEPOPS_SECRET_<NAME>_SERVICE_PRINCIPAL_SECRET).",
    };
  }
  return { ...base, servicePrincipal: { tenantId, clientId, clientSecret } };
}

function httpsBase(value: string): string | { problem: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `"${value}" is not a URL` };
  }
  // Entra ID and Resource Manager tokens travel only over TLS (the SDKs refuse otherwise).
  if (url.protocol !== 'https:') return { problem: `"${value}" must be an https:// address` };
  return url.origin;
}

/** The sign-in chain for the connection; `editor` is VS Code's Microsoft account, in the editor. */
export function createAzureCredential(
  connection: AzureMlConnection,
  editor?: HostTokenCredential,
): Promise<AzureSignIn> {
  return azureSignIn({
    resourceManager: connection.resourceManager,
    authorityHost: connection.authorityHost,
    ...(connection.tenantId ? { tenantId: connection.tenantId } : {}),
    ...(connection.servicePrincipal ? { servicePrincipal: connection.servicePrincipal } : {}),
    ...(editor ? { editor } : {}),
  });
}

/** `maxRetries`: the SDK's own retries of throttled and failed calls (a connection test wants few). */
export async function createWorkspacesClient(
  connection: AzureMlConnection,
  credential: TokenCredential,
  maxRetries = 1,
): Promise<AzureMachineLearningWorkspaces> {
  const { AzureMachineLearningWorkspaces } = await import('@azure/arm-machinelearning');
  return new AzureMachineLearningWorkspaces(credential, connection.subscriptionId, {
    endpoint: connection.resourceManager,
    $host: connection.resourceManager,
    credentialScopes: [resourceManagerScope(connection)],
    retryOptions: { maxRetries },
  });
}

export function resourceManagerScope(connection: Pick<AzureMlConnection, 'resourceManager'>): string {
  return `${connection.resourceManager}/.default`;
}

/** ARM id of the workspace: what the run history and job resource ids are under. */
export function workspaceId(connection: AzureMlConnection): string {
  return (
    `/subscriptions/${connection.subscriptionId}/resourceGroups/${connection.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${connection.workspace}`
  );
}
