// A Docker build's context read as the engine would take it, in a fresh process each time (so the
// peak memory is that process's alone), against the same entries read whole before the tar
// starts, which is what the context did before it streamed; both after the files settled and were
// hashed once, as on an editor's second click:
// - a project with a 200 MiB data file (its weights or data, left out of no ignore file);
// - a project of 3,000 small files, where reading a few at a time must not cost more.
//
//   npm run bench:context      (no services needed)
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type BenchCases, type BenchRow, ratio, runStandalone } from './benchTable';
import type { ContextProbe } from './support/contextProbe';

const root = path.resolve(__dirname, '..');
const RUNS = 3;
const LARGE_FILE_BYTES = 200 * 1024 * 1024;
const SMALL_FILES = 3000;

async function probe(mode: 'streamed' | 'whole', project: string): Promise<ContextProbe> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'support', 'contextProbe.ts'), mode, project, path.join(root, 'runtime')],
    { cwd: root, maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout) as ContextProbe;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(label: string, project: string): Promise<BenchRow[]> {
  const seen = { streamed: [] as ContextProbe[], whole: [] as ContextProbe[] };
  // Alternated, so that a slower stretch of the machine falls on both.
  for (let i = 0; i < RUNS; i++) {
    seen.streamed.push(await probe('streamed', project));
    seen.whole.push(await probe('whole', project));
  }
  const mib = (probes: ContextProbe[]) => median(probes.map((p) => p.peakRssBytes)) / 1024 / 1024;
  const ms = (probes: ContextProbe[]) => median(probes.map((p) => p.ms));
  return [
    {
      case: `Docker build context, ${label}: peak memory`,
      stepops: `${mib(seen.streamed).toFixed(0)} MiB`,
      baseline: `read whole first ${mib(seen.whole).toFixed(0)} MiB`,
      ratio: ratio(mib(seen.streamed), mib(seen.whole)),
      target: '-',
    },
    {
      case: `Docker build context, ${label}: hash + tar`,
      stepops: `${ms(seen.streamed).toFixed(0)} ms`,
      baseline: `read whole first ${ms(seen.whole).toFixed(0)} ms`,
      ratio: ratio(ms(seen.streamed), ms(seen.whole)),
      target: '-',
    },
  ];
}

export const cases: BenchCases = async () => {
  const work = await mkdtemp(path.join(tmpdir(), 'stepops-bench-context-'));
  try {
    const large = path.join(work, 'large');
    await cp(path.join(root, 'examples'), large, { recursive: true });
    await writeFile(path.join(large, 'data', 'weights.bin'), randomBytes(LARGE_FILE_BYTES));
    const small = path.join(work, 'small');
    for (let i = 0; i < SMALL_FILES; i++) {
      const folder = path.join(small, `pkg${i % 30}`);
      if (i < 30) await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, `module${i}.py`), `# ${'x'.repeat(2000)}\nVALUE = ${i}\n`);
    }
    // Settled: hashing remembers a file's digest only once it is over a second old.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    return [
      ...(await measure('the example project with a 200 MiB file', large)),
      ...(await measure('3,000 files of 2 KiB', small)),
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};

if (require.main === module) runStandalone(cases);
