// What `stepops run` and `stepops logs` print while a run goes on: its log lines on stdout (text,
// or JSON Lines with --json), its stages on stderr, and an exit code from its outcome (0
// succeeded, 1 failed, 130 cancelled or detached).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createProjectRunner } from '../core/orchestrator/projectRunner';
import type { RunEvent } from '../core/orchestrator/stepRunner';
import type { LogLine } from '../core/operators/stepOperator';
import { type RunRecord, durationMs, isFinished } from '../core/runs/runRecord';
import { formatLogLines } from '../core/runs/runStore';
import { defaultArtifactRoot } from '../core/stacks/stackStore';
import { secretEnvName } from './stackCommands';

export type Out = NodeJS.WritableStream;
export type LogFormat = 'text' | 'json';

export const EXIT_FAILED = 1;
export const EXIT_CANCELLED = 130;

/** The runtime package: beside the bundle (dist/../runtime) or, from sources, at the repo root. */
function runtimeRoot(): string {
  const candidates = [path.resolve(__dirname, '..', 'runtime'), path.resolve(__dirname, '..', '..', 'runtime')];
  return candidates.find((c) => existsSync(path.join(c, 'stepops_runtime', '__main__.py'))) ?? candidates[0]!;
}

/** The project's runner; component secrets come from STEPOPS_SECRET_<COMPONENT>_<FIELD>. */
export function projectRunner(projectRoot: string): ReturnType<typeof createProjectRunner> {
  return createProjectRunner({
    projectRoot,
    artifactRoot: defaultArtifactRoot(),
    runtimeRoot: runtimeRoot(),
    secret: async (_type, name, field) => process.env[secretEnvName(name, field)],
  });
}

/** One log line as `stepops logs --json` prints it: its text first, then whatever else it carries. */
export function jsonLogLine(line: LogLine): string {
  const { text, ...rest } = line;
  return `${JSON.stringify({ text, ...rest })}\n`;
}

/** Lines as text name their source (the instance or worker) when the operator gave one. */
export function writeLogLines(out: Out, lines: readonly LogLine[], format: LogFormat): void {
  if (format === 'json') for (const line of lines) out.write(jsonLogLine(line));
  else out.write(formatLogLines(lines));
}

type EventHandlers = { [T in RunEvent['type']]?: (event: Extract<RunEvent, { type: T }>) => void };

/**
 * Prints a run's events. One handler per event type: showing a new kind of event is one more
 * entry, and a kind without one (build progress, whose stages the state lines already show) is
 * left out of a terminal's output.
 */
export function printer(out: Out, format: LogFormat = 'text'): (event: RunEvent) => void {
  let lastState = '';
  let lastConsole = '';
  let warmStartSaid = false;
  const handlers: EventHandlers = {
    logs: (event) => writeLogLines(out, event.lines, format),
    status: ({ status }) => {
      // The console link and a warm start are said once, whatever the state (a short job may be seen only once it ended).
      if (status.consoleUrl && status.consoleUrl !== lastConsole) {
        lastConsole = status.consoleUrl;
        process.stderr.write(`stepops: console ${status.consoleUrl}\n`);
      }
      if (status.warmStart && !warmStartSaid) {
        warmStartSaid = true;
        process.stderr.write(`stepops: started warm, on ${status.warmStart}\n`);
      }
      if (!status.stage || (status.state !== 'pending' && status.state !== 'running')) return;
      const message = status.message && status.message !== status.stage ? `: ${status.message}` : '';
      process.stderr.write(`stepops: ${status.state} (${status.stage}${message})\n`);
    },
    state: ({ record }) => {
      if (record.state === 'created') [lastConsole, warmStartSaid] = ['', false]; // the next step of a pipeline
      if (record.state === lastState) return;
      lastState = record.state;
      const extra =
        record.state === 'submitting' && record.image ? ` ${record.image.reference}${imageNote(record.image)}` : '';
      process.stderr.write(`stepops: ${record.state}${extra}\n`);
    },
  };
  return (event) => (handlers[event.type] as ((e: RunEvent) => void) | undefined)?.(event);
}

function imageNote(image: NonNullable<RunRecord['image']>): string {
  if (!image.built) return ' (reused, nothing built)';
  return image.daemonless ? ' (a code-only change: its layer pushed without Docker)' : '';
}

/** Says how the run ended, on stderr, and returns the exit code for it. */
export function finish(record: RunRecord): number {
  const seconds = ((durationMs(record) ?? 0) / 1000).toFixed(1);
  if (record.state === 'succeeded') {
    const outputs = Object.entries(record.outputs ?? {}).map(([name, o]) => `${name}=${o.preview}`);
    process.stderr.write(
      `stepops: ${record.step.name} succeeded in ${seconds} s${outputs.length ? `: ${outputs.join(', ')}` : ''}\n`,
    );
    return 0;
  }
  if (record.state === 'cancelled') {
    process.stderr.write(`stepops: ${record.step.name} was cancelled\n`);
    return EXIT_CANCELLED;
  }
  if (!isFinished(record.state)) {
    process.stderr.write(
      `stepops: stopped following ${record.id}; it is still ${record.state}. Reattach with: stepops logs ${record.id} --follow\n`,
    );
    return EXIT_CANCELLED;
  }
  process.stderr.write(
    `stepops: ${record.step.name} failed at ${record.failure?.stage ?? 'an unknown stage'}: ${record.failure?.reason ?? 'no reason given'}\n`,
  );
  return EXIT_FAILED;
}

/** First Ctrl+C cancels the job; a second one stops following and leaves it running. */
export function interruptHandling(onCancel: () => void, detach: AbortController): () => void {
  let interrupts = 0;
  const handler = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('stepops: cancelling (Ctrl+C again to detach and leave the job running)\n');
      onCancel();
    } else detach.abort();
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
