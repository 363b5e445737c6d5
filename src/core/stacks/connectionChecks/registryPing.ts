// The OCI distribution API's version check, the registry half of every registry's connection test.
import { registryBaseUrl } from '../../images/registryClient';
import type { ConnectionResult } from '../connectionTest';

/**
 * GET /v2/ (the OCI distribution API's version check), anonymously or with Basic auth. The base
 * URL is the registry host's unless a login names another (ECR's proxy endpoint).
 */
export async function pingRegistry(
  uri: string,
  username: string | undefined,
  password: string | undefined,
  timeoutMs: number,
  baseUrl?: string,
): Promise<ConnectionResult> {
  const host = uri.split('/')[0]!;
  const url = `${(baseUrl ?? registryBaseUrl(host)).replace(/\/+$/, '')}/v2/`;
  const headers: Record<string, string> = {};
  if (username) headers.Authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    return {
      ok: false,
      message: `Cannot reach ${url} (${reason}). Check the registry address and that it is running.`,
    };
  }
  await response.body?.cancel();
  if (response.ok)
    return {
      ok: true,
      message: `${host} answers the registry API${username ? ` and accepts ${username}'s credentials` : ''}.`,
    };
  if (response.status === 401) {
    return {
      ok: false,
      message: username
        ? `${host} rejected the credentials of "${username}" (401). Check the username and the stored password.`
        : `${host} needs credentials (401). Edit the registry and set a username and password.`,
    };
  }
  if (response.status === 403)
    return { ok: false, message: `${host} refused access (403): the account lacks permission.` };
  return { ok: false, message: `${host} answered ${response.status} ${response.statusText} to ${url}.` };
}
