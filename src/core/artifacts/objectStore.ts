// What every store does the same way, built once over a backend that only moves single objects:
// key rules, folder listings in lexical order, folder uploads and downloads (a few transfers at
// a time, each download written atomically under the target folder), a missing object read as
// undefined, and failures explained by the backend in its own terms. The local folder store and
// each cloud's client are such backends, so all four behave alike.
import { writeFileAtomic } from '../files/atomicWrite';
import type { ArtifactStore } from './artifactStore';
import { type LocalFile, filesUnder } from './localFiles';
import { checkedFolderKey, checkedKey, isUnderFolder, keyBelow, localPathOf } from './storeKeys';

/** What a failed call was doing, for the backend to name the permission it needs. */
export type StoreAccess = 'read' | 'write' | 'list';

/** A body to write: bytes, or a local file streamed from disk (its size known up front). */
export type ObjectBody = Uint8Array | Pick<LocalFile, 'file' | 'size'>;

/** Single-object operations, on keys relative to the store's root (checked before they get here). */
export interface ObjectBackend {
  put(key: string, body: ObjectBody, signal?: AbortSignal): Promise<void>;
  /** The object's bytes; a failure (a missing object included) may come at once or while reading. */
  read(key: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /** Every object key under the folder key (`''` for all), in any order. */
  list(folder: string, signal?: AbortSignal): Promise<string[]>;
  /** Whether a failure of `read` means that the object does not exist. */
  isMissing(error: unknown): boolean;
  /** The error to show for a failed access to `uri`: what happened, and what the identity needs. */
  explain(error: unknown, access: StoreAccess, uri: string): Error;
}

/** Where the store is: its root as users write it, and keys to URIs and back. */
export interface StoreAddress {
  readonly root: string;
  uri(key: string): string;
  keyOf(uri: string): string | undefined;
}

/** Transfers under way at once in a folder upload or download. */
const PARALLEL_TRANSFERS = 8;

export function objectStore(address: StoreAddress, backend: ObjectBackend): ArtifactStore {
  const attempt = async <T>(access: StoreAccess, key: string, run: () => Promise<T>, signal?: AbortSignal) => {
    try {
      return await run();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw backend.explain(error, access, address.uri(key));
    }
  };

  const list = async (prefix: string, signal?: AbortSignal): Promise<string[]> => {
    const folder = checkedFolderKey(prefix);
    const keys = await attempt('list', folder, () => backend.list(folder, signal), signal);
    // Zero-byte "folder" objects (KEY/) that consoles create hold no file.
    return keys.filter((key) => isUnderFolder(key, folder) && !key.endsWith('/')).sort(lexical);
  };

  // A failure while reading is the store's to explain; one while writing names the local file.
  const download = async (key: string, file: string, signal?: AbortSignal): Promise<void> => {
    const source = await attempt('read', key, () => backend.read(key, signal), signal);
    try {
      await writeFileAtomic(file, readFailuresMarked(source), { mode: 0o666, signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof ReadFailure) throw backend.explain(error.cause, 'read', address.uri(key));
      throw error;
    }
  };

  return {
    root: address.root,
    uri: (key) => address.uri(checkedFolderKey(key)),
    keyOf: (uri) => address.keyOf(uri),
    async put(key, body, signal) {
      const checked = checkedKey(key);
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      await attempt('write', checked, () => backend.put(checked, bytes, signal), signal);
    },
    async get(key, signal) {
      const checked = checkedKey(key);
      try {
        const chunks: Uint8Array[] = [];
        for await (const chunk of await backend.read(checked, signal)) chunks.push(chunk);
        return Buffer.concat(chunks);
      } catch (error) {
        if (!signal?.aborted && backend.isMissing(error)) return undefined;
        if (signal?.aborted) throw signal.reason;
        throw backend.explain(error, 'read', address.uri(checked));
      }
    },
    list,
    async uploadFolder(folder, prefix, signal) {
      const target = checkedFolderKey(prefix);
      const files = await filesUnder(folder).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') throw error;
        throw new Error(`Cannot upload ${folder}: it is not a folder (${error.code}).`, { cause: error });
      });
      const keys = files.map((file) => checkedFolderKey(`${target}/${file.key}`));
      await inParallel(files.length, signal, (i) =>
        attempt('write', keys[i]!, () => backend.put(keys[i]!, files[i]!, signal), signal),
      );
      return files.length;
    },
    async downloadFolder(prefix, folder, signal) {
      const source = checkedFolderKey(prefix);
      const keys = await list(source, signal);
      // Every target is checked before anything is written: a bad key fails the download whole.
      const targets = keys.map((key) => localPathOf(folder, keyBelow(source, key)));
      await inParallel(keys.length, signal, (i) => download(keys[i]!, targets[i]!, signal));
      return keys.length;
    },
  };
}

class ReadFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('reading from the store failed', { cause });
  }
}

async function* readFailuresMarked(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  try {
    yield* source;
  } catch (error) {
    throw new ReadFailure(error);
  }
}

const lexical = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Runs `task(0..count-1)`, a few at a time. The first failure stops new tasks; it is thrown once
 * the tasks already under way have ended, so nothing is still writing when the caller hears of it.
 */
async function inParallel(count: number, signal: AbortSignal | undefined, task: (i: number) => Promise<void>) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < count) {
      signal?.throwIfAborted();
      const i = next++;
      await task(i).catch((error: unknown) => {
        failed = true;
        throw error;
      });
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(PARALLEL_TRANSFERS, count) }, worker));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}
