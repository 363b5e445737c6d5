// The OCI distribution API's version check, the registry half of every registry's connection test.
import { RegistryError, registryLoginStatus } from '../../images/registryClient';
import type { ConnectionResult } from './connectionCheck';

/**
 * Logs in to the registry (see registryLoginStatus: Basic, or a token from its token service) and
 * says what that means. The base URL is the registry host's unless a login names another (ECR's
 * proxy endpoint).
 */
export async function pingRegistry(
  uri: string,
  username: string | undefined,
  password: string | undefined,
  timeoutMs: number,
  baseUrl?: string,
): Promise<ConnectionResult> {
  const host = uri.split('/')[0]!;
  let status: number;
  try {
    status = await registryLoginStatus(host, {
      timeoutMs,
      attempts: 1,
      ...(username ? { credentials: { serveraddress: host, username, password: password ?? '' } } : {}),
      ...(baseUrl ? { baseUrl } : {}),
    });
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    return { ok: false, message: error.message.charAt(0).toUpperCase() + error.message.slice(1) };
  }
  if (status >= 200 && status < 300)
    return {
      ok: true,
      message: `${host} answers the registry API${username ? ` and accepts ${username}'s credentials` : ''}.`,
    };
  if (status === 401) {
    return {
      ok: false,
      message: username
        ? `${host} rejected the credentials of "${username}" (401). Check the username and the stored password.`
        : `${host} needs credentials (401). Edit the registry and set a username and password.`,
    };
  }
  if (status === 403) return { ok: false, message: `${host} refused access (403): the account lacks permission.` };
  return { ok: false, message: `${host} answered ${status} to its /v2/ version check.` };
}
