// `stepops run` in a process of its own, as a user runs it: the CLI as it ships (the production
// bundle, built by scripts/build.mjs into a folder of the benchmark's own, never dist/, with the
// runtime beside it), with the probe (processProbe.ts, bundled too) loaded into it. Its stdout is
// read here as a terminal or a pipe would read it, line by line, into a LineCheck; the run id is
// taken from its stderr as soon as it says it.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LineCheck } from './lineCheck';
import type { ProbeReport } from './processProbe';

const root = path.resolve(__dirname, '..', '..');

export interface BuiltCli {
  readonly main: string;
  readonly probe: string;
}

/** Builds the CLI (production bundle) and the probe into `folder`. */
export async function buildCli(folder: string): Promise<BuiltCli> {
  const dist = path.join(folder, 'dist');
  await mkdir(folder, { recursive: true });
  await promisify(execFile)(process.execPath, [
    path.join(root, 'scripts', 'build.mjs'),
    '--production',
    `--outdir=${dist}`,
  ]);
  // The CLI finds the runtime beside its folder, as in the package.
  await symlink(path.join(root, 'runtime'), path.join(folder, 'runtime'));
  const probe = path.join(folder, 'probe.js');
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'processProbe.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: probe,
    logLevel: 'warning',
  });
  return { main: path.join(dist, 'cli.js'), probe };
}

export interface CliRun {
  /** The run's id, once the CLI has printed it. */
  readonly runId: Promise<string>;
  readonly check: LineCheck;
  /** Settles once the CLI's stderr matched (a stage it announces: "stepops: pending"). */
  said(pattern: RegExp): Promise<void>;
  /** Kills the CLI at once (SIGKILL): the job it started goes on without it. */
  kill(): void;
  /** The exit code, stderr and the probe's report (none when killed), once the CLI has exited. */
  readonly done: Promise<{ readonly code: number | null; readonly stderr: string; readonly probe?: ProbeReport }>;
}

export function startCliRun(
  cli: BuiltCli,
  cwd: string,
  env: NodeJS.ProcessEnv,
  expected: number,
  args: readonly string[],
): CliRun {
  const check = new LineCheck(expected);
  const folder = mkdtemp(path.join(tmpdir(), 'stepops-bench-probe-'));
  let stderr = '';
  let runIdFound: (id: string) => void = () => undefined;
  const runId = new Promise<string>((resolve) => (runIdFound = resolve));
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];
  let killed = false;
  let child: ReturnType<typeof spawn> | undefined;
  const done = folder.then(async (dir) => {
    const probeFile = path.join(dir, 'probe.json');
    // STEPOPS_BENCH_CLI_NODE_ARGS: more Node options for the CLI (say --cpu-prof, which NODE_OPTIONS refuses).
    const nodeArgs = (process.env.STEPOPS_BENCH_CLI_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const proc = spawn(
      process.execPath,
      [...nodeArgs, '--expose-gc', '--require', cli.probe, cli.main, 'run', ...args],
      {
        cwd,
        env: { ...env, STEPOPS_BENCH_PROBE: probeFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (text: string) => check.chunk(text));
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (text: string) => {
      stderr += text;
      const id = /stepops: run (\S+) of /.exec(stderr)?.[1];
      if (id) runIdFound(id);
      for (const wait of waiting.filter((w) => w.pattern.test(stderr))) wait.resolve();
    });
    if (killed) proc.kill('SIGKILL');
    const code = await new Promise<number | null>((resolve, reject) => {
      proc.once('error', reject);
      proc.once('close', resolve);
    });
    try {
      if (killed) return { code, stderr, probe: undefined };
      const probe = JSON.parse(await readFile(probeFile, 'utf8')) as ProbeReport;
      return { code, stderr, probe };
    } catch {
      throw new Error(`stepops run exited ${code} without the probe's report:\n${stderr}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  return {
    runId,
    check,
    done,
    said: (pattern) =>
      new Promise<void>((resolve) => {
        if (pattern.test(stderr)) resolve();
        else waiting.push({ pattern, resolve });
      }),
    kill: () => {
      killed = true;
      child?.kill('SIGKILL');
    },
  };
}
