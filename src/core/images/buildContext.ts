// What goes into a step image, and its content hash. The context is a list of entries whose bytes
// are read when needed, handed to the engine as a tar stream (contextTar.ts) or made into the code
// layer (ociLayer.ts); nothing is written into the user's project:
//
//   Dockerfile                       generated, layers ordered from least to most often changed
//   .stepops/runtime/stepops_runtime  the in-container runner
//   .stepops/requirements.txt         the project's requirements (only when it has any)
//   .stepops/wheels/...               a local wheel folder for pip --find-links (optional)
//   app/...                          the project, minus what .dockerignore or .gitignore exclude
//
// The hash covers every entry's path, mode and content plus the Dockerfile and the base image's
// id, so equal hashes mean equal images: the tag is the hash and an existing tag is reused.
// The deps key covers everything but the code (base image name, Dockerfile, runtime,
// requirements, wheels): images with equal deps keys differ only in their last layer, which is
// what lets a code-only change be pushed through the registry API alone (daemonlessPush.ts).
// The Dockerfile labels the image with its deps key and base image id for that path to check.
import { createHash } from 'node:crypto';
import { type BigIntStats, type Dirent, createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import ignore, { type Ignore } from 'ignore';
import type { LayerFile } from './ociLayer';

const ALWAYS_EXCLUDED = new Set([
  '.git',
  '.stepops',
  '__pycache__',
  'node_modules',
  '.venv',
  'venv',
  '.mypy_cache',
  '.pytest_cache',
  '.tox',
]);

export interface BuildContextInputs {
  readonly projectRoot: string;
  /** The folder that holds the stepops_runtime package. */
  readonly runtimeRoot: string;
  readonly baseImage: string;
  /** The base image's id when the engine has it, so that a rebuilt base changes the hash. */
  readonly baseImageId?: string;
  /** Project-relative requirements file; used when it lists anything. */
  readonly requirementsFile?: string;
  /** Extra pip requirement lines (a step's own settings). */
  readonly extraRequirements?: readonly string[];
  /** Project-relative folder of wheels: pip installs from it only, without an index. */
  readonly findLinks?: string;
}

export interface ContextEntry {
  readonly name: string;
  readonly mode: number;
  /**
   * The bytes. A file whose digest is known from an earlier read (fileDigests) is not read while
   * the context is hashed, only when its bytes are needed (a Docker build, the code layer), and
   * is then checked against that digest: an unchanged image costs no reads of settled files.
   */
  readonly content: () => Promise<Buffer>;
  /** The same bytes as a stream (a large file is never whole in memory), checked in the same way at its end. */
  readonly stream: () => NodeJS.ReadableStream;
  /** Its size in bytes, known without reading it. */
  readonly size: number;
}

export interface BuildContext {
  readonly baseImage: string;
  readonly dockerfile: string;
  readonly entries: readonly ContextEntry[];
  /** sha256 of everything above, hex. */
  readonly hash: string;
  /** sha256 of everything but the code (the app/ entries) and the base image's id, hex. */
  readonly depsKey: string;
  /** Whether the Dockerfile installs requirements (with pip). */
  readonly installsRequirements: boolean;
  /** Whether pip installs from the local wheel folder only. */
  readonly offlineWheels: boolean;
  readonly projectFiles: number;
}

/** Where the code goes: the generated Dockerfile's last COPY, and so the image's last layer. */
export const CODE_PREFIX = 'app/';
/** Image labels the generated Dockerfile sets (see the header). */
export const DEPS_KEY_LABEL = 'stepops.deps-key';
export const BASE_IMAGE_ID_LABEL = 'stepops.base-image-id';

export async function assembleBuildContext(inputs: BuildContextInputs): Promise<BuildContext> {
  // Files to read, as [path on disk, name in the context].
  const files: [string, string][] = [];
  for (const file of await listFiles(inputs.runtimeRoot, ignore().add(['*.pyc', '__pycache__/', 'tests/']))) {
    files.push([path.join(inputs.runtimeRoot, file), `.stepops/runtime/${file}`]);
  }
  const requirements = await requirementLines(inputs);
  const generated: ContextEntry[] = [];
  if (requirements.length > 0) {
    generated.push(bytesEntry('.stepops/requirements.txt', Buffer.from(`${requirements.join('\n')}\n`)));
    if (inputs.findLinks) {
      const wheels = path.join(inputs.projectRoot, inputs.findLinks);
      for (const file of await listFiles(wheels, ignore()))
        files.push([path.join(wheels, file), `.stepops/wheels/${file}`]);
    }
  }
  // The wheel folder has its own layer (below the code): keep it out of the code layer.
  const wheelPrefix = inputs.findLinks ? `${inputs.findLinks.replace(/\/+$/, '')}/` : undefined;
  const projectFiles = (await listProjectFiles(inputs.projectRoot)).filter(
    (f) => !wheelPrefix || !f.startsWith(wheelPrefix),
  );
  for (const file of projectFiles) files.push([path.join(inputs.projectRoot, file), `${CODE_PREFIX}${file}`]);
  // The hash and the layers sort entries by name: their order here does not matter.
  const entries = [...generated, ...(await readAll(files))];

  const installsRequirements = requirements.length > 0;
  const offlineWheels = installsRequirements && Boolean(inputs.findLinks);
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : 1));
  const deps = createHash('sha256');
  deps.update(`deps ${inputs.baseImage}\n`);
  deps.update(generateDockerfile({ baseImage: inputs.baseImage, installsRequirements, offlineWheels }));
  for (const e of sorted.filter((e) => !e.name.startsWith(CODE_PREFIX))) deps.update(entryLine(e));
  const partial = {
    baseImage: inputs.baseImage,
    entries,
    depsKey: deps.digest('hex'),
    installsRequirements,
    offlineWheels,
    projectFiles: projectFiles.length,
  };
  return withBaseImageId(partial, inputs.baseImageId);
}

