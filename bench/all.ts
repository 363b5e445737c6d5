// `npm run bench`: every benchmark, one after another, in one table (case, stepops, the baseline
// measured in the same run, ratio, target, met?), with the machine it ran on. Each module sets
// up and tears down what it needs (the services come from scripts/with-services.sh); a module
// that fails gets a row saying so, the others still run, and the exit code is 1.
//
//   npm run bench
//   STEPOPS_BENCH_SKIP=vscode-activation npm run bench     (modules by name, comma-separated;
//   STEPOPS_BENCH_ONLY=logs,images npm run bench            the names are those below)
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { type BenchCases, type BenchRow, formatTable } from './benchTable';
import { cases as activation } from './activation.bench';
import { cases as context } from './context.bench';
import { cases as discovery } from './discovery.bench';
import { cases as images } from './images.bench';
import { cases as logs } from './logs.bench';
import { cases as vscodeActivation } from './vscodeActivation.bench';

const MODULES: readonly (readonly [string, BenchCases])[] = [
  ['discovery', discovery],
  ['activation', activation],
  // Packages dist/stepops.vsix and runs the E2E harness's activation test in code-server.
  ['vscode-activation', vscodeActivation],
  ['images', images],
  ['context', context],
  ['logs', logs],
];

const listed = (name: string) => process.env[name]?.split(',').map((s) => s.trim());

async function dockerVersion(): Promise<string> {
  try {
    return (await promisify(execFile)('docker', ['version', '-f', '{{.Server.Version}}'])).stdout.trim();
  } catch {
    return 'not answering';
  }
}

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  let failed = false;
  const only = listed('STEPOPS_BENCH_ONLY');
  const skip = listed('STEPOPS_BENCH_SKIP') ?? [];
  for (const [name, cases] of MODULES.filter(([n]) => (!only || only.includes(n)) && !skip.includes(n))) {
    const started = performance.now();
    process.stderr.write(`bench: ${name}...\n`);
    try {
      rows.push(...(await cases()));
      process.stderr.write(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    } catch (error) {
      failed = true;
      process.stderr.write(`bench: ${name} failed: ${(error as Error).stack ?? String(error)}\n`);
      rows.push({
        case: `${name}: the benchmark failed`,
        stepops: (error as Error).message.split('\n')[0]!,
        baseline: '-',
        ratio: '-',
        target: '-',
        met: false,
      });
    }
  }
  const cpus = os.cpus();
  console.log(
    `stepops benchmarks, ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, Docker Engine ` +
      `${await dockerVersion()}, ${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ` +
      `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, ${os.type()} ${os.release()}`,
  );
  console.log(formatTable(rows));
  const missed = rows.filter((r) => r.met === false).length;
  console.log(`${rows.length} cases, ${rows.filter((r) => r.met === true).length} targets met, ${missed} missed`);
  if (failed) process.exitCode = 1;
}

void main();
