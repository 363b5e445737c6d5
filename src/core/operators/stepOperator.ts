// The contract every backend (local Docker, SageMaker, Vertex AI, Azure ML) implements. It
// mirrors ZenML's newer split: submit returns as soon as the backend accepted the job; status,
// logs and cancel are separate calls keyed by a serialisable handle. That is what lets a run be
// reattached after a window reload or from a new CLI process: the handle and the log cursor are
// persisted in the run record, and nothing else is needed to pick the job up again.
import type { DockerClient } from '../images/dockerClient';
import type { SecretLookup } from '../stacks/connectionChecks/connectionCheck';

/** Everything a backend needs to run one step's container. */
export interface JobSpec {
  /** Stable id of the run record this job belongs to; backends derive their job names from it. */
  readonly runId: string;
  readonly stepName: string;
  /** Pushed image reference, pinned by digest where the registry gave one. */
  readonly image: string;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  /** The operator component's flavor-specific settings merged with the step's own. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Host folders to mount; only backends that run on this machine (local Docker) honour them. */
  readonly volumes?: readonly { readonly hostPath: string; readonly containerPath: string }[];
}

/** Serialisable identity of a submitted job; stored in the run record. */
export interface JobHandle {
  readonly operator: string;
  /** The backend's own id: container id, training job name, custom job resource name... */
  readonly jobId: string;
  /** Backend-specific data needed to poll again after a restart (region, log group...). */
  readonly details: Readonly<Record<string, string>>;
}

/** One normalised state machine for all backends. */
export type JobState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelling' | 'cancelled';

export interface JobStatus {
  readonly state: JobState;
  /** The backend's own status text (e.g. SageMaker's "InProgress/Downloading"). */
  readonly backendStatus: string;
  /** Why the job failed, in the backend's words, when it did. */
  readonly failureReason?: string;
  readonly exitCode?: number;
}

export function isTerminal(state: JobState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

/**
 * Opaque resume point in a job's log stream. Backends encode whatever they need (a timestamp and
 * line count, CloudWatch forward tokens per stream, a byte offset in std_log.txt) as a string.
 */
export type LogCursor = string;

export interface LogLine {
  /** Epoch milliseconds when the backend recorded the line, when it says. */
  readonly timestamp?: number;
  readonly text: string;
  readonly stream?: 'stdout' | 'stderr';
}

export interface LogBatch {
  readonly lines: readonly LogLine[];
  /** Resume from here to receive exactly the lines after this batch. */
  readonly cursor: LogCursor;
}

export interface StepOperator {
  /** Returns once the backend accepted the job. */
  submit(job: JobSpec, signal: AbortSignal): Promise<JobHandle>;
  status(handle: JobHandle): Promise<JobStatus>;
  /** Yields batches until the job ends or the signal aborts; resumes after `from` when given. */
  logs(handle: JobHandle, from?: LogCursor, signal?: AbortSignal): AsyncIterable<LogBatch>;
  cancel(handle: JobHandle): Promise<void>;
}

/** What an operator factory may use besides the component's own config. */
export interface OperatorContext {
  /** This machine's Docker engine, connected on first use (local operators only). */
  readonly docker: () => Promise<DockerClient>;
  /** A secret field of the operator component (SecretStorage in the editor, the environment in the CLI). */
  readonly secret: SecretLookup;
}

/** Builds an operator from its component's config; each backend declares its own in clouds/. */
export type OperatorFactory = (
  config: Readonly<Record<string, unknown>>,
  context: OperatorContext,
) => Promise<StepOperator>;
