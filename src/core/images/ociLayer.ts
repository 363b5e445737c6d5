// An image layer built in memory, byte for byte the same for the same files: entries in a fixed
// order (parents before children, names compared segment by segment), every timestamp the
// epoch, owner root with no user or group names, fixed modes, and a gzip header without a
// timestamp or file name. Equal code therefore gives an equal digest, and an equal digest is a
// blob the registry already has.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRaw, gzip } from 'node:zlib';

export interface LayerFile {
  /** Path inside the image, relative to its root, e.g. "app/churn/steps/trainer.py". */
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

export interface LayerBlob {
  /** The gzip-compressed tar, as the registry stores it. */
  readonly compressed: Buffer;
  /** sha256 of the compressed bytes: the blob's (and the manifest's layer) digest. */
  readonly digest: string;
  /** sha256 of the uncompressed tar: the config's rootfs.diff_ids entry. */
  readonly diffId: string;
  readonly size: number;
}

const EPOCH = new Date(0);
const DIRECTORY_MODE = 0o755;
/** gzip's "operating system" byte (RFC 1952): Unix, whatever platform zlib was built on. */
const GZIP_OS_UNIX = 3;
const gzipAsync = promisify(gzip);
const deflateRawAsync = promisify(deflateRaw);

export async function deterministicLayer(files: readonly LayerFile[]): Promise<LayerBlob> {
  const tar = await tarOf(files);
  // In zlib's thread pool, off the event loop; the same bytes as gzipSync.
  const compressed = await gzipAsync(tar, { level: await compressionLevel(tar) });
  // zlib writes a zero mtime and no name already; the OS byte is fixed here so that the bytes do
  // not depend on where zlib was built. The header is outside the CRC, so this is safe.
  compressed[9] = GZIP_OS_UNIX;
  return { compressed, digest: sha256(compressed), diffId: sha256(tar), size: compressed.length };
}

/** Below this a layer is deflated whatever it holds: the cost is small either way. */
const SAMPLED_ABOVE = 1024 * 1024;
const SAMPLES = 32;
const SAMPLE_BYTES = 16 * 1024;

/**
 * 6 (gzip's default), or 0 (stored, no compression) for a large layer that deflate would barely
 * shrink: data kept with the code (weights, parquet, images) is already compressed, and deflate
 * spends about as long failing on it as on text (75 ms per 4 MiB here) to save nothing. Judged on
 * slices spread over the tar, so equal bytes get equal levels and equal digests. The trial deflate
 * of the 512 KiB sample runs in zlib's thread pool too (5-10 ms on the event loop otherwise).
 */
export async function compressionLevel(tar: Buffer): Promise<0 | 6> {
  if (tar.length < SAMPLED_ABOVE) return 6;
  const step = Math.floor((tar.length - SAMPLE_BYTES) / (SAMPLES - 1));
  const sample = Buffer.concat(
    Array.from({ length: SAMPLES }, (_, i) => tar.subarray(i * step, i * step + SAMPLE_BYTES)),
  );
  return (await deflateRawAsync(sample, { level: 1 })).length > 0.95 * sample.length ? 0 : 6;
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The tar of the files with every folder above them as its own entry, in layer order. */
export async function tarOf(files: readonly LayerFile[]): Promise<Buffer> {
  const byPath = new Map<string, LayerFile | 'directory'>();
  for (const file of files) {
    const segments = file.path.split('/').filter(Boolean);
    if (segments.length === 0 || segments.includes('..')) throw new Error(`"${file.path}" is not a path in a layer`);
    for (let i = 1; i < segments.length; i++) byPath.set(segments.slice(0, i).join('/'), 'directory');
    byPath.set(segments.join('/'), file);
  }
  const { pack } = await import('tar-stream');
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  const owner = { mtime: EPOCH, uid: 0, gid: 0, uname: '', gname: '' };
  for (const name of [...byPath.keys()].sort(compareSegments)) {
    const item = byPath.get(name)!;
    if (item === 'directory') tar.entry({ ...owner, name: `${name}/`, type: 'directory', mode: DIRECTORY_MODE });
    else tar.entry({ ...owner, name, type: 'file', mode: item.mode }, item.content);
  }
  tar.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** "a" < "a/b" < "a-b": by segments, so that a folder comes right before what it holds. */
function compareSegments(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return Buffer.compare(Buffer.from(x[i]!), Buffer.from(y[i]!));
  }
  return x.length - y.length;
}
