// Registry logins made from a cloud identity, as the clouds' own CLIs make them:
//   Artifact Registry: user "oauth2accesstoken", password a Google access token (what
//     `gcloud auth configure-docker` arranges), from Application Default Credentials;
//   ACR: an Entra ID token for Resource Manager exchanged at the registry's /oauth2/exchange for
//     a registry refresh token, used with the all-zero user (what `az acr login` does).
// ECR's login lives in ecrLogin.ts (it goes through the AWS SDK).
import type { TokenCredential } from '@azure/identity';
import { PUBLIC_RESOURCE_MANAGER } from '../operators/azureml/azuremlClient';
import type { RegistryCredentials } from './registryAuth';

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** The user name ACR refresh tokens log in with. */
const ACR_REFRESH_TOKEN_USER = '00000000-0000-0000-0000-000000000000';

export async function artifactRegistryLogin(host: string): Promise<RegistryCredentials> {
  const { GoogleAuth } = await import('google-auth-library');
  const token = await new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] }).getAccessToken();
  if (!token) throw new Error('Google Cloud issued no access token for the registry login');
  return { serveraddress: host, username: 'oauth2accesstoken', password: token };
}

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
  const response = await fetch(`${baseUrl}/oauth2/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'access_token', service: host, access_token: aad.token }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => ({}))) as { refresh_token?: string; errors?: { message?: string }[] };
  if (!response.ok || !body.refresh_token) {
    const reason = body.errors?.[0]?.message ?? `${response.status} ${response.statusText}`;
    throw new Error(`${host} refused to exchange the Entra ID token: ${reason}`);
  }
  return { serveraddress: host, username: ACR_REFRESH_TOKEN_USER, password: body.refresh_token };
}