/**
 * The context as built on a base image of this id: the Dockerfile's labels and the hash change,
 * the entries do not. Lets a caller without an engine hash with the id an earlier image recorded.
 */
export function withBaseImageId(
  context: Omit<BuildContext, 'dockerfile' | 'hash'>,
  baseImageId: string | undefined,
): BuildContext {
  const dockerfile = generateDockerfile({
    baseImage: context.baseImage,
    installsRequirements: context.installsRequirements,
    offlineWheels: context.offlineWheels,
    labels: { [DEPS_KEY_LABEL]: context.depsKey, [BASE_IMAGE_ID_LABEL]: baseImageId ?? '' },
  });
  const hash = createHash('sha256');
  hash.update(`base ${context.baseImage} ${baseImageId ?? ''}\n`);
  hash.update(dockerfile);
  for (const e of [...context.entries].sort((a, b) => (a.name < b.name ? -1 : 1))) hash.update(entryLine(e));
  return { ...context, dockerfile, hash: hash.digest('hex') };
}

function entryLine(e: ContextEntry): string {
  return `\n${e.name}\0${e.mode.toString(8)}\0${digests.get(e)!}`;
}

/** Each entry's content digest, known from its making on (the deps key and the hash both need it). */
const digests = new WeakMap<ContextEntry, string>();

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** An entry whose bytes are in hand. */
function bytesEntry(name: string, bytes: Buffer, digest = sha256Hex(bytes)): ContextEntry {
  const made: ContextEntry = {
    name,
    mode: 0o644,
    size: bytes.length,
    content: () => Promise.resolve(bytes),
    stream: () => Readable.from([bytes]),
  };
  digests.set(made, digest);
  return made;
}

/** A settled file known by its digest, read only when its bytes are asked for. */
function deferredEntry(file: string, name: string, digest: string, size: number): ContextEntry {
  const made: ContextEntry = {
    name,
    mode: 0o644,
    size,
    content: async () => {
      const bytes = await readFile(file);
      if (sha256Hex(bytes) !== digest) throw changedSinceHashed(file);
      return bytes;
    },
    stream: () => {
      const hash = createHash('sha256');
      const checked = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
        flush(done) {
          done(hash.digest('hex') === digest ? null : changedSinceHashed(file));
        },
      });
      return createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })
        .on('error', (e) => checked.destroy(e))
        .pipe(checked);
    },
  };
  digests.set(made, digest);
  return made;
}

function changedSinceHashed(file: string): Error {
  return new Error(`${file} changed while its step's image was being made: run the step again.`);
}

/**
 * The digests of files read before, by path, with the file's identity then (device, inode, size,
 * modification and change times). Kept only for files whose change time was over a second old
 * when they were read: a file written again since then has a newer change time (which no tool
 * can set back), even on file systems whose clock ticks coarsely, so an equal identity means the
 * same content and the same digest. A project's unchanged files (its wheels, its data) are not
 * hashed again on every run.
 */
const fileDigests = new Map<string, { readonly identity: string; readonly digest: string }>();
const SETTLED_MS = 1000;

