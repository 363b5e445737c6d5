// The one shape every benchmark reports in, so `npm run bench` can print a single table:
// each case names its baseline (measured in the same run, never a remembered figure), the
// ratio between them and the target the issue set, and whether the target was met.

export interface BenchRow {
  /** What was measured, e.g. "discovery, 20,000-line file". */
  case: string;
  /** Our figure, with its unit ("12.3 ms", "21,400 lines/s"). */
  stepops: string;
  /** The reference measured in the same run, with what it is ("CPython ast 8.1 ms"), or "-". */
  baseline: string;
  /** stepops / baseline as a number ("1.52x"), or "-" where no ratio makes sense. */
  ratio: string;
  /** The target in words ("< 10 ms", "within 2x"), or "-". */
  target: string;
  /** Whether the target was met: true, false, or undefined where there is no target. */
  met?: boolean;
}

/** A benchmark module: runs its cases (setting up and tearing down what it needs) and reports rows. */
export type BenchCases = () => Promise<BenchRow[]>;

export function ratio(ours: number, baseline: number): string {
  return baseline > 0 ? `${(ours / baseline).toFixed(2)}x` : '-';
}

export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['case', 'stepops', 'baseline (same run)', 'ratio', 'target', 'met?'];
  const cells = rows.map((r) => [
    r.case,
    r.stepops,
    r.baseline,
    r.ratio,
    r.target,
    r.met === undefined ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

/** Runs one benchmark module on its own (`node --import tsx bench/x.bench.ts`) and prints its table. */
export function runStandalone(cases: BenchCases): void {
  cases().then(
    (rows) => console.log(formatTable(rows)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
