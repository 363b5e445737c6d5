// What the extension costs at activation: the size of the main bundle (dist/extension.js) and the
// time to load it and run activate(), for three production bundles built in this run:
//   - this tree's, where zod is zod/mini and yaml and the SDKs are vendor bundles loaded on first use;
//   - the tree before that change (commit BEFORE, built from a temporary git worktree), where zod
//     and yaml were in the main bundle;
//   - an eager bundle of this tree (`scripts/build.mjs --eager`): every lazily loaded package,
//     each cloud SDK included, inlined into extension.js, as a build with no lazy split would ship.
//
//   npm run bench:activation        (STEPOPS_BENCH_RUNS=N: processes per bundle, default 15;
//                                    STEPOPS_BENCH_BEFORE=REV: the commit to compare with)
//
// Each sample is a fresh `node` process (bench/support/activationHost.ts) that stubs the `vscode`
// module, then times require() of the bundle and activate() (Node's own start-up is not counted,
// as it is not in VS Code's activation time either), and exits before activation's deferred work
// runs. The bundles take turns, so that a busy moment of the machine falls on all three alike;
// figures are medians. Prints a table (bench/benchTable.ts); nothing here is a pass/fail test.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { type BenchCases, type BenchRow, ratio, runStandalone } from './benchTable';
import type { ActivationSample } from './support/activationHost';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');

/** The last commit whose main bundle held classic zod and yaml (before zod/mini and the lazy yaml). */
const BEFORE = process.env.STEPOPS_BENCH_BEFORE ?? '387bc43839624e5fe28ddd6f9d30e2c834162106';
const RUNS = Number(process.env.STEPOPS_BENCH_RUNS ?? 15);
/** The targets. */
const SIZE_TARGET_KIB = 593;
const LOAD_TARGET_MS = 50;

interface Bundle {
  readonly label: string;
  readonly dist: string;
}

interface MetaOutput {
  readonly bytes: number;
  readonly inputs: Record<string, { readonly bytesInOutput: number }>;
}

