// A code-only change pushed through the registry API alone, with no engine and without
// downloading the base image. A step image's layers go from least to most often changed and its
// last layer is the code (buildContext.ts), so an image with the same deps key (base, runtime,
// requirements) differs from the one wanted only there: read that image's manifest and config,
// make its lower blobs present in the target repository (there already in its own; in another,
// HEAD, else a cross-repository mount, else a streamed copy), upload the code layer built in
// memory (ociLayer.ts) and the new config (the code layer's diff id, its history entry), and last
// the manifest under the content-hash tag. What does not depend on what goes at once, so a push
// is four round trips. Until the last write nothing is tagged, so an interrupted push
// registers nothing, and the next one finds by HEAD the blobs that did arrive and sends only the rest.
import { BASE_IMAGE_ID_LABEL, type ContextEntry, DEPS_KEY_LABEL, codeLayerFiles } from './buildContext';
import { type LayerBlob, deterministicLayer, sha256 } from './ociLayer';
import type { ImageProgress } from './progress';
import { RegistryError } from './registryClient';
import type { RegistrySession, StoredManifest } from './registryUploads';

interface Descriptor {
  readonly mediaType: string;
  readonly size: number;
  readonly digest: string;
  readonly platform?: { readonly os?: string; readonly architecture?: string };
}

interface ImageManifest {
  readonly mediaType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly manifests?: readonly Descriptor[];
}

interface HistoryEntry {
  readonly created?: string;
  readonly created_by?: string;
  readonly comment?: string;
  readonly empty_layer?: boolean;
}

interface ImageConfig {
  readonly config?: { readonly Labels?: Record<string, string> | null };
  readonly rootfs: { readonly type: string; readonly diff_ids: readonly string[] };
  readonly history?: readonly HistoryEntry[];
  readonly [key: string]: unknown;
}

/** An image of this project in the registry with the wanted deps key: all but its code layer is reused. */
export interface PreviousImage {
  readonly repository: string;
  readonly mediaType: string;
  readonly manifest: ImageManifest;
  readonly config: ImageConfig;
  /** The base image id it was built on (its label): part of the content hash. */
  readonly baseImageId: string;
}

export interface CodeOnlyPush {
  readonly session: RegistrySession;
  /** Repository to push to, in the session's registry. */
  readonly repository: string;
  readonly tag: string;
  readonly previous: PreviousImage;
  /** The build context's entries; its code (app/...) goes into the new layer. */
  readonly entries: readonly ContextEntry[];
  readonly onProgress?: (progress: ImageProgress) => void;
}

export interface CodeOnlyPushResult {
  readonly digest: string;
  readonly codeLayer: LayerBlob;
  /** How each lower blob came to be in the target repository. */
  readonly lowerBlobs: { readonly present: number; readonly mounted: number; readonly copied: number };
  readonly uploadedBytes: number;
}

/**
 * The code layer is made in memory (its files, its tar and its gzip at once): code above this
 * size, which is data or weights kept in the project, is built by Docker instead, which streams.
 */
export const CODE_LAYER_MAX_BYTES = 256 * 1024 * 1024;

/** The tag a Docker-built image is also pushed under, by which a later code-only change finds it. */
export function depsTag(depsKey: string): string {
  return `deps-${depsKey.slice(0, 20)}`;
}

const EPOCH = new Date(0).toISOString();
const CODE_HISTORY = 'COPY app /app # stepops: code layer pushed through the registry API';

/**
 * The first of these repositories that holds an image under the deps key's tag whose labels and
 * layers say it is a stepops step image with that key; undefined when none does.
 */
