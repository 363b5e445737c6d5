import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describeOperator, describeParameters } from '../core/python/describe';
import { loadPythonParser } from '../core/python/pythonParser';
import { StepIndex } from '../core/python/stepIndex';
import { defineCommand, parseCommandLine } from './usage';

export const STEPS = defineCommand({
  name: 'steps',
  summary: 'List the ZenML steps and pipelines in files or folders (--json for data)',
  arguments: [{ name: 'FILE|DIR', optional: true, variadic: true }],
  options: {
    json: {
      type: 'boolean',
      description: "Print every step's parameters, operator, settings and ranges, and every pipeline's calls",
    },
  },
  details: ['Without FILE|DIR, the current folder.'],
  examples: ['stepops steps examples', 'stepops steps churn/steps/trainer.py --json'],
});

/** `stepops steps FILE|DIR... [--json]`: the steps and pipelines discovery finds. */
export async function stepsCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandLine(STEPS, args);
  const targets = positionals.length > 0 ? positionals : ['.'];
  const index = new StepIndex(await loadPythonParser());
  for (const target of targets) {
    const info = await stat(target).catch(() => undefined);
    if (!info) throw new Error(`${target}: no such file or folder.`);
    if (info.isDirectory()) {
      // A file whose encoding declaration cannot be decoded is skipped with a note, not a failure.
      for (const { file, message } of (await index.scan(path.resolve(target))).problems) {
        process.stderr.write(`stepops steps: ${path.relative(process.cwd(), file) || file}: ${message}\n`);
      }
    } else {
      const result = await index.updateFromDisk(path.resolve(target));
      if (result.kind === 'undecodable') throw new Error(`${target}: ${result.message}`);
      if (result.kind === 'unreadable') throw new Error(`${target}: cannot be read.`);
    }
  }
  const cwd = process.cwd();
  const where = (file: string, line: number): string => `${path.relative(cwd, file) || file}:${line + 1}`;
  const steps = index.steps();
  const pipelines = index.pipelines();

  if (values.json) {
    out.write(
      `${JSON.stringify(
        {
          steps: steps.map(({ file, step }) => ({ file: path.relative(cwd, file), ...step })),
          pipelines: pipelines.map(({ file, pipeline }) => ({ file: path.relative(cwd, file), ...pipeline })),
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (steps.length === 0 && pipelines.length === 0) {
    out.write('No ZenML steps or pipelines found.\n');
    return 0;
  }
  const rows = steps.map(({ file, step }) => [
    where(file, step.nameRange.start.line),
    step.name,
    describeOperator(step.operator),
    describeParameters(step.parameters),
  ]);
  out.write(table(['LOCATION', 'STEP', 'OPERATOR', 'PARAMETERS'], rows));
  for (const { file, pipeline } of pipelines) {
    const calls = pipeline.calls.map((c) => c.callee).join(' -> ') || '(no step calls found)';
    out.write(`\npipeline ${pipeline.name} (${where(file, pipeline.nameRange.start.line)}): ${calls}\n`);
  }
  return 0;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