async function build(tree: string, outdir: string, ...flags: string[]): Promise<void> {
  await run(process.execPath, ['scripts/build.mjs', '--production', `--outdir=${outdir}`, ...flags], {
    cwd: tree,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Builds commit `rev` in a worktree of its own (sharing this checkout's node_modules), removed after. */
async function buildCommit(rev: string, work: string, outdir: string): Promise<void> {
  const tree = path.join(work, 'before-tree');
  await run('git', ['worktree', 'add', '--detach', tree, rev], { cwd: root });
  try {
    await symlink(path.join(root, 'node_modules'), path.join(tree, 'node_modules'));
    await build(tree, outdir);
  } finally {
    await run('git', ['worktree', 'remove', '--force', tree], { cwd: root });
  }
}

/** extension.js's size and the bytes each package (or stepops' own source) takes in it. */
async function mainBundle(dist: string): Promise<{ bytes: number; byPackage: Map<string, number> }> {
  const metas = JSON.parse(await readFile(path.join(dist, 'meta.json'), 'utf8')) as {
    outputs: Record<string, MetaOutput>;
  }[];
  const [, output] = metas.flatMap((m) => Object.entries(m.outputs)).find(([file]) => file.endsWith('/extension.js'))!;
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'stepops';
    byPackage.set(owner, (byPackage.get(owner) ?? 0) + bytesInOutput);
  }
  return { bytes: (await stat(path.join(dist, 'extension.js'))).size, byPackage };
}

async function sample(host: string, bundle: Bundle, workspace: string, home: string): Promise<ActivationSample> {
  const { stdout } = await run(process.execPath, [host, bundle.dist, workspace], {
    env: { ...process.env, STEPOPS_HOME: home },
  });
  return JSON.parse(stdout) as ActivationSample;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: number): string => `${value.toFixed(1)} ms`;

export const cases: BenchCases = async () => {
  const work = await mkdtemp(path.join(tmpdir(), 'stepops-activation-'));
  try {
    const now: Bundle = { label: 'this tree', dist: path.join(work, 'now') };
    const before: Bundle = { label: `before (${BEFORE.slice(0, 7)})`, dist: path.join(work, 'before') };
    const eager: Bundle = { label: 'eager, all SDKs inlined', dist: path.join(work, 'eager') };
    // One build at a time: the machine has two cores.
    await build(root, now.dist);
    await build(root, eager.dist, '--eager');
    await buildCommit(BEFORE, work, before.dist);

    const host = path.join(work, 'host', 'activationHost.js');
    await esbuild.build({
      entryPoints: [path.join(root, 'bench/support/activationHost.ts')],
      outfile: host,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    });
    const workspace = path.join(work, 'workspace');
    const home = path.join(work, 'home');
    await mkdir(workspace);
    await mkdir(home);

    const bundles = [now, before, eager];
    const samples = new Map<Bundle, ActivationSample[]>(bundles.map((b) => [b, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const bundle of bundles) samples.get(bundle)!.push(await sample(host, bundle, workspace, home));
    }
    const loadMs = (b: Bundle): number => median(samples.get(b)!.map((s) => s.requireMs + s.activateMs));
    const cpuMs = (b: Bundle): number => median(samples.get(b)!.map((s) => s.cpuMs));
    const spread = (b: Bundle): string => {
      const all = samples.get(b)!.map((s) => s.requireMs + s.activateMs);
      return `${Math.min(...all).toFixed(0)}-${Math.max(...all).toFixed(0)}`;
    };

    const [ours, theirs, all] = await Promise.all(bundles.map((b) => mainBundle(b.dist)));
    const parts = (m: { byPackage: Map<string, number> }): string =>
      ['zod', 'yaml', 'stepops']
        .map((name) => `${name} ${((m.byPackage.get(name) ?? 0) / 1024).toFixed(0)}`)
        .join(', ');
    const vendorAtActivation = [...new Set(samples.get(now)!.flatMap((s) => s.vendorLoaded))];
    const yamlVendor = median(samples.get(now)!.flatMap((s) => (s.yamlVendorMs === undefined ? [] : [s.yamlVendorMs])));

    const rows: BenchRow[] = [
      {
        case: 'main bundle size (extension.js)',
        stepops: `${kib(ours!.bytes)} (${parts(ours!)})`,
        baseline: `${before.label} ${kib(theirs!.bytes)} (${parts(theirs!)})`,
        ratio: ratio(ours!.bytes, theirs!.bytes),
        target: `< ${SIZE_TARGET_KIB} KiB`,
        met: ours!.bytes < SIZE_TARGET_KIB * 1024,
      },
      {
        case: 'main bundle size vs the eager bundle',
        stepops: kib(ours!.bytes),
        baseline: `${eager.label} ${kib(all!.bytes)}`,
        ratio: ratio(ours!.bytes, all!.bytes),
        target: '-',
      },
      {
        case: `main bundle load + activate (median of ${RUNS})`,
        stepops: `${ms(loadMs(now))} (${spread(now)}; CPU ${ms(cpuMs(now))})`,
        baseline: `${eager.label} ${ms(loadMs(eager))} (${spread(eager)}; CPU ${ms(cpuMs(eager))})`,
        ratio: ratio(loadMs(now), loadMs(eager)),
        target: `< ${LOAD_TARGET_MS} ms`,
        met: loadMs(now) < LOAD_TARGET_MS,
      },
      {
        case: `main bundle load + activate vs before (median of ${RUNS})`,
        stepops: ms(loadMs(now)),
        baseline: `${before.label} ${ms(loadMs(before))} (${spread(before)}; CPU ${ms(cpuMs(before))})`,
        ratio: ratio(loadMs(now), loadMs(before)),
        target: '-',
      },
      {
        case: 'vendor bundles loaded by activate()',
        stepops: vendorAtActivation.length > 0 ? vendorAtActivation.join(', ') : 'none',
        baseline: '-',
        ratio: '-',
        target: 'none',
        met: vendorAtActivation.length === 0,
      },
      {
        case: 'yaml vendor bundle, loaded by the first stacks read after activation',
        stepops: ms(yamlVendor),
        baseline: '-',
        ratio: '-',
        target: '-',
      },
    ];
    return rows;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};

if (require.main === module) runStandalone(cases);
