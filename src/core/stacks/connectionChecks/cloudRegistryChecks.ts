// Artifact Registry and ACR connection tests: make the registry login the clouds' CLIs make (see
// images/cloudRegistryLogins.ts), then the registry API's version check with it. Registries are
// reached at their own host; `baseUrl` exists for callers that reach them through another address.
import type { TokenCredential } from '@azure/identity';
import { acrLogin, artifactRegistryLogin } from '../../images/cloudRegistryLogins';
import type { ConnectionResult } from '../connectionTest';
import { pingRegistry } from './registryPing';

export async function checkArtifactRegistry(
  config: Readonly<Record<string, unknown>>,
  timeoutMs: number,
  baseUrl?: string,
): Promise<ConnectionResult> {
  const uri = String(config.uri ?? '');
  const host = uri.split('/')[0]!;
  let login;
  try {
    login = await artifactRegistryLogin(host);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!;
    if (/Could not load the default credentials/.test(message)) {
      return {
        ok: false,
        message:
          'No Google Cloud credentials found: run "gcloud auth application-default login" or set GOOGLE_APPLICATION_CREDENTIALS.',
      };
    }
    return { ok: false, message: `Google Cloud issued no token for the registry login: ${message}` };
  }
  const ping = await pingRegistry(uri, login.username, login.password, timeoutMs, baseUrl);
  return ping.ok
    ? { ok: true, message: `${host} accepts a login made from your Google credentials.` }
    : { ok: false, message: `Google issued a token, but the registry refused it: ${ping.message}` };
}

export async function checkAcr(
  config: Readonly<Record<string, unknown>>,
  timeoutMs: number,
  reach: { readonly baseUrl?: string; readonly credential?: TokenCredential; readonly resourceManager?: string } = {},
): Promise<ConnectionResult> {
  const uri = String(config.uri ?? '');
  const host = uri.split('/')[0]!;
  let login;
  try {
    const credential = reach.credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
    login = await acrLogin(host, credential, reach.baseUrl, reach.resourceManager, timeoutMs);
  } catch (error) {
    const e = error as Error;
    if (e.name === 'CredentialUnavailableError' || e.name === 'AggregateAuthenticationError') {
      return {
        ok: false,
        message:
          'No Azure credentials found: run "az login", or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.',
      };
    }
    if (/ENOTFOUND|getaddrinfo/.test(`${e.message} ${String((e as { cause?: unknown }).cause)}`)) {
      return { ok: false, message: `Cannot reach ${host}: check the registry name.` };
    }
    return { ok: false, message: e.message.split('\n')[0]! };
  }
  const ping = await pingRegistry(uri, login.username, login.password, timeoutMs, reach.baseUrl);
  return ping.ok
    ? { ok: true, message: `${host} accepts a login made from your Azure credentials.` }
    : {
        ok: false,
        message: `${host} exchanged the token, but refused the login (the identity needs AcrPush or AcrPull on the registry): ${ping.message}`,
      };
}