export async function findPreviousImage(
  session: RegistrySession,
  repositories: readonly string[],
  depsKey: string,
): Promise<PreviousImage | undefined> {
  for (const repository of repositories) {
    const stored = await session.manifest(repository, depsTag(depsKey));
    if (!stored) continue;
    const resolved = await singleImage(session, repository, stored);
    if (!resolved) continue;
    const manifest = JSON.parse(resolved.bytes.toString('utf8')) as ImageManifest;
    const config = await imageConfig(session, repository, manifest.config.digest);
    const labels = config.config?.Labels ?? {};
    if (labels[DEPS_KEY_LABEL] !== depsKey || !endsWithCodeLayer(manifest, config)) continue;
    return {
      repository,
      mediaType: resolved.mediaType,
      manifest,
      config,
      baseImageId: labels[BASE_IMAGE_ID_LABEL] ?? '',
    };
  }
  return undefined;
}

/**
 * Configs read, by digest. A digest names its bytes (RegistrySession.blob checks them), and the
 * image a code change builds on is the same Docker build until the requirements change, so an
 * editor iterating on code reads it once, not once per push.
 */
const configs = new Map<string, ImageConfig>();
const KEPT_CONFIGS = 16;

async function imageConfig(session: RegistrySession, repository: string, digest: string): Promise<ImageConfig> {
  const known = configs.get(digest);
  if (known) return known;
  const config = JSON.parse((await session.blob(repository, digest)).toString('utf8')) as ImageConfig;
  if (configs.size >= KEPT_CONFIGS) configs.delete(configs.keys().next().value!);
  configs.set(digest, config);
  return config;
}

export async function pushCodeOnlyImage(push: CodeOnlyPush): Promise<CodeOnlyPushResult> {
  const { session, repository, previous } = push;
  const say = (message: string) => push.onProgress?.({ phase: 'push', message });
  const files = await codeLayerFiles(push.entries);
  // The lower blobs are made present while the code layer is built: neither waits for the other.
  const [codeLayer, lowerBlobs] = await Promise.all([deterministicLayer(files), ensureLowerBlobs(push)]);
  const configBytes = Buffer.from(JSON.stringify(codeOnlyConfig(previous.config, codeLayer)));
  const configDigest = sha256(configBytes);
  // Both blobs at once, each asked about as its upload starts.
  const blobs = [
    { digest: codeLayer.digest, bytes: codeLayer.compressed, what: `the code layer ${codeLayer.digest.slice(7, 19)}` },
    { digest: configDigest, bytes: configBytes, what: 'the image config' },
  ];
  let uploadedBytes = 0;
  await Promise.all(
    blobs.map(async (blob) => {
      if (!(await session.uploadBlobIfMissing(repository, blob.digest, blob.bytes)))
        return say(`${blob.what} already in the registry`);
      uploadedBytes += blob.bytes.length;
      say(`Pushed ${blob.what} (${blob.bytes.length} bytes)`);
    }),
  );

  const manifest: StoredManifest = {
    mediaType: previous.mediaType,
    bytes: Buffer.from(JSON.stringify(codeOnlyManifest(previous, codeLayer, configDigest, configBytes.length))),
    digest: '',
  };
  const digest = (await putManifest(push, manifest)) || sha256(manifest.bytes);
  say(`Pushed ${repository}:${push.tag} without Docker (${digest})`);
  return { digest, codeLayer, lowerBlobs, uploadedBytes };
}

/**
 * The previous image's lower blobs, in the target repository. Its own repository holds them
 * already (its manifest there lists them, and a registry refuses a manifest whose blobs it lacks),
 * so they are not asked about again; another one's are checked, mounted or copied, all at once.
 */
async function ensureLowerBlobs(push: CodeOnlyPush): Promise<CodeOnlyPushResult['lowerBlobs']> {
  const { session, repository, previous } = push;
  const lower = previous.manifest.layers.slice(0, -1);
  const counts = { present: 0, mounted: 0, copied: 0 };
  if (previous.repository === repository) counts.present = lower.length;
  else {
    const how = await Promise.all(
      lower.map((layer) => ensureLowerBlob(session, repository, previous.repository, layer)),
    );
    for (const way of how) counts[way]++;
  }
  push.onProgress?.({
    phase: 'push',
    message:
      `Reusing ${lower.length} lower layers of ${previous.repository}:` +
      ` ${counts.present} present, ${counts.mounted} mounted, ${counts.copied} copied`,
  });
  return counts;
}

