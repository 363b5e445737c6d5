// A build context as the tar stream the engine's build endpoint takes (buildContext.ts makes the
// context and its hash).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pack } from 'tar-stream';
import { type BuildContext, type ContextEntry, HELD_BYTES, READS_AT_ONCE, READ_CHUNK_BYTES } from './buildContext';

/**
 * The context as the tar stream the engine's build endpoint takes. Timestamps are fixed. Files
 * are read as the engine takes the ones before them (the stream's back pressure): small ones
 * whole, in batches of READS_AT_ONCE with the next batch read while one goes out (so many small
 * files cost about what reading them all first did), large ones streamed through, so a Docker
 * build holds a few files in memory, not the project; nothing is read before the stream is. A
 * file changed since it was hashed ends the stream with that error, and the engine's client ends
 * the build's request with it: the build fails with what to do, and tags nothing.
 */
export async function contextTar(context: BuildContext): Promise<NodeJS.ReadableStream> {
  // A vendor bundle, loaded by the first build: activation does not parse it.
  const { pack } = await import('tar-stream');
  async function* chunks(): AsyncGenerator<Buffer> {
    // A buffer of a read's size: small files go in without waiting for the engine after each.
    const tar = pack({ highWaterMark: READ_CHUNK_BYTES });
    const packed = packEntries(tar, context);
    packed.catch((error: Error) => tar.destroy(error));
    for await (const chunk of tar as AsyncIterable<Buffer>) yield chunk;
    // Packing's own error: tar-stream may end its stream quietly when an entry fails, which would
    // hand the engine a short tar and leave it to say only "unexpected EOF".
    await packed;
  }
  return Readable.from(chunks(), { objectMode: false });
}

async function packEntries(tar: Pack, context: BuildContext): Promise<void> {
  const mtime = new Date(0);
  const header = (e: ContextEntry) => ({ name: e.name, mode: e.mode, mtime, size: e.size });
  // Resolves once the tar has taken them all and the engine the bytes before (the last entry's
  // callback waits for the stream to drain).
  const addAll = (entries: readonly ContextEntry[], contents: readonly Buffer[]) =>
    new Promise<void>((resolve, reject) =>
      entries.forEach((e, k) =>
        tar.entry(
          header(e),
          contents[k],
          k === entries.length - 1 ? (error) => (error ? reject(error) : resolve()) : undefined,
        ),
      ),
    );
  tar.entry({ name: 'Dockerfile', mode: 0o644, mtime }, context.dockerfile);
  // Small files are read whole, a batch at a time with the next batch read while this one goes
  // out; a large file streams through in its turn.
  const batches = readingBatches(context.entries);
  const read = (batch: ContextEntry[] | undefined) =>
    Promise.all((batch ?? []).map((e) => (e.size < HELD_BYTES ? e.content() : undefined)));
  let pending = read(batches[0]);
  for (let i = 0; i < batches.length; i++) {
    const contents = await pending;
    pending = read(batches[i + 1]);
    // Awaited in its turn; one still pending when the stream ends is left to the collector.
    pending.catch(() => {});
    const batch = batches[i]!;
    if (batch[0]!.size >= HELD_BYTES) await pipeline(batch[0]!.stream(), tar.entry(header(batch[0]!)));
    else await addAll(batch, contents as Buffer[]);
  }
  tar.finalize();
}

/** The entries in order, as runs of up to READS_AT_ONCE small files, each large one a run of its own. */
function readingBatches(entries: readonly ContextEntry[]): ContextEntry[][] {
  const batches: ContextEntry[][] = [];
  for (const entry of entries) {
    const last = batches.at(-1);
    const small = entry.size < HELD_BYTES;
    if (small && last && last.length < READS_AT_ONCE && last[0]!.size < HELD_BYTES) last.push(entry);
    else batches.push([entry]);
  }
  return batches;
}
