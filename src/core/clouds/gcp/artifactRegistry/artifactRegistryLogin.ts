// The Artifact Registry login gcloud arranges (`gcloud auth configure-docker`): user
// "oauth2accesstoken", password a Google access token from Application Default Credentials.
import type { RegistryCredentials } from '../../../images/registryAuth';

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export async function artifactRegistryLogin(host: string): Promise<RegistryCredentials> {
  const { GoogleAuth } = await import('google-auth-library');
  const token = await new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] }).getAccessToken();
  if (!token) throw new Error('Google Cloud issued no access token for the registry login');
  return { serveraddress: host, username: 'oauth2accesstoken', password: token };
}
