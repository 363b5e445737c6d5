// Activation as VS Code itself measures it (Running Extensions: code loading + activate()), in a
// real VS Code (code-server) on the example workspace: the E2E harness runs only its activation
// test, which reloads the window STEPOPS_E2E_ACTIVATION_RUNS times and writes VS Code's figures to
// test-output/e2e/activation.json. Packages dist/stepops.vsix first (the harness's default).
//
//   node --import tsx bench/vscodeActivation.bench.ts
//
// The baseline is a built-in extension of VS Code's own in the same windows (Emmet, activated on
// the same kind of event), which says how fast this machine was at the time.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { type BenchCases, ratio, runStandalone } from './benchTable';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const RUNS = process.env.STEPOPS_E2E_ACTIVATION_RUNS ?? '7';
const TARGET_MS = 50;

interface Measured {
  readonly samples: number[];
  readonly reference?: { readonly name: string; readonly samples: number[] };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export const cases: BenchCases = async () => {
  await run('bash', ['scripts/with-services.sh', 'bash', 'scripts/e2e.sh'], {
    cwd: root,
    env: { ...process.env, STEPOPS_E2E_ONLY: 'own measure', STEPOPS_E2E_ACTIVATION_RUNS: RUNS },
    maxBuffer: 64 * 1024 * 1024,
  });
  const measured = JSON.parse(
    await readFile(path.join(root, 'test-output', 'e2e', 'activation.json'), 'utf8'),
  ) as Measured;
  const ours = median(measured.samples);
  const reference = measured.reference;
  return [
    {
      case: `activation in VS Code (Running Extensions, median of ${measured.samples.length} window reloads)`,
      stepops: `${ours} ms (${Math.min(...measured.samples)}-${Math.max(...measured.samples)})`,
      baseline: reference ? `${reference.name} ${median(reference.samples)} ms` : '-',
      ratio: reference ? ratio(ours, median(reference.samples)) : '-',
      target: `< ${TARGET_MS} ms`,
      met: ours < TARGET_MS,
    },
  ];
};

if (require.main === module) runStandalone(cases);
