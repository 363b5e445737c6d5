// The emulators' own identities: an AWS access key, a Google service account key and workload
// identity subject token, an Azure service principal, and the throwaway CA the TLS fakes serve
// under. They are generated on first start into the emulators' state folder (private to the user)
// and kept, so that a user's shell, stacks and running editor keep working across restarts.
// None of them exists anywhere but in these local emulators.
import { X509Certificate, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../../src/core/files/atomicWrite';
import { makeServiceAccount } from '../googleServiceAccounts';
import { type TestCertificate, makeTestCertificate } from '../selfSignedCert';
import { GCP } from './emulatedClouds';

const identityShape = z.object({
  version: z.literal(1),
  aws: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
  gcp: z.object({
    projectNumber: z.string().regex(/^\d+$/),
    subjectToken: z.string(),
    serviceAccountKey: z.record(z.string(), z.string()),
  }),
  azure: z.object({
    tenantId: z.uuid(),
    subscriptionId: z.uuid(),
    clientId: z.uuid(),
    clientSecret: z.string(),
  }),
});

export type EmulatorIdentity = z.infer<typeof identityShape>;

/** Letters AWS uses in access key ids. */
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function generateIdentity(): EmulatorIdentity {
  const keyChars = Array.from({ length: 13 }, () => KEY_ALPHABET[randomInt(KEY_ALPHABET.length)]).join('');
  return {
    version: 1,
    // AKID (no real key's prefix) + "EMU": no secret scanner takes it for an AWS key, and it
    // reads as what it is in any log it ends up in.
    aws: { accessKeyId: `AKIDEMU${keyChars}`, secretAccessKey: randomBytes(30).toString('base64') },
    gcp: {
      projectNumber: String(randomInt(100_000_000_000, 999_999_999_999)),
      subjectToken: randomBytes(32).toString('base64url'),
      serviceAccountKey: makeServiceAccount('stepops-emulator', GCP.project).keyFile,
    },
    azure: {
      tenantId: randomUUID(),
      subscriptionId: randomUUID(),
      clientId: randomUUID(),
      clientSecret: `emulator~${randomBytes(24).toString('base64url')}`,
    },
  };
}

/** The state folder's identity, made on first use. */
export async function emulatorIdentity(stateDir: string): Promise<EmulatorIdentity> {
  const file = path.join(stateDir, 'identity.json');
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === undefined) {
    const identity = generateIdentity();
    await writeFileAtomic(file, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
    return identity;
  }
  let parsed;
  try {
    parsed = identityShape.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    throw new Error(
      `${file} is not an emulator identity this version can read. Delete it to make a new one ` +
        '(stacks made with the old one keep working; re-source the printed environment).',
    );
  }
  return parsed.data;
}

/** The TLS fakes' certificate: kept while it has more than a week left, else made anew for a year. */
export async function emulatorCertificate(stateDir: string): Promise<TestCertificate> {
  const folder = path.join(stateDir, 'tls');
  const caFile = path.join(folder, 'ca.pem');
  try {
    const [cert, key] = await Promise.all([
      readFile(path.join(folder, 'server.pem'), 'utf8'),
      readFile(path.join(folder, 'server.key'), 'utf8'),
      readFile(caFile, 'utf8'),
    ]);
    if (new Date(new X509Certificate(cert).validTo).getTime() > Date.now() + 7 * 86_400_000) {
      return { caFile, key, cert };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(folder, { recursive: true, mode: 0o700 });
  return makeTestCertificate(folder, 365);
}
