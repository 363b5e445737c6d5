// A run, from the click to its outcome. Persisted before anything is submitted and after every
// transition, so that a window reload or a new CLI process can pick a running job up again from
// its handle and log cursor.
import { hostname } from 'node:os';
import type { FailureKind, JobHandle, LogCursor } from '../operators/stepOperator';

/** `pending`: the backend accepted the job and has not started it (queued, provisioning, downloading). */
export type RunStage =
  'created' | 'hashing' | 'building' | 'pushing' | 'submitting' | 'pending' | 'running' | 'collecting';
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
  /** The operator and its non-secret config when the run started (older records have no config). */
  readonly operator: {
    readonly name: string;
    readonly flavor: string;
    readonly config?: Readonly<Record<string, unknown>>;
  };
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly state: RunState;
  /** Every state entered, in order, with when. */
  readonly transitions: readonly { readonly state: RunState; readonly at: string }[];
  readonly image?: {
    readonly reference: string;
    readonly hash: string;
    readonly built: boolean;
    readonly pushed: boolean;
    /** Only the code layer changed, and it was pushed straight to the registry, without Docker. */
    readonly daemonless?: boolean;
  };
  /** The pipeline run this step belongs to, when it is one. */
  readonly pipeline?: string;
  /** The process that drives the run until it has a job; a record whose driver is gone is not live. */
  readonly driver?: RunDriver;
  /** The stack's artifact store the run stages through (non-secret config) and the run's folder in it. */
  readonly artifacts?: {
    readonly store: {
      readonly name: string;
      readonly flavor: string;
      readonly config: Readonly<Record<string, unknown>>;
    };
    /** URI of RUN_ID/ in the store. */
    readonly runUri: string;
  };
  readonly job?: JobHandle;
  /** What the backend last said: its stage, message, times and console link. */
  readonly jobStatus?: {
    readonly stage?: string;
    readonly message?: string;
    readonly consoleUrl?: string;
    /** What the job reused to start fast (a warm pool), when it did. */
    readonly warmStart?: string;
    readonly startedAt?: string;
    readonly endedAt?: string;
  };
  readonly logCursor?: LogCursor;
  /** The runtime's closing status line, once the log has delivered it: the step's own outcome. */
  readonly runtime?: RuntimeStatus;
  /** Size of RUN.log when logCursor was saved (see RunStore.rewindLogs). */
  readonly logBytes?: number;
  readonly failure?: { readonly stage: RunState; readonly reason: string; readonly kind?: FailureKind };
  readonly outputs?: Readonly<Record<string, OutputMetadata>>;
  readonly exitCode?: number;
}

/** What the runtime's closing `STEPOPS_STATUS {json}` line says (orchestrator/runOutcome.ts reads it). */
export interface RuntimeStatus {
  readonly status: 'succeeded' | 'user_error' | 'runtime_error' | 'cancelled';
  readonly reason?: string;
  readonly step?: string;
}

export interface RunDriver {
  readonly pid: number;
  readonly host: string;
}

export function currentDriver(): RunDriver {
  return { pid: process.pid, host: hostname() };
}

/** States before the backend has a job: only the driving process can move such a run on. */
export function isBeforeJob(state: RunState): boolean {
  return (
    state === 'created' || state === 'hashing' || state === 'building' || state === 'pushing' || state === 'submitting'
  );
}

export function isFinished(state: RunState): state is RunOutcome {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

/** URI of an output folder of a finished run, in the store it ran with. */
export function outputUri(record: RunRecord, output: string, legacyArtifactRoot: string): string {
  const runUri = record.artifacts?.runUri ?? `${legacyArtifactRoot.replace(/\/+$/, '')}/${record.id}`;
  const outputs = record.job?.outputs ?? `${runUri.replace(/\/+$/, '')}/outputs`;
  return `${outputs.replace(/\/+$/, '')}/${output}`;
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
