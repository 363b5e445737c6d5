// Artifact Registry connection test: the login gcloud makes (artifactRegistryLogin.ts), then the
// registry API's version check with it. The registry is reached at its own host; `baseUrl` exists
// for callers that reach it through another address.
import type { ConnectionResult } from '../../../stacks/connectionChecks/connectionCheck';
import { pingRegistry } from '../../../stacks/connectionChecks/registryPing';
import { artifactRegistryLogin } from './artifactRegistryLogin';
import { explainMissingGoogleCredentials } from '../errors';

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
    const noCredentials = explainMissingGoogleCredentials(message);
    if (noCredentials) return { ok: false, message: noCredentials };
    return { ok: false, message: `Google Cloud issued no token for the registry login: ${message}` };
  }
  const ping = await pingRegistry(uri, login.username, login.password, timeoutMs, baseUrl);
  return ping.ok
    ? { ok: true, message: `${host} accepts a login made from your Google credentials.` }
    : { ok: false, message: `Google issued a token, but the registry refused it: ${ping.message}` };
}
