// A local folder seen as store keys: every file under it (following links, each folder once, so
// a link back up cannot loop), keyed by its '/'-separated path relative to the folder.
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { joinKey } from './artifactStore';

export interface LocalFile {
  /** The path under the folder, '/'-separated. */
  readonly key: string;
  /** The absolute path. */
  readonly file: string;
  readonly size: number;
}

/** Every file under `folder`, in lexical key order (a missing folder fails with ENOENT). */
export async function filesUnder(folder: string): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  const visited = new Set<string>();
  const walk = async (dir: string, key: string): Promise<void> => {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      const entryKey = joinKey(key, entry.name);
      // A link is followed to what it names (a dangling one names nothing); sockets and pipes are no files.
      const info = entry.isSymbolicLink() ? await stat(file).catch(() => undefined) : entry;
      if (info?.isDirectory()) await walk(file, entryKey);
      else if (info?.isFile()) files.push({ key: entryKey, file, size: (await stat(file)).size });
    }
  };
  await walk(path.resolve(folder), '');
  return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
