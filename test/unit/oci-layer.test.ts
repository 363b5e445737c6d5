// The code layer built in memory: the same files give the same bytes (so the same digest), any
// change of content, name or mode gives another, and the tar is what an engine expects of a
// layer (folders before their files, root-owned, epoch times). Also the build context's deps
// key, which tells a code-only change from one that needs Docker.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { type Headers, extract } from 'tar-stream';
import { assembleBuildContext, codeLayerFiles, withBaseImageId } from '../../src/core/images/buildContext';
import { contextTar } from '../../src/core/images/contextTar';
import { type LayerFile, compressionLevel, deterministicLayer } from '../../src/core/images/ociLayer';

const files: LayerFile[] = [
  { path: 'app/churn/steps/trainer.py', content: Buffer.from('def train():\n    return 1\n'), mode: 0o644 },
  { path: 'app/churn/__init__.py', content: Buffer.alloc(0), mode: 0o644 },
  { path: 'app/churn-data/rows.csv', content: Buffer.from('a,b\n1,2\n'), mode: 0o644 },
  { path: 'app/run.sh', content: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
];

async function entriesOf(tar: Buffer): Promise<Headers[]> {
  const headers: Headers[] = [];
  const reader = extract();
  reader.on('entry', (header, stream, next) => {
    headers.push(header);
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise((resolve, reject) => reader.on('finish', resolve).on('error', reject));
  reader.end(tar);
  await done;
  return headers;
}

test('two builds of the same files are byte-identical, whatever order the files come in', async () => {
  const first = await deterministicLayer(files);
  // Later, in another order: nothing time- or order-dependent may leak into the bytes.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const second = await deterministicLayer([...files].reverse());
  assert.ok(first.compressed.equals(second.compressed), 'the compressed bytes are equal');
  assert.equal(first.digest, second.digest);
  assert.equal(first.diffId, second.diffId);
  assert.match(first.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(first.size, first.compressed.length);
});

test('the digest changes with a file content, a file name or a mode', async () => {
  const base = await deterministicLayer(files);
  const variants: LayerFile[][] = [
    files.map((f, i) => (i === 0 ? { ...f, content: Buffer.from('def train():\n    return 2\n') } : f)),
    files.map((f, i) => (i === 0 ? { ...f, path: 'app/churn/steps/trainer2.py' } : f)),
    files.map((f, i) => (i === 0 ? { ...f, mode: 0o600 } : f)),
    files.slice(1),
  ];
  const digests = new Set([base.digest]);
  for (const variant of variants) digests.add((await deterministicLayer(variant)).digest);
  assert.equal(digests.size, variants.length + 1, 'every variant has its own digest');
});

test('the digest is the compressed bytes, the diff id the uncompressed tar, and the gzip header has no time', async () => {
  const layer = await deterministicLayer(files);
  const tar = gunzipSync(layer.compressed);
  assert.equal(layer.digest, `sha256:${createHash('sha256').update(layer.compressed).digest('hex')}`);
  assert.equal(layer.diffId, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
  assert.deepEqual([...layer.compressed.subarray(0, 4)], [0x1f, 0x8b, 8, 0], 'gzip, deflate, no name or comment');
  assert.equal(layer.compressed.readUInt32LE(4), 0, 'no modification time');
  assert.equal(layer.compressed[9], 3, 'OS byte fixed to Unix');
});

test('the tar lists each folder before what it holds, root-owned, at the epoch, with fixed modes', async () => {
  const headers = await entriesOf(gunzipSync((await deterministicLayer(files)).compressed));
  assert.deepEqual(
    headers.map((h) => h.name),
    [
      'app/',
      'app/churn/',
      'app/churn/__init__.py',
      'app/churn/steps/',
      'app/churn/steps/trainer.py',
      'app/churn-data/',
      'app/churn-data/rows.csv',
      'app/run.sh',
    ],
  );
  for (const h of headers) {
    assert.equal(h.mtime?.getTime(), 0, h.name);
    assert.equal(h.uid, 0, h.name);
    assert.equal(h.gid, 0, h.name);
    assert.equal(h.uname ?? '', '', h.name);
    assert.equal(h.mode, h.type === 'directory' ? 0o755 : h.name === 'app/run.sh' ? 0o755 : 0o644, h.name);
  }
});

test('a path that climbs out of the layer is refused', async () => {
  await assert.rejects(
    deterministicLayer([{ path: 'app/../etc/passwd', content: Buffer.alloc(1), mode: 0o644 }]),
    /is not a path in a layer/,
  );
});

test('the deps key stays with a code change and moves with requirements; the base image id changes only the hash', async () => {
  const project = await mkdtemp(path.join(tmpdir(), 'stepops-deps-key-'));
  const runtime = path.join(project, 'runtime-src');
  try {
    await mkdir(path.join(runtime, 'stepops_runtime'), { recursive: true });
    await writeFile(path.join(runtime, 'stepops_runtime', '__init__.py'), '');
    await writeFile(path.join(project, 'step.py'), 'x = 1\n');
    await writeFile(path.join(project, '.dockerignore'), 'runtime-src\n');
    const inputs = {
      projectRoot: project,
      runtimeRoot: runtime,
      baseImage: 'python:3.11',
      requirementsFile: 'req.txt',
    };
    const first = await assembleBuildContext({ ...inputs, baseImageId: 'sha256:aaa' });
    await writeFile(path.join(project, 'step.py'), 'x = 2\n');
    const codeChanged = await assembleBuildContext({ ...inputs, baseImageId: 'sha256:aaa' });
    assert.equal(codeChanged.depsKey, first.depsKey);
    assert.notEqual(codeChanged.hash, first.hash);
    assert.match(
      first.dockerfile,
      new RegExp(`LABEL stepops.deps-key="${first.depsKey}" stepops.base-image-id="sha256:aaa"`),
    );

    const otherBase = withBaseImageId(codeChanged, 'sha256:bbb');
    assert.equal(otherBase.depsKey, codeChanged.depsKey);
    assert.notEqual(otherBase.hash, codeChanged.hash);
    const unlabelled = await assembleBuildContext(inputs);
    assert.equal(
      withBaseImageId(unlabelled, 'sha256:aaa').hash,
      codeChanged.hash,
      'rehashing equals hashing with the id',
    );

    await writeFile(path.join(project, 'req.txt'), 'requests==2.31.0\n');
    const requirementsChanged = await assembleBuildContext({ ...inputs, baseImageId: 'sha256:aaa' });
    assert.notEqual(requirementsChanged.depsKey, first.depsKey);
  } finally {
    await rm(project, { recursive: true, force: true });
  }
});

/** A project holding data.bin (with `content`) and a runtime folder, settled for over a second: its digest is remembered from the first read on. */
type ProjectBody = (data: string, inputs: Parameters<typeof assembleBuildContext>[0]) => Promise<void>;

/** A project of one file, data.bin, with `content`; settled (over a second old) unless told otherwise. */
async function withProject(content: string | Buffer, body: ProjectBody, settled = true): Promise<void> {
  const project = await mkdtemp(path.join(tmpdir(), 'stepops-digests-'));
  const runtime = await mkdtemp(path.join(tmpdir(), 'stepops-digests-runtime-'));
  try {
    const data = path.join(project, 'data.bin');
    await writeFile(data, content);
    await writeFile(path.join(runtime, '__init__.py'), '');
    if (settled) await new Promise((resolve) => setTimeout(resolve, 1100));
    await body(data, { projectRoot: project, runtimeRoot: runtime, baseImage: 'python:3.11-slim' });
  } finally {
    await rm(project, { recursive: true, force: true });
    await rm(runtime, { recursive: true, force: true });
  }
}

const withSettledProject = (content: string, body: ProjectBody) => withProject(content, body);

test('a file read before is not hashed again, yet any write to it changes the hash, even one that keeps its size and modification time', async () => {
  await withSettledProject('aaaa', async (data, inputs) => {
    const first = (await assembleBuildContext(inputs)).hash;
    assert.equal((await assembleBuildContext(inputs)).hash, first);
    const { mtime, atime } = await stat(data);
    await writeFile(data, 'bbbb');
    await utimes(data, atime, mtime); // what `cp -p` or rsync leave: the old time, the same size
    const changed = (await assembleBuildContext(inputs)).hash;
    assert.notEqual(changed, first, 'the write shows in the hash');
    await writeFile(data, 'aaaa');
    await utimes(data, atime, mtime);
    assert.equal((await assembleBuildContext(inputs)).hash, first, 'the same content, the same hash');
  });
});

test('a large layer of data that does not compress is stored, not deflated; code is deflated; both unpack to the tar', async () => {
  const code = Array.from({ length: 20_000 }, (_, i) => `def step_${i}(rows):\n    return rows[${i}:]\n`).join('');
  const data = randomBytes(2 * 1024 * 1024);
  const layers = {
    code: await deterministicLayer([{ path: 'app/steps.py', content: Buffer.from(code), mode: 0o644 }]),
    data: await deterministicLayer([
      { path: 'app/steps.py', content: Buffer.from('x = 1\n'), mode: 0o644 },
      { path: 'app/weights.bin', content: data, mode: 0o644 },
    ]),
  };
  assert.ok(layers.code.size < code.length / 4, `code deflated (${layers.code.size} of ${code.length} bytes)`);
  // Stored: the data's bytes appear in the gzip as they are.
  assert.ok(layers.data.compressed.includes(data.subarray(0, 4096)), 'the data is stored as it is');
  assert.ok(layers.data.size > data.length, 'stored blocks are a little larger than their data');
  for (const layer of Object.values(layers)) {
    assert.equal(`sha256:${createHash('sha256').update(gunzipSync(layer.compressed)).digest('hex')}`, layer.diffId);
  }
  assert.equal(await compressionLevel(Buffer.alloc(4 * 1024 * 1024)), 6, 'zeros compress');
  assert.equal(await compressionLevel(randomBytes(4 * 1024 * 1024)), 0);
  assert.equal(await compressionLevel(randomBytes(512 * 1024)), 6, 'small layers are deflated whatever they hold');
});

test('a settled file is not read to hash the context, only when its bytes are needed, and then checked', async () => {
  await withSettledProject('settled bytes', async (data, inputs) => {
    const first = await assembleBuildContext(inputs);
    const again = await assembleBuildContext(inputs);
    assert.equal(again.hash, first.hash);
    const entryOf = (context: typeof again) => context.entries.find((e) => e.name === 'app/data.bin')!;
    assert.equal((await entryOf(again).content()).toString(), 'settled bytes');
    const code = await codeLayerFiles(again.entries);
    assert.deepEqual(
      code.map((f) => [f.path, f.content.toString()]),
      [['app/data.bin', 'settled bytes']],
      'the code layer takes the code entries only, with their bytes',
    );
    // Gone after hashing: the second context never read it, so its bytes are not there to give.
    await rm(data);
    await assert.rejects(entryOf(again).content(), /ENOENT/);
    assert.equal((await entryOf(first).content()).toString(), 'settled bytes', 'the first read kept what it read');
    // Other bytes than those hashed are refused, here and for a Docker build's context.
    await writeFile(data, 'other bytes');
    await assert.rejects(entryOf(again).content(), /data\.bin changed while its step's image was being made/);
    await assert.rejects(
      readStream(await contextTar(again)),
      /changed while its step's image was being made: run the step again/,
    );
  });
});

test('a large file is not held by the context: hashed as it streams, read again when its bytes are needed, and checked', async () => {
  const big = Buffer.alloc(4 * 1024 * 1024, 7);
  await withProject(
    big,
    async (data, inputs) => {
      const step = path.join(inputs.projectRoot, 'step.py');
      await writeFile(step, 'print(1)\n');
      const context = await assembleBuildContext(inputs);
      const entryNamed = (name: string) => context.entries.find((e) => e.name === name)!;
      // Read again and checked, so the digest streamed at hashing is the bytes' own.
      assert.ok((await entryNamed('app/data.bin').content()).equals(big), 'its bytes, read again');
      await writeFile(data, big.subarray(0, big.length - 1));
      const smaller = await assembleBuildContext(inputs);
      await assert.rejects(
        entryNamed('app/data.bin').content(),
        /data\.bin changed while its step's image was being made/,
      );
      // Streamed (as a Docker build takes it), the same check at its end, which ends the context's
      // tar in the error rather than short.
      await assert.rejects(readStream(entryNamed('app/data.bin').stream()), /data\.bin changed while its step's image/);
      await assert.rejects(readStream(await contextTar(context)), /data\.bin changed while its step's image/);
      assert.notEqual(smaller.hash, context.hash);
      await writeFile(data, big);
      assert.equal((await assembleBuildContext(inputs)).hash, context.hash, 'the same content, the same hash');
      await writeFile(step, 'print(2)\n');
      assert.equal(
        (await entryNamed('app/step.py').content()).toString(),
        'print(1)\n',
        'a small file is held as read',
      );
    },
    // Just written (not settled): a small file would be held as read; this one is not.
    false,
  );
});

async function readStream(stream: NodeJS.ReadableStream, onChunk: (chunk: Buffer) => void = () => {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    onChunk(chunk);
    // A slow reader, as an engine taking the context over a socket is.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return Buffer.concat(chunks);
}

test("a Docker build's context is read as it is taken: nothing before the stream is read, then a few small files ahead, a large one streamed", async () => {
  const small = 1024 * 1024;
  const large = 6 * 1024 * 1024;
  let reads = 0;
  const entries = Array.from({ length: 64 }, (_, i) => {
    const size = i === 5 || i === 40 ? large : small;
    const bytes = () => Buffer.alloc(size, i);
    return {
      name: `app/data/part-${String(i).padStart(2, '0')}.bin`,
      mode: 0o644,
      size,
      content: async () => {
        if (size === large) throw new Error(`part ${i} is large: it is streamed, not read whole`);
        reads++;
        return bytes();
      },
      stream: () => {
        reads++;
        return Readable.from(Array.from({ length: size / small }, () => Buffer.alloc(small, i)));
      },
    };
  });
  const context = {
    baseImage: 'python:3.11-slim',
    dockerfile: 'FROM python:3.11-slim\n',
    entries,
    hash: '',
    depsKey: '',
    installsRequirements: false,
    offlineWheels: false,
    projectFiles: entries.length,
  };
  const stream = await contextTar(context);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(reads, 0, 'no file is read before the stream is');
  // Where each entry ends in the tar (a header, then the bytes padded to 512), after the Dockerfile's 1,024.
  const ends: number[] = [];
  entries.reduce((end, e) => (ends.push(end + 512 + Math.ceil(e.size / 512) * 512), ends.at(-1)!), 1024);
  let taken = 0;
  let mostAhead = 0;
  const tar = await readStream(stream, (chunk) => {
    taken += chunk.length;
    mostAhead = Math.max(mostAhead, reads - ends.filter((end) => end <= taken).length);
  });
  assert.equal(reads, entries.length);
  // Two batches of eight small files (READS_AT_ONCE: the one going out, the next one read
  // meanwhile), a large file's stream, and what the streams' buffers hold (a MiB or two): a bound
  // of its own (24 here, with 64 entries or 128), not the context's 64.
  assert.ok(
    mostAhead <= 28,
    `a few files in memory at once, not the context; ${mostAhead} were read ahead of the reader`,
  );
  // The stream is a whole tar: the Dockerfile, then every entry with its bytes, epoch times.
  const seen: [string, number, number][] = [];
  const reader = extract();
  reader.on('entry', (header, body, next) => {
    const parts: Buffer[] = [];
    body.on('data', (c: Buffer) => parts.push(c));
    body.on('end', () => {
      const bytes = Buffer.concat(parts);
      seen.push([header.name, bytes.length, bytes[0] ?? -1]);
      assert.equal(header.mtime?.getTime(), 0);
      next();
    });
  });
  const done = new Promise((resolve, reject) => reader.on('finish', resolve).on('error', reject));
  reader.end(tar);
  await done;
  assert.deepEqual(seen, [
    ['Dockerfile', context.dockerfile.length, 'F'.charCodeAt(0)],
    ...entries.map((e, i): [string, number, number] => [e.name, e.size, i]),
  ]);
});
