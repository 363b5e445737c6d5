import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Permissions of a new file, before the umask; 0o600 unless given (records may hold secrets). */
  readonly mode?: number;
  /** Aborts the write; the temporary file is removed and the original left as it was. */
  readonly signal?: AbortSignal;
}

/**
 * Replaces a file's content all at once: write a temporary file beside it, flush it to disk,
 * then rename over the original. A crash or a full disk leaves either the old file or the new
 * one, never half of each. `content` may be a stream of bytes (a download, another file).
 */
export async function writeFileAtomic(
  file: string,
  content: string | Uint8Array | AsyncIterable<Uint8Array>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'w', options.mode ?? 0o600);
    try {
      await writeAll(handle, content, options.signal);
      await handle.sync();
    } finally {
      await handle.close();
    }
    options.signal?.throwIfAborted();
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Whether a file name is one of writeFileAtomic's temporary files (a write under way, or left by a crash). */
export function isAtomicWriteTemporary(name: string): boolean {
  return /^\..+\.[0-9a-f]{12}\.tmp$/.test(name);
}

async function writeAll(
  handle: FileHandle,
  content: string | Uint8Array | AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (typeof content === 'string' || content instanceof Uint8Array) {
    await handle.writeFile(content, { encoding: 'utf8', signal });
    return;
  }
  for await (const chunk of content) {
    signal?.throwIfAborted();
    for (let offset = 0; offset < chunk.length;) {
      offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
    }
  }
}