export function generateDockerfile(options: {
  baseImage: string;
  installsRequirements: boolean;
  offlineWheels: boolean;
  /** Image labels (metadata only: no layer). */
  labels?: Readonly<Record<string, string>>;
}): string {
  const lines = [
    '# Generated by stepops. Layers go from least to most often changed, so that a code-only change',
    '# rebuilds and pushes only the last one.',
    `FROM ${options.baseImage}`,
  ];
  const labels = Object.entries(options.labels ?? {});
  if (labels.length > 0) lines.push(`LABEL ${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
  lines.push(
    'ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/opt/stepops/runtime:/app',
    'COPY .stepops/runtime /opt/stepops/runtime',
  );
  if (options.installsRequirements) {
    lines.push('COPY .stepops/requirements.txt /opt/stepops/requirements.txt');
    // Debian-based images mark the system Python as externally managed (PEP 668); a step image
    // is a throwaway environment of its own. Older pips ignore the variable.
    lines.push('ENV PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1');
    if (options.offlineWheels) {
      lines.push('COPY .stepops/wheels /opt/stepops/wheels');
      lines.push(
        'RUN python3 -m pip install --no-cache-dir --no-index --find-links /opt/stepops/wheels -r /opt/stepops/requirements.txt',
      );
    } else {
      lines.push('RUN python3 -m pip install --no-cache-dir -r /opt/stepops/requirements.txt');
    }
  }
  lines.push('WORKDIR /app', 'COPY app /app', 'ENTRYPOINT ["python3", "-m", "stepops_runtime"]', '');
  return lines.join('\n');
}

async function requirementLines(inputs: BuildContextInputs): Promise<string[]> {
  const lines: string[] = [];
  if (inputs.requirementsFile) {
    const text = await readFile(path.join(inputs.projectRoot, inputs.requirementsFile), 'utf8').catch(() => '');
    lines.push(
      ...text
        .split(/\r?\n/)
        .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
        .filter(Boolean),
    );
  }
  lines.push(...(inputs.extraRequirements ?? []));
  return lines;
}

/** A few files at a time: a project of many small files waits on the disk's latency once per batch, not per file. */
export const READS_AT_ONCE = 8;

function readAll(files: readonly (readonly [string, string])[]): Promise<ContextEntry[]> {
  return atMostAtOnce(files, READS_AT_ONCE, ([file, name]) => entry(file, name));
}

/** The code entries' (app/...) bytes, counted without reading them. */
export function codeLayerBytes(entries: readonly ContextEntry[]): number {
  return entries.filter((e) => e.name.startsWith(CODE_PREFIX)).reduce((sum, e) => sum + e.size, 0);
}

/** The code entries (app/...) with their bytes, as the code layer takes them. */
export async function codeLayerFiles(entries: readonly ContextEntry[]): Promise<LayerFile[]> {
  const code = entries.filter((e) => e.name.startsWith(CODE_PREFIX));
  const contents = await atMostAtOnce(code, READS_AT_ONCE, (e) => e.content());
  return code.map((e, i) => ({ path: e.name, content: contents[i]!, mode: e.mode }));
}

/** `work` over the items, `limit` at a time (a project's thousands of files never open at once), in order. */
async function atMostAtOnce<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Files of this size or more are hashed as they stream by and read again only when their bytes
 * are needed (then checked against the digest), so that hashing a project holds its small files
 * only, not its model weights or data.
 */
export const HELD_BYTES = 4 * 1024 * 1024;
/** 1 MiB reads: half the time of 64 KiB ones or less (measured here), each hashed in under a millisecond. */
export const READ_CHUNK_BYTES = 1024 * 1024;

async function entry(file: string, name: string): Promise<ContextEntry> {
  const first = await stat(file, { bigint: true });
  const before = identityOf(first);
  const known = fileDigests.get(file);
  const size = Number(first.size);
  if (known?.identity === before) return deferredEntry(file, name, known.digest, size);
  const made =
    size >= HELD_BYTES
      ? deferredEntry(file, name, await streamedDigest(file), size)
      : bytesEntry(name, await readFile(file));
  const after = await stat(file, { bigint: true });
  // Written while it was read: hashed as read, and not remembered.
  if (identityOf(after) !== before) return made;
  if (Date.now() - Number(after.ctimeNs / 1_000_000n) > SETTLED_MS) {
    fileDigests.set(file, { identity: before, digest: digests.get(made)! });
  }
  return made;
}

async function streamedDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function identityOf(s: BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** Project files that go into the image: .dockerignore rules when the project has them, else .gitignore. */
async function listProjectFiles(root: string): Promise<string[]> {
  const dockerIgnoreText = await readFile(path.join(root, '.dockerignore'), 'utf8').catch(() => undefined);
  if (dockerIgnoreText !== undefined) {
    const rules = dockerignore({ ignorecase: false }).add(dockerIgnoreText);
    return (await listFiles(root, ignore())).filter((file) => !rules.ignores(file));
  }
  const gitIgnoreText = await readFile(path.join(root, '.gitignore'), 'utf8').catch(() => '');
  return listFiles(root, ignore().add(gitIgnoreText).add('*.pyc'));
}

async function listFiles(root: string, rules: Ignore, relative = ''): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(path.join(root, relative), { withFileTypes: true });
  } catch {
    return [];
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const e of entries) {
    const child = relative ? `${relative}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (ALWAYS_EXCLUDED.has(e.name) || rules.ignores(`${child}/`)) continue;
      files.push(...(await listFiles(root, rules, child)));
    } else if (e.isFile() && !rules.ignores(child)) {
      files.push(child);
    }
  }
  return files;
}
