// `stepops runs`, `stepops logs RUN [--follow]`, `stepops cancel RUN`: the project's run records,
// read from .stepops/runs, and the jobs behind them.
import path from 'node:path';
import { durationMs, isFinished } from '../core/runs/runRecord';
import { type Out, finish, interruptHandling, printer, projectRunner, writeLogLines } from './runOutput';
import { defineCommand, parseCommandLine } from './usage';

const PROJECT = {
  type: 'string',
  value: 'DIR',
  description: 'The project folder whose runs to read (default: the current folder)',
} as const;

export const RUNS = defineCommand({
  name: 'runs',
  summary: 'List the runs of the project in this folder, newest first',
  arguments: [],
  options: {
    json: { type: 'boolean', description: 'Print the run records as a JSON array, each with its durationMs' },
    project: PROJECT,
  },
  examples: ['stepops runs', 'stepops runs --json | jq -r \'.[] | select(.state == "failed") | .id\''],
});

export const LOGS = defineCommand({
  name: 'logs',
  summary: "Print a run's log; --follow reattaches to a running job",
  arguments: [{ name: 'RUN' }],
  options: {
    follow: {
      type: 'boolean',
      short: 'f',
      description: 'Keep printing until the job ends (exit code as for stepops run)',
    },
    json: {
      type: 'boolean',
      description: 'One JSON object per line: {"text"}, with "timestamp" (epoch ms) and "stream" when known',
    },
    project: PROJECT,
  },
  examples: ['stepops logs 20261129-120452123-load_customers-8378 --follow', 'stepops logs RUN --json | jq -r .text'],
});

export const CANCEL = defineCommand({
  name: 'cancel',
  summary: 'Cancel a running job',
  arguments: [{ name: 'RUN' }],
  options: { project: PROJECT },
  examples: ['stepops cancel 20261129-120452123-load_customers-8378'],
});

export async function runsCommand(args: string[], out: Out): Promise<number> {
  const { values } = parseCommandLine(RUNS, args);
  const { runner, store } = projectRunner(path.resolve(values.project ?? process.cwd()));
  // A run whose process died before its job existed is settled (found by run id, or abandoned).
  const records = await Promise.all((await store.list()).map((r) => runner.recover(r).catch(() => r)));
  if (values.json) {
    const withDuration = records.map((r) => ({ ...r, durationMs: durationMs(r) ?? null }));
    out.write(`${JSON.stringify(withDuration, null, 2)}\n`);
    return 0;
  }
  if (records.length === 0) {
    out.write('No runs in this project yet. Start one with: stepops run FILE:STEP\n');
    return 0;
  }
  for (const r of records) {
    const seconds = ((durationMs(r) ?? 0) / 1000).toFixed(1);
    out.write(
      `${r.id.padEnd(44)} ${r.state.padEnd(10)} ${r.operator.name.padEnd(14)} ${`${seconds}s`.padStart(8)}  ${r.image?.reference ?? ''}\n`,
    );
  }
  return 0;
}

export async function logsCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseCommandLine(LOGS, args);
  const id = positionals[0]!;
  const format = values.json ? 'json' : 'text';
  const { runner, store } = projectRunner(path.resolve(values.project ?? process.cwd()));
  const stored = await store.get(id);
  if (!stored) throw new Error(`no run "${id}" in this project; "stepops runs" lists them`);
  const record = await runner.recover(stored);
  const following = Boolean(values.follow) && !isFinished(record.state);
  // Up to the saved cursor: a follower may have written lines it had not yet recorded, and
  // following rewinds the file to the cursor and appends from there.
  writeLogLines(out, await store.readLogLines(id, following ? (record.logBytes ?? 0) : record.logBytes), format);
  if (!following) return values.follow ? finish(record) : 0;
  const detach = new AbortController();
  const stop = interruptHandling(() => void runner.cancel(id), detach);
  try {
    return finish(await runner.follow(record, { signal: detach.signal, onEvent: printer(out, format) }));
  } finally {
    stop();
  }
}

export async function cancelCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseCommandLine(CANCEL, args);
  const id = positionals[0]!;
  const { runner } = projectRunner(path.resolve(values.project ?? process.cwd()));
  const record = await runner.cancel(id);
  if (!record) throw new Error(`no run "${id}" in this project; "stepops runs" lists them`);
  out.write(isFinished(record.state) ? `${id} already ${record.state}\n` : `Cancelling ${id}\n`);
  return 0;
}
