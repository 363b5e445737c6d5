// An ECR registry is usable when ECR issues a login from the AWS credentials and the registry
// accepts it: GetAuthorizationToken, then the registry API's version check with that login.
import { ecrLogin, parseEcrHost } from './ecrLogin';
import type { ConnectionResult } from '../../../stacks/connectionChecks/connectionCheck';
import { pingRegistry } from '../../../stacks/connectionChecks/registryPing';
import { explainAwsError } from '../errors';

export async function checkEcr(
  config: Readonly<Record<string, unknown>>,
  timeoutMs: number,
): Promise<ConnectionResult> {
  const uri = String(config.uri ?? '');
  const host = uri.split('/')[0]!;
  const parsed = parseEcrHost(host);
  if (!parsed)
    return { ok: false, message: `"${host}" is not an ECR registry (ACCOUNT.dkr.ecr.REGION.amazonaws.com).` };
  let login;
  try {
    login = await ecrLogin(uri, timeoutMs);
  } catch (error) {
    const message = explainAwsError(error as Error, {
      service: 'ECR',
      action: 'ecr:GetAuthorizationToken',
      region: parsed.region,
    });
    return { ok: false, message };
  }
  const { username, password } = login.credentials;
  const ping = await pingRegistry(uri, username, password, timeoutMs, login.proxyEndpoint);
  return ping.ok
    ? { ok: true, message: `ECR issued a login for ${host} and the registry accepts it.` }
    : { ok: false, message: `ECR issued a login, but the registry refused it: ${ping.message}` };
}
