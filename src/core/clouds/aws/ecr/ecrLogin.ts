// An ECR push needs a registry login made from AWS credentials: GetAuthorizationToken returns a
// base64 "user:password" pair valid for 12 hours and the endpoint to log in to, which is what
// `aws ecr get-login-password | docker login` does. Credentials and the endpoint come from the
// AWS SDK's own chain and settings (AWS_ENDPOINT_URL_ECR and friends).
import type { RegistryCredentials } from '../../../images/registryAuth';
import { explainAwsError } from '../errors';

const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** Account and region of an ECR registry host, or undefined when it is not one. */
export function parseEcrHost(host: string): { account: string; region: string } | undefined {
  const match = ECR_HOST.exec(host);
  return match ? { account: match[1]!, region: match[2]! } : undefined;
}

export interface EcrLogin {
  readonly credentials: RegistryCredentials;
  /** The URL to log in to, as ECR names it (https://ACCOUNT.dkr.ecr.REGION.amazonaws.com). */
  readonly proxyEndpoint: string;
  readonly expiresAt?: Date;
}

/** Logins by registry host, reused until shortly before ECR says they expire (12 hours). */
const cachedLogins = new Map<string, EcrLogin>();
const EXPIRY_MARGIN_MS = 5 * 60_000;

/** An ECR login, from the cache while it has more than a few minutes left. */
export async function cachedEcrLogin(registryUri: string, timeoutMs = 10_000, now = Date.now): Promise<EcrLogin> {
  const host = registryUri.split('/')[0]!;
  const cached = cachedLogins.get(host);
  if (cached?.expiresAt && cached.expiresAt.getTime() - EXPIRY_MARGIN_MS > now()) return cached;
  let login: EcrLogin;
  try {
    login = await ecrLogin(registryUri, timeoutMs);
  } catch (error) {
    // What the connection test says too: no credentials, a wrong key, a missing permission...
    const region = parseEcrHost(host)?.region ?? 'its region';
    throw new Error(
      `No login for the ECR registry ${host}: ${explainAwsError(error as Error, { service: 'ECR', action: 'ecr:GetAuthorizationToken', region })}`,
    );
  }
  cachedLogins.set(host, login);
  return login;
}

export async function ecrLogin(registryUri: string, timeoutMs = 10_000): Promise<EcrLogin> {
  const host = registryUri.split('/')[0]!;
  const parsed = parseEcrHost(host);
  if (!parsed) throw new Error(`"${host}" is not an ECR registry (ACCOUNT.dkr.ecr.REGION.amazonaws.com)`);
  const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  const client = new ECRClient({
    region: parsed.region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
  try {
    const answer = await client.send(new GetAuthorizationTokenCommand({}));
    const data = answer.authorizationData?.[0];
    const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (!data?.proxyEndpoint || colon <= 0) throw new Error('ECR returned no usable authorization token');
    return {
      credentials: { serveraddress: host, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) },
      proxyEndpoint: data.proxyEndpoint,
      ...(data.expiresAt ? { expiresAt: data.expiresAt } : {}),
    };
  } finally {
    client.destroy();
  }
}
