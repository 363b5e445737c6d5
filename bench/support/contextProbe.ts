// Run in a process of its own by context.bench.ts: makes a Docker build's context for a project
// and reads its tar to the end, then prints how long that took and the process's peak memory.
//   streamed: stepops' own contextTar, each file read as the tar is taken;
//   whole:    the reference, every file read whole before the tar starts (what contextTar did).
import { readFile } from 'node:fs/promises';
import { pack } from 'tar-stream';
import { type BuildContext, assembleBuildContext } from '../../src/core/images/buildContext';
import { contextTar } from '../../src/core/images/contextTar';

export interface ContextProbe {
  readonly ms: number;
  readonly peakRssBytes: number;
  readonly tarBytes: number;
}

async function drain(stream: NodeJS.ReadableStream): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length;
  return bytes;
}

/** What the context's tar did before it streamed: every entry's bytes read (eight at a time) before the tar starts. */
async function readWholeFirst(context: BuildContext): Promise<NodeJS.ReadableStream> {
  const contents: Buffer[] = [];
  for (let i = 0; i < context.entries.length; i += 8) {
    contents.push(...(await Promise.all(context.entries.slice(i, i + 8).map((e) => e.content()))));
  }
  const tar = pack();
  const mtime = new Date(0);
  tar.entry({ name: 'Dockerfile', mode: 0o644, mtime }, context.dockerfile);
  context.entries.forEach((e, i) => tar.entry({ name: e.name, mode: e.mode, mtime }, contents[i]));
  tar.finalize();
  return tar;
}

/**
 * The process's peak resident memory. Linux's VmHWM belongs to this program's own address space;
 * getrusage's maxRSS also keeps the peak of the process before its exec, which is the forked
 * copy of the benchmark's own (and that holds the 200 MiB file it wrote).
 */
async function peakRss(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  return (kib ? Number(kib) : process.resourceUsage().maxRSS) * 1024;
}

async function main(): Promise<void> {
  const [mode, projectRoot, runtimeRoot] = process.argv.slice(2) as [string, string, string];
  const inputs = { projectRoot, runtimeRoot, baseImage: 'python:3.11-slim' };
  const rssAtStart = process.memoryUsage().rss;
  // A click after the first, as in an editor: the files are settled and their digests known, so
  // hashing reads nothing and the tar reads every file (a Docker build after a requirement changed).
  await assembleBuildContext(inputs);
  const started = performance.now();
  const context = await assembleBuildContext(inputs);
  const tar = mode === 'whole' ? await readWholeFirst(context) : await contextTar(context);
  const tarBytes = await drain(tar);
  const report: ContextProbe = {
    ms: performance.now() - started,
    // What the process had after loading its modules is not the context's.
    peakRssBytes: (await peakRss()) - rssAtStart,
    tarBytes,
  };
  process.stdout.write(JSON.stringify(report));
}

void main();
