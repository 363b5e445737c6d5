// The ACR login `az acr login` makes: an Entra ID token for Resource Manager exchanged at the
// registry's /oauth2/exchange for a registry refresh token, used with the all-zero user.
import type { TokenCredential } from '@azure/identity';
import type { RegistryCredentials } from '../../../images/registryAuth';
import { type HttpAnswer, httpCall } from '../../shared/httpCall';
import { PUBLIC_RESOURCE_MANAGER } from '../credentials';

/** The user name ACR refresh tokens log in with. */
const ACR_REFRESH_TOKEN_USER = '00000000-0000-0000-0000-000000000000';

/**
 * `baseUrl` is the registry's own (https://NAME.azurecr.io); `resourceManager` the cloud's Resource
 * Manager, whose token the registry accepts for the exchange.
 */
export async function acrLogin(
  host: string,
  credential: TokenCredential,
  baseUrl = `https://${host}`,
  resourceManager = PUBLIC_RESOURCE_MANAGER,
  timeoutMs = 10_000,
): Promise<RegistryCredentials> {
  const aad = await credential.getToken(`${resourceManager}/.default`);
  if (!aad) throw new Error('Microsoft Entra ID issued no token for the registry login');
  const response = await httpCall(`${baseUrl}/oauth2/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'access_token', service: host, access_token: aad.token }).toString(),
    timeoutMs,
  });
  const body = answerBody(response);
  if (!response.ok || !body.refresh_token) {
    const reason = body.errors?.[0]?.message ?? `${response.status} ${response.statusText}`;
    throw new Error(`${host} refused to exchange the Entra ID token: ${reason}`);
  }
  return { serveraddress: host, username: ACR_REFRESH_TOKEN_USER, password: body.refresh_token };
}

/** The login `az acr login` makes from the Azure login (DefaultAzureCredential: az login, environment, managed identity). */
export async function acrLoginWithAzureLogin(registryUri: string, timeoutMs = 10_000): Promise<RegistryCredentials> {
  const host = registryUri.split('/')[0]!;
  const { DefaultAzureCredential } = await import('@azure/identity');
  return acrLogin(host, new DefaultAzureCredential(), `https://${host}`, PUBLIC_RESOURCE_MANAGER, timeoutMs);
}

type ExchangeAnswer = { refresh_token?: string; errors?: { message?: string }[] };

function answerBody(response: HttpAnswer): ExchangeAnswer {
  try {
    return response.json() as ExchangeAnswer;
  } catch {
    return {}; // not JSON: the status says what went wrong
  }
}
