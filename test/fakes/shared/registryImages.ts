// Images the job emulators run, named by the cloud's own registry host or by the local registry's:
// a reference is resolved to the registry it is really pulled from, looked up there over the
// distribution API before a job is accepted (as the clouds check at submit time), and pulled onto
// the local engine when the job starts. Each emulator words the outcome as its cloud does.
import type { DockerClient } from '../../../src/core/images/dockerClient';
import { followStream } from '../../../src/core/images/imageBuilder';

export interface ImageRegistry {
  /** The registry host an image reference names: 127.0.0.1:5555, ACCOUNT.dkr.ecr.REGION.amazonaws.com, REGION-docker.pkg.dev. */
  readonly host: string;
  /** host:port the images are really pulled from (default: host). */
  readonly pullFrom?: string;
  readonly username?: string;
  readonly password?: string;
}

export interface ImageReference {
  readonly registry: ImageRegistry;
  readonly repository: string;
  /** A tag or a digest (sha256:...). */
  readonly reference: string;
  /** What the local engine pulls: the reference on the registry it is really served from. */
  readonly pullReference: string;
}

/** HOST/REPOSITORY[:TAG][@DIGEST] on one of `registries`, or undefined. */
export function resolveImage(image: string, registries: readonly ImageRegistry[]): ImageReference | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const registry = registries.find((r) => r.host === image.slice(0, slash));
  if (!registry) return undefined;
  const match = /^([a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(
    image.slice(slash + 1),
  );
  if (!match) return undefined;
  const [, repository, tag, digest] = match as unknown as [string, string, string?, string?];
  const pullHost = registry.pullFrom ?? registry.host;
  const reference = digest ?? tag ?? 'latest';
  const pullReference = `${pullHost}/${repository}${digest ? `@${digest}` : `:${reference}`}`;
  return { registry, repository, reference, pullReference };
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** What the registry says about an image. */
export type ImageProbe =
  | { readonly kind: 'found' }
  | { readonly kind: 'unreachable'; readonly url: string; readonly error: string }
  | { readonly kind: 'no-repository' }
  | { readonly kind: 'no-image' }
  | { readonly kind: 'refused'; readonly status: number; readonly codes: readonly string[] };

/** Asks the image's registry for its manifest (and, when that is missing, for the repository's tags). */
export async function probeImage(image: ImageReference): Promise<ImageProbe> {
  const { registry, repository, reference } = image;
  const base = `http://${registry.pullFrom ?? registry.host}/v2/${repository}`;
  const headers: Record<string, string> = { accept: MANIFEST_TYPES };
  if (registry.username !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${registry.username}:${registry.password ?? ''}`).toString('base64')}`;
  }
  let manifest: Response;
  let tags: Response | undefined;
  try {
    manifest = await fetch(`${base}/manifests/${reference}`, { headers, signal: AbortSignal.timeout(10_000) });
    // A registry answers MANIFEST_UNKNOWN also in a repository it does not have; its tag list tells.
    if (manifest.status === 404)
      tags = await fetch(`${base}/tags/list`, { headers, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    return { kind: 'unreachable', url: base, error: (error as Error).message };
  }
  if (manifest.ok) return { kind: 'found' };
  if (tags && (await errorCodes(tags)).includes('NAME_UNKNOWN')) return { kind: 'no-repository' };
  if (manifest.status === 404) return { kind: 'no-image' };
  return { kind: 'refused', status: manifest.status, codes: await errorCodes(manifest) };
}

async function errorCodes(answer: Response): Promise<string[]> {
  try {
    const body = (await answer.json()) as { errors?: { code?: string }[] };
    return (body.errors ?? []).map((e) => e.code ?? '').filter(Boolean);
  } catch {
    return [];
  }
}

/** Pulls the image onto the local engine with the registry's credentials. */
export async function pullImage(docker: DockerClient, image: ImageReference): Promise<void> {
  const { registry } = image;
  const stream = (await docker.pull(image.pullReference, {
    authconfig: {
      serveraddress: registry.pullFrom ?? registry.host,
      username: registry.username ?? '',
      password: registry.password ?? '',
    },
  })) as NodeJS.ReadableStream;
  await followStream(docker, stream, () => undefined);
}
