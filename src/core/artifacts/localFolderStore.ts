// The local folder store: keys are files under an absolute folder, written atomically (a reader
// never sees half a file, and a crash leaves the old one), so that the local operator can mount
// the folder into its containers as it is.
import { createReadStream } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAtomicWriteTemporary, writeFileAtomic } from '../files/atomicWrite';
import { type ArtifactStore, type ArtifactStoreFactory, joinKey } from './artifactStore';
import { filesUnder } from './localFiles';
import { type StoreAddress, objectStore } from './objectStore';
import { isOutside, localPathOf, staysUnder } from './storeKeys';

/** Failures that mean "no such object here": nothing at the path, a folder there, or a file where a folder was expected. */
const MISSING = new Set(['ENOENT', 'EISDIR', 'ENOTDIR']);

export function localFolderStore(root: string): ArtifactStore {
  if (!path.isAbsolute(root)) {
    throw new Error(`The local artifact store's folder must be an absolute path, not "${root}".`);
  }
  const folder = path.resolve(root);
  const fileOf = (key: string) => (key ? localPathOf(folder, key) : folder);
  const store = objectStore(folderAddress(folder, fileOf), {
    put: (key, body, signal) =>
      writeFileAtomic(fileOf(key), body instanceof Uint8Array ? body : createReadStream(body.file), {
        mode: 0o666,
        signal,
      }),
    read: async (key, signal) => createReadStream(fileOf(key), { signal }),
    async list(prefix) {
      const files = await filesUnder(fileOf(prefix)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
        throw error;
      });
      return files
        .filter((file) => !isAtomicWriteTemporary(path.basename(file.file)))
        .map((f) => joinKey(prefix, f.key));
    },
    isMissing: (error) => MISSING.has(String((error as NodeJS.ErrnoException).code)),
    explain: (error, access, uri) =>
      new Error(`Cannot ${access} ${uri}: ${(error as Error).message}`, { cause: error }),
  });
  return { ...store, localFolder: folder };
}

/** The factory for the `local` artifact store flavor: its `path` is an absolute folder, or ~/... */
export const localFolderStoreFactory: ArtifactStoreFactory = async (config) => {
  const written = String(config.path ?? '').trim();
  return localFolderStore(
    written === '~' || written.startsWith('~/') ? path.join(homedir(), written.slice(1)) : written,
  );
};

function folderAddress(folder: string, fileOf: (key: string) => string): StoreAddress {
  return {
    root: folder,
    uri: fileOf,
    keyOf(uri) {
      let file = uri;
      try {
        if (uri.startsWith('file:')) file = fileURLToPath(uri);
      } catch {
        return undefined;
      }
      if (!path.isAbsolute(file)) return undefined;
      const relative = path.relative(folder, path.resolve(file));
      if (isOutside(relative)) return undefined;
      const key = relative.split(path.sep).join('/');
      return staysUnder(key) ? key : undefined;
    },
  };
}
