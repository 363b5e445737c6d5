// Who stepops signs in to Azure as, tried in order until one can issue a token: the Microsoft
// account VS Code is signed in with (only in the editor, and only for the public cloud, which is
// the one its provider signs in to), then DefaultAzureCredential (the AZURE_* environment,
// workload or managed identity, `az login`), then the component's service principal with its
// stored secret. A source that cannot even try (no session, no login) passes to the next; one
// that tries and is refused stops the chain, so the refusal is what the user is told. The chain
// remembers which source answered, so messages name the identity that was used.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { HostTokenCredential } from '../../operators/hostSignIn';
import { firstLine } from '../shared/networkErrors';
import { isMissingAzureCredential } from './errors';

export const PUBLIC_RESOURCE_MANAGER = 'https://management.azure.com';
export const PUBLIC_AUTHORITY_HOST = 'https://login.microsoftonline.com';
const EDITOR_SOURCE = "VS Code's Microsoft account";

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

export interface AzureSignInOptions {
  readonly resourceManager: string;
  readonly authorityHost: string;
  /** The tenant the component names (its service principal's), asked of every source. */
  readonly tenantId?: string;
  readonly servicePrincipal?: AzureServicePrincipal;
  /** VS Code's Microsoft account, when running in the editor. */
  readonly editor?: HostTokenCredential;
}

export interface AzureSignIn extends TokenCredential {
  /** The identity that issued the last token, as messages name it ("your Azure login"). */
  signedInAs(): string;
  /** Whether the chain asks VS Code's Microsoft account (so a message can offer that sign-in). */
  readonly asksEditor: boolean;
}

interface Source {
  /** How a message names the identity. */
  readonly name: string;
  readonly credential: Pick<TokenCredential, 'getToken'>;
}

export async function azureSignIn(options: AzureSignInOptions): Promise<AzureSignIn> {
  const { ClientSecretCredential, DefaultAzureCredential } = await import('@azure/identity');
  const identityOptions = {
    authorityHost: options.authorityHost,
    // Azure Stack and other private authorities cannot be validated against the public cloud.
    disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.includes(options.authorityHost),
  };
  const tenant = options.tenantId ? { tenantId: options.tenantId } : {};
  const sources: Source[] = [];
  const publicCloud =
    options.resourceManager === PUBLIC_RESOURCE_MANAGER && options.authorityHost === PUBLIC_AUTHORITY_HOST;
  if (options.editor && publicCloud) {
    const editor = options.editor;
    sources.push({
      name: EDITOR_SOURCE,
      credential: { getToken: (scopes) => editor.getToken(scopes, tenant) },
    });
  }
  sources.push({
    name: 'your Azure login (az login, the AZURE_* environment or a managed identity)',
    credential: new DefaultAzureCredential({ ...identityOptions, ...tenant }),
  });
  const principal = options.servicePrincipal;
  if (principal) {
    sources.push({
      name: `the service principal ${principal.clientId}`,
      credential: new ClientSecretCredential(
        principal.tenantId,
        principal.clientId,
        principal.clientSecret,
        identityOptions,
      ),
    });
  }
  return signInChain(sources, sources.length > 0 && sources[0]!.name === EDITOR_SOURCE);
}

function signInChain(sources: readonly Source[], asksEditor: boolean): AzureSignIn {
  let used = sources[0]!.name;
  return {
    signedInAs: () => used,
    asksEditor,
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      const unavailable: string[] = [];
      for (const source of sources) {
        try {
          const token = await source.credential.getToken(scopes, options);
          if (token) {
            used = source.name;
            return token;
          }
          unavailable.push(`${source.name}: not signed in`);
        } catch (error) {
          if (!isMissingAzureCredential(error)) {
            used = source.name;
            throw error;
          }
          unavailable.push(`${source.name}: ${firstLine((error as Error).message)}`);
        }
      }
      throw Object.assign(new Error(`No Azure sign-in could issue a token. ${unavailable.join('; ')}`), {
        name: 'CredentialUnavailableError',
      });
    },
  };
}
