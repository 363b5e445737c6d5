// A run, from the click to its outcome. Persisted before anything is submitted and after every
// transition, so that a window reload or a new CLI process can pick a running job up again from
// its handle and log cursor.
import type { JobHandle, LogCursor } from '../operators/stepOperator';

export type RunStage = 'created' | 'hashing' | 'building' | 'pushing' | 'submitting' | 'running' | 'collecting';
export type RunOutcome = 'succeeded' | 'failed' | 'cancelled';
export type RunState = RunStage | 'cancelling' | RunOutcome;

export interface OutputMetadata {
  readonly type: string;
  readonly format: string;
  readonly size: number;
  readonly preview: string;
}

export interface RunRecord {
  readonly version: 1;
  readonly id: string;
  readonly step: {
    readonly name: string;
    /** Project-relative file, e.g. churn/steps/trainer.py. */
    readonly file: string;
    readonly module: string;
    readonly function: string;
  };
  readonly projectRoot: string;
  readonly stack: string;
  readonly operator: { readonly name: string; readonly flavor: string };
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly state: RunState;
  /** Every state entered, in order, with when. */
  readonly transitions: readonly { readonly state: RunState; readonly at: string }[];
  readonly image?: {
    readonly reference: string;
    readonly hash: string;
    readonly built: boolean;
    readonly pushed: boolean;
  };
  readonly job?: JobHandle;
  readonly logCursor?: LogCursor;
  /** Size of RUN.log when logCursor was saved (see RunStore.rewindLogs). */
  readonly logBytes?: number;
  readonly failure?: { readonly stage: RunState; readonly reason: string };
  readonly outputs?: Readonly<Record<string, OutputMetadata>>;
  readonly exitCode?: number;
}

export function isFinished(state: RunState): state is RunOutcome {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

/** Sortable, readable, unique enough: 20261129-115219482-train_model-3f9a (to the millisecond). */
export function newRunId(stepName: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '').slice(0, 18);
  const safe = stepName.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  return `${stamp}-${safe}-${Math.random().toString(16).slice(2, 6)}`;
}

export function withState(record: RunRecord, state: RunState, changes: Partial<RunRecord> = {}): RunRecord {
  return {
    ...record,
    ...changes,
    state,
    transitions: [...record.transitions, { state, at: new Date().toISOString() }],
  };
}

export function durationMs(record: RunRecord): number | undefined {
  const first = record.transitions[0];
  if (!first) return undefined;
  const last = isFinished(record.state)
    ? record.transitions[record.transitions.length - 1]!
    : { at: new Date().toISOString() };
  return Date.parse(last.at) - Date.parse(first.at);
}
