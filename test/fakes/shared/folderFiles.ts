// The regular files below a folder, by their '/'-separated path relative to it: what the job
// emulators upload from a container's folders (a missing folder has none).
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export async function filesUnder(root: string, relative = ''): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let entries;
  try {
    entries = await readdir(path.join(root, relative), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return files;
    throw error;
  }
  for (const entry of entries) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of await filesUnder(root, child)) files.set(k, v);
    else if (entry.isFile()) files.set(child, path.join(root, child));
  }
  return files;
}