/** The manifest under the tag; a registry that lost a lower layer (garbage-collected) says which fix applies. */
async function putManifest(push: CodeOnlyPush, manifest: StoredManifest): Promise<string> {
  try {
    return await push.session.putManifest(push.repository, push.tag, manifest);
  } catch (error) {
    if (!(error instanceof RegistryError) || error.status !== 400) throw error;
    throw new RegistryError(
      `${error.message}: ${push.repository} may lack a layer of ${push.previous.repository}'s image ` +
        '(a garbage-collected registry). Rebuild with Docker.',
      error.status,
    );
  }
}

/** A manifest list or index resolved to its image for Linux (skipping attestation entries). */
async function singleImage(
  session: RegistrySession,
  repository: string,
  stored: StoredManifest,
): Promise<StoredManifest | undefined> {
  if (!/index|list/.test(stored.mediaType)) return stored;
  const index = JSON.parse(stored.bytes.toString('utf8')) as ImageManifest;
  const entry = (index.manifests ?? []).find((m) => m.platform?.os === 'linux');
  return entry ? session.manifest(repository, entry.digest) : undefined;
}

/** Whether the image's last layer is the code: the history's last layer-making step copies into /app. */
function endsWithCodeLayer(manifest: ImageManifest, config: ImageConfig): boolean {
  if (manifest.layers.length === 0 || manifest.layers.length !== config.rootfs.diff_ids.length) return false;
  const last = [...(config.history ?? [])].reverse().find((h) => !h.empty_layer);
  return /COPY (app|dir:\S+ in) \/app/.test(last?.created_by ?? '');
}

async function ensureLowerBlob(
  session: RegistrySession,
  repository: string,
  from: string,
  layer: Descriptor,
): Promise<'present' | 'mounted' | 'copied'> {
  if (await session.hasBlob(repository, layer.digest)) return 'present';
  if (await session.mountBlob(repository, layer.digest, from)) return 'mounted';
  await session.copyBlob(repository, layer.digest, from);
  return 'copied';
}

/** The previous config with the code layer swapped: its diff id, its history entry; the rest kept. */
function codeOnlyConfig(previous: ImageConfig, codeLayer: LayerBlob): ImageConfig {
  // The build container's id and settings described the old code layer's build: dropped.
  const kept: Record<string, unknown> = { ...previous };
  delete kept.container;
  delete kept.container_config;
  const history = [...(previous.history ?? [])];
  const codeEntry = history.map((h) => !h.empty_layer).lastIndexOf(true);
  const entry: HistoryEntry = { created: EPOCH, created_by: CODE_HISTORY };
  if (codeEntry >= 0) history[codeEntry] = entry;
  // Fixed times keep the config (and so the manifest) the same for the same code.
  return {
    ...kept,
    created: EPOCH,
    rootfs: { ...previous.rootfs, diff_ids: [...previous.rootfs.diff_ids.slice(0, -1), codeLayer.diffId] },
    history,
  };
}

function codeOnlyManifest(previous: PreviousImage, codeLayer: LayerBlob, configDigest: string, configSize: number) {
  const oci = previous.mediaType.includes('vnd.oci.');
  const layers = previous.manifest.layers;
  return {
    ...previous.manifest,
    config: { ...previous.manifest.config, digest: configDigest, size: configSize },
    layers: [
      ...layers.slice(0, -1),
      {
        mediaType: oci
          ? 'application/vnd.oci.image.layer.v1.tar+gzip'
          : 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: codeLayer.size,
        digest: codeLayer.digest,
      },
    ],
  };
}
