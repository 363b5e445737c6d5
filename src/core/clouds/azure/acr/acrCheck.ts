// ACR connection test: the login `az acr login` makes (acrLogin.ts), then the registry API's
// version check with it. The registry is reached at its own host; `reach` exists for callers that
// reach it through another address or with another credential.
import type { TokenCredential } from '@azure/identity';
import type { ConnectionResult } from '../../../stacks/connectionChecks/connectionCheck';
import { pingRegistry } from '../../../stacks/connectionChecks/registryPing';
import { acrLogin } from './acrLogin';
import { networkFailureOf } from '../../shared/networkErrors';
import { isMissingAzureCredential, noAzureCredentials } from '../errors';

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
    if (isMissingAzureCredential(e)) {
      return { ok: false, message: noAzureCredentials('set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET') };
    }
    if (networkFailureOf(e) === 'unresolved') {
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
