// Google service accounts as the fakes know them: a freshly generated RSA key pair per account,
// the key file a user would download (the client signs with its private key) and the public half
// Google keeps to verify the self-signed JWTs that Google's client libraries send as bearer tokens.
import { type KeyObject, createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';

export interface FakeServiceAccount {
  readonly email: string;
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** The JSON key file's contents, as `gcloud iam service-accounts keys create` writes it. */
  readonly keyFile: Record<string, string>;
}

export function makeServiceAccount(name: string, project: string): FakeServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = `${name}@${project}.iam.gserviceaccount.com`;
  const keyId = randomBytes(20).toString('hex');
  return {
    email,
    keyId,
    publicKey,
    keyFile: {
      type: 'service_account',
      project_id: project,
      private_key_id: keyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: String(BigInt(`0x${randomBytes(8).toString('hex')}`)),
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      universe_domain: 'googleapis.com',
    },
  };
}

/** The account a key file (one makeServiceAccount wrote earlier) stands for. */
export function serviceAccountFromKeyFile(keyFile: Record<string, string>): FakeServiceAccount {
  const { client_email: email, private_key_id: keyId, private_key: privateKey } = keyFile;
  if (!email || !keyId || !privateKey)
    throw new Error('not a service account key file: client_email, private_key_id or private_key is missing');
  return { email, keyId, publicKey: createPublicKey(privateKey), keyFile };
}

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * Verifies a self-signed service-account JWT the way Google does for its APIs: RS256 with the key
 * named by `kid`, issuer = subject = a known account, unexpired, at most an hour long, and either
 * scoped to cloud-platform or addressed to the service. Returns the account or why it was refused.
 */
export function verifySelfSignedJwt(
  token: string,
  accounts: readonly FakeServiceAccount[],
  serviceAudience: string,
  now = Date.now() / 1000,
): FakeServiceAccount | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'not a JWT';
  let header: { alg?: string; kid?: string };
  let claims: { iss?: string; sub?: string; aud?: string; scope?: string; iat?: number; exp?: number };
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return 'malformed JWT';
  }
  if (header.alg !== 'RS256') return `unsupported JWT algorithm ${String(header.alg)}`;
  const account = accounts.find((a) => a.email === claims.iss);
  if (!account) return `unknown service account ${String(claims.iss)}`;
  if (header.kid !== account.keyId) return 'the key id is not an active key of the service account';
  const signed = verify(
    'RSA-SHA256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    account.publicKey,
    Buffer.from(parts[2]!, 'base64url'),
  );
  if (!signed) return 'invalid JWT signature';
  if (claims.sub !== claims.iss) return 'the JWT subject differs from its issuer';
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return 'the JWT lacks iat or exp';
  if (claims.exp <= now) return 'the JWT has expired';
  if (claims.iat > now + 300 || claims.exp - claims.iat > 3600) return 'the JWT lifetime is invalid';
  const scoped = (claims.scope ?? '').split(' ').includes(CLOUD_PLATFORM_SCOPE);
  if (!scoped && claims.aud !== serviceAudience)
    return 'the JWT is neither scoped to cloud-platform nor addressed to this API';
  return account;
}
