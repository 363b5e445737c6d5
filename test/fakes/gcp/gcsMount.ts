// /gcs/ for the Vertex emulator's containers. Vertex mounts Cloud Storage with Cloud Storage FUSE
// under /gcs/BUCKET/, live: a container reads objects as files and what it writes becomes objects.
// A live FUSE mount is not feasible here (no FUSE device in these engines' containers, and the
// objects live in the GCS fake's memory), so the emulator copies instead: every object of the GCS
// fake is written into a host folder before the replicas start (one folder per job, mounted at
// /gcs in each replica, so replicas see each other's files as on a shared mount), and after the
// last replica exits, files that are new or changed become objects and files removed delete their
// objects. What a replica writes is visible in the bucket only after the job's containers exit.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { filesUnder } from '../shared/folderFiles';

/** What the mount needs of the GCS fake (FakeGcs has it). */
export interface GcsObjectStore {
  readonly bucketNames: readonly string[];
  /** Objects by "bucket/name". */
  readonly objects: ReadonlyMap<string, Buffer>;
  put(bucket: string, name: string, content: Buffer): void;
  remove(bucket: string, name: string): void;
}

const digest = (content: Buffer) => createHash('sha256').update(content).digest('hex');

/** Whether an object name can be a file path below its bucket's folder (Cloud Storage FUSE hides the others). */
function pathOf(name: string): string[] | undefined {
  const segments = name.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return segments;
}

export class GcsMount {
  /** "bucket/name" -> the content's hash, as materialized. */
  private readonly written = new Map<string, string>();

  constructor(
    /** The host folder mounted at /gcs. */
    readonly root: string,
  ) {}

  /** Writes every bucket's objects into the folder (folder markers become empty folders). */
  async materialize(store: GcsObjectStore): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await chmod(this.root, 0o777);
    for (const bucket of store.bucketNames) await this.folder(path.join(this.root, bucket));
    const keys = [...store.objects.keys()].sort();
    for (const key of keys) {
      const slash = key.indexOf('/');
      const [bucket, name] = [key.slice(0, slash), key.slice(slash + 1)];
      if (!store.bucketNames.includes(bucket)) continue;
      const marker = name.endsWith('/');
      const segments = pathOf(marker ? name.slice(0, -1) : name);
      if (!segments) continue;
      const target = path.join(this.root, bucket, ...segments);
      try {
        if (marker) {
          await this.folder(target);
          continue;
        }
        await this.folder(path.dirname(target));
        const content = store.objects.get(key)!;
        await writeFile(target, content, { mode: 0o666 });
        this.written.set(key, digest(content));
      } catch (error) {
        // "a" and "a/b" cannot both be: the folder wins, as Cloud Storage FUSE shows it.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EISDIR' && code !== 'ENOTDIR' && code !== 'EEXIST') throw error;
      }
    }
  }

  /** Makes new and changed files objects and deletes the objects of removed files; answers what it did. */
  async syncBack(store: GcsObjectStore): Promise<{ written: string[]; deleted: string[] }> {
    const written: string[] = [];
    const seen = new Set<string>();
    for (const bucket of store.bucketNames) {
      for (const [name, file] of await filesUnder(path.join(this.root, bucket))) {
        const key = `${bucket}/${name}`;
        seen.add(key);
        const content = await readFile(file);
        if (this.written.get(key) === digest(content)) continue;
        store.put(bucket, name, content);
        this.written.set(key, digest(content));
        written.push(key);
      }
    }
    const deleted = [...this.written.keys()].filter((key) => !seen.has(key));
    for (const key of deleted) {
      const slash = key.indexOf('/');
      store.remove(key.slice(0, slash), key.slice(slash + 1));
      this.written.delete(key);
    }
    return { written, deleted };
  }

  private async folder(folder: string): Promise<void> {
    await mkdir(folder, { recursive: true });
    // Replicas may run as any user: the mount is theirs to write.
    await chmod(folder, 0o777);
  }
}
