// How stepops reaches Azure ML: the official management client (@azure/arm-machinelearning) with
// a credential from @azure/identity. A service principal (tenant, client ID, client secret from
// the secret store) is used when the operator names one; otherwise DefaultAzureCredential (the
// AZURE_* environment, workload or managed identity, `az login`). Sovereign clouds and Azure
// Stack set their own Resource Manager endpoint and Entra ID authority host.
import type { TokenCredential } from '@azure/identity';
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';

export const PUBLIC_RESOURCE_MANAGER = 'https://management.azure.com';
export const PUBLIC_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** Entra ID hosts MSAL knows; any other authority host cannot be validated against the public cloud. */
const KNOWN_AUTHORITY_HOSTS = [
  PUBLIC_AUTHORITY_HOST,
  'https://login.chinacloudapi.cn',
  'https://login.microsoftonline.us',
];

export interface AzureServicePrincipal {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface AzureMlConnection {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
  readonly resourceManager: string;
  readonly authorityHost: string;
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
  const base = { subscriptionId, resourceGroup, workspace, resourceManager, authorityHost };
  const tenantId = text('tenant_id');
  const clientId = text('service_principal_id');
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

export async function createAzureCredential(connection: AzureMlConnection): Promise<TokenCredential> {
  const { ClientSecretCredential, DefaultAzureCredential } = await import('@azure/identity');
  const options = {
    authorityHost: connection.authorityHost,
    // Azure Stack and other private authorities cannot be validated against the public cloud.
    disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.includes(connection.authorityHost),
  };
  const principal = connection.servicePrincipal;
  return principal
    ? new ClientSecretCredential(principal.tenantId, principal.clientId, principal.clientSecret, options)
    : new DefaultAzureCredential(options);
}

export async function createWorkspacesClient(
  connection: AzureMlConnection,
  credential: TokenCredential,
): Promise<AzureMachineLearningWorkspaces> {
  const { AzureMachineLearningWorkspaces } = await import('@azure/arm-machinelearning');
  return new AzureMachineLearningWorkspaces(credential, connection.subscriptionId, {
    endpoint: connection.resourceManager,
    $host: connection.resourceManager,
    credentialScopes: [`${connection.resourceManager}/.default`],
    retryOptions: { maxRetries: 1 },
  });
}
