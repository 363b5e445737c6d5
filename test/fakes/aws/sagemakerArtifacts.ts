// The data SageMaker moves for a training job, between the S3 fake and an instance's folders:
// each input channel downloaded into /opt/ml/input/data/<channel> (File mode: every object under
// the S3Prefix, keyed by its path below the prefix's folder; ShardedByS3Key splits them between
// the instances), /opt/ml/model and /opt/ml/output/data uploaded when the job ends (as
// model.tar.gz and output.tar.gz under S3OutputPath/<job>/output/, or with CompressionType NONE as
// the files themselves under output/model/ and output/data/), and checkpoints synced both ways.
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { filesUnder } from '../shared/folderFiles';
import { type S3Location, parseS3Uri } from './sagemakerCreateRules';

/** The S3 fake's objects, by "bucket/key". */
export type S3Objects = Map<string, Buffer>;

/** Keys of `location`'s objects (folder markers skipped), in S3's (byte) order. */
function keysUnder(objects: S3Objects, location: S3Location): string[] {
  const prefix = `${location.bucket}/${location.key}`;
  return [...objects.keys()]
    .filter((name) => name.startsWith(prefix) && !name.endsWith('/'))
    .map((name) => name.slice(location.bucket.length + 1))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Where a key lands below `folder`: its path below the prefix's own folder, never outside `folder`. */
function localPath(folder: string, prefix: string, key: string): string {
  const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const relative = key.slice(base.length);
  const target = path.resolve(folder, relative);
  if (
    relative === '' ||
    relative.split('/').includes('..') ||
    !target.startsWith(`${path.resolve(folder)}${path.sep}`)
  ) {
    throw new Error(
      `The S3 key "${key}" does not name a file inside the channel folder; SageMaker cannot download it.`,
    );
  }
  return target;
}

export interface ChannelDownload {
  readonly uri: string;
  readonly folder: string;
  /** Which instance this is and how many there are, for ShardedByS3Key. */
  readonly shard?: { readonly index: number; readonly count: number };
}

/** Downloads a channel; answers how many objects it wrote. */
export async function downloadChannel(objects: S3Objects, download: ChannelDownload): Promise<number> {
  const location = parseS3Uri(download.uri)!;
  const keys = keysUnder(objects, location).filter(
    (_, i) => !download.shard || i % download.shard.count === download.shard.index,
  );
  await mkdir(download.folder, { recursive: true });
  for (const key of keys) {
    const target = localPath(download.folder, location.key, key);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, objects.get(`${location.bucket}/${key}`)!);
  }
  return keys.length;
}

/** The files of several instances' copies of one folder, merged in host order (a later host's file wins). */
export async function mergedFiles(folders: readonly string[]): Promise<Map<string, string>> {
  const merged = new Map<string, string>();
  for (const folder of folders) for (const [k, v] of await filesUnder(folder)) merged.set(k, v);
  return merged;
}

/** A gzipped tarball of `files` (relative name -> file on disk). */
export async function tarGz(files: ReadonlyMap<string, string>): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const done = pipeline(archive, createGzip(), async (gzipped: AsyncIterable<Buffer>) => {
    for await (const chunk of gzipped) chunks.push(chunk);
  });
  for (const [name, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const info = await stat(file);
    const entry = archive.entry({ name, size: info.size, mode: info.mode & 0o777, mtime: info.mtime });
    await pipeline(createReadStream(file), entry);
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Key prefix for a job's outputs: S3OutputPath's prefix, then <job>/output. */
export function outputPrefix(s3OutputPath: string, jobName: string): S3Location {
  const location = parseS3Uri(s3OutputPath)!;
  const prefix = location.key.replace(/\/+$/, '');
  return { bucket: location.bucket, key: `${prefix ? `${prefix}/` : ''}${jobName}/output` };
}

export interface JobUpload {
  readonly objects: S3Objects;
  readonly s3OutputPath: string;
  readonly jobName: string;
  readonly compression: 'GZIP' | 'NONE';
  /** Each instance's /opt/ml/model and /opt/ml/output/data folders, in host order. */
  readonly modelFolders: readonly string[];
  readonly outputDataFolders: readonly string[];
}

/** Uploads the model and the output data; answers S3ModelArtifacts. */
export async function uploadJobOutputs(upload: JobUpload): Promise<string> {
  const { bucket, key } = outputPrefix(upload.s3OutputPath, upload.jobName);
  const model = await mergedFiles(upload.modelFolders);
  const data = await mergedFiles(upload.outputDataFolders);
  if (upload.compression === 'NONE') {
    await putFiles(upload.objects, bucket, `${key}/model`, model);
    await putFiles(upload.objects, bucket, `${key}/data`, data);
    return `s3://${bucket}/${key}/model/`;
  }
  upload.objects.set(`${bucket}/${key}/model.tar.gz`, await tarGz(model));
  upload.objects.set(`${bucket}/${key}/output.tar.gz`, await tarGz(data));
  return `s3://${bucket}/${key}/model.tar.gz`;
}

async function putFiles(
  objects: S3Objects,
  bucket: string,
  prefix: string,
  files: ReadonlyMap<string, string>,
): Promise<void> {
  for (const [name, file] of files) objects.set(`${bucket}/${prefix ? `${prefix}/` : ''}${name}`, await readFile(file));
}

/** Checkpoints: what the S3 location holds before the job starts, and what the instance left after. */
export async function downloadCheckpoints(objects: S3Objects, uri: string, folder: string): Promise<void> {
  const location = parseS3Uri(uri)!;
  const prefix = location.key.replace(/\/+$/, '');
  const asFolder = { bucket: location.bucket, key: prefix ? `${prefix}/` : '' };
  await mkdir(folder, { recursive: true });
  for (const key of keysUnder(objects, asFolder)) {
    const target = localPath(folder, asFolder.key, key);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, objects.get(`${location.bucket}/${key}`)!);
  }
}

export async function uploadCheckpoints(objects: S3Objects, uri: string, folder: string): Promise<void> {
  const location = parseS3Uri(uri)!;
  const prefix = location.key.replace(/\/+$/, '');
  await putFiles(objects, location.bucket, prefix, await filesUnder(folder));
}
