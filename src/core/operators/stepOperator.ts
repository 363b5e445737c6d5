// The contract every backend (local Docker, SageMaker, Vertex AI, Azure ML) implements. It
// mirrors ZenML's newer split: submit returns as soon as the backend accepted the job; status,
// logs and cancel are separate calls keyed by a serialisable handle. That is what lets a run be
// reattached after a window reload or from a new CLI process: the handle (with a snapshot of the
// non-secret config needed to poll) and the log cursor are persisted in the run record.
//
// Jobs are named after their run id, so a job the cloud accepted but the record never learned
// of (the process died in between) is found again by `find`, and a retried submit returns the
// job that exists instead of starting a second one.
import type { ArtifactStore } from '../artifacts/artifactStore';
import type { DockerClient } from '../images/dockerClient';
import type { SecretLookup } from '../stacks/connectionChecks/connectionCheck';
import type { HostSignIns } from './hostSignIn';

/** Everything a backend needs to run one step's container. */
export interface JobSpec {
  /** Stable id of the run record this job belongs to; backends derive their job names from it. */
  readonly runId: string;
  readonly stepName: string;
  readonly pipelineName?: string;
  /** The image reference (registry/repository:tag, or a local tag). */
  readonly image: string;
  /** The registry's digest of it, when pushed: cloud operators run `repository@digest`, never a moving tag. */
  readonly imageDigest?: string;
  /**
   * Where the run's files live in the stack's artifact store (URIs, never host paths). Each
   * backend maps them onto its platform's data channel and hands the runtime local paths.
   */
  readonly jobFile: string;
  /** Parameter name -> URI of an upstream output folder. */
  readonly inputs: Readonly<Record<string, string>>;
  /** URI of the folder the step's outputs must end up in. */
  readonly outputs: string;
  /** Non-secret variables for the job: the `environment` setting, and what stepops sets (STEPOPS_RUN_ID). */
  readonly environment: Readonly<Record<string, string>>;
  /** The operator component's config with the step's own settings merged over it. */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Serialisable identity of a submitted job; stored in the run record. */
export interface JobHandle {
  /** Bumped when the shape changes; handles of other versions are read by migration, not guessed at. */
  readonly version: 2;
  /** The operator flavor that made it. */
  readonly operator: string;
  /** The backend's own id: container id, training job name, custom job resource name... */
  readonly jobId: string;
  /** The operator's non-secret config when the job was submitted: enough to poll and cancel after a reload. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Backend-specific data needed to poll again after a restart (log group, staging folder...). */
  readonly details: Readonly<Record<string, string>>;
  /**
   * Where the job's output folders end up, when the platform lays them out itself (SageMaker
   * uploads /opt/ml/model under the job's name); absent: the JobSpec's `outputs`.
   */
  readonly outputs?: string;
}

/** One normalised state machine for all backends. */
export type JobState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelling' | 'cancelled';

/** Who is to act on a failure. */
export type FailureKind =
  | 'step' // the step's own code raised: the user's to fix
  | 'runtime' // the stepops runtime could not do its part (bad job file, unreadable input)
  | 'platform' // the backend failed (image pull, instance, internal error)
  | 'capacity' // no capacity for the instance type (or spot capacity lost)
  | 'quota' // an account limit
  | 'permission' // the job's identity may not do something it needs
  | 'timeout' // the job ran past its limit
  | 'abandoned'; // the process that started the run died before the job existed

export interface JobStatus {
  readonly state: JobState;
  /** The backend's own status text (e.g. SageMaker's "InProgress/Downloading"). */
  readonly backendStatus: string;
  /** The backend's finer stage when it has one ("Downloading", "QUEUED", "Preparing"). */
  readonly stage?: string;
  /** The backend's own message for the stage, verbatim. */
  readonly message?: string;
  /** ISO times the backend reports. */
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Where the job can be seen in the backend's console. */
  readonly consoleUrl?: string;
  /**
   * Set when the job started on infrastructure kept from an earlier one (a SageMaker warm pool, a
   * Vertex persistent resource), which is why it started in seconds: what it reused.
   */
  readonly warmStart?: string;
  /** Why the job failed, in the backend's words, when it did. */
  readonly failureReason?: string;
  readonly failureKind?: FailureKind;
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
  /** Which instance, worker or node wrote it ("algo-2", "workerpool0-1", "rank 3"); absent for one. */
  readonly source?: string;
}

export interface LogBatch {
  readonly lines: readonly LogLine[];
  /** Resume from here to receive exactly the lines after this batch. */
  readonly cursor: LogCursor;
}

export interface StepOperator {
  /** Returns once the backend accepted the job. Idempotent per run id: a retry returns the existing job. */
  submit(job: JobSpec, signal: AbortSignal): Promise<JobHandle>;
  /** The job of a run whose handle was never recorded (the process died after submitting). */
  find(runId: string): Promise<JobHandle | undefined>;
  status(handle: JobHandle): Promise<JobStatus>;
  /** Yields batches until the job ends or the signal aborts; resumes after `from` when given. */
  logs(handle: JobHandle, from?: LogCursor, signal?: AbortSignal): AsyncIterable<LogBatch>;
  cancel(handle: JobHandle): Promise<void>;
  /**
   * How often the runner asks for a running job's status (default 500 ms). A cloud's control
   * plane is asked less often: its read quota is shared by everything in the account or project.
   */
  readonly statusPollMs?: number;
}

/** What an operator factory may use besides the component's own config. */
export interface OperatorContext {
  /** This machine's Docker engine, connected on first use (local operators only). */
  readonly docker: () => Promise<DockerClient>;
  /** A secret field of the operator component (SecretStorage in the editor, the environment in the CLI). */
  readonly secret: SecretLookup;
  /** The run's artifact store (the stack's), where job files, inputs and outputs are staged. */
  readonly store: () => Promise<ArtifactStore>;
  /** A host folder operators that run on this machine stage files through. */
  readonly stagingRoot: string;
  /** Sign-ins the host holds (VS Code's accounts), tried before a cloud's own credential chain. */
  readonly signIns?: HostSignIns;
}

/** Builds an operator from its component's config; each backend declares its own in clouds/. */
export type OperatorFactory = (
  config: Readonly<Record<string, unknown>>,
  context: OperatorContext,
) => Promise<StepOperator>;

/** The runtime's arguments for local paths of the job file, the inputs and the outputs folder. */
export function runtimeArguments(paths: {
  readonly jobFile: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly outputs: string;
}): string[] {
  return [
    '--job',
    paths.jobFile,
    '--outputs',
    paths.outputs,
    ...Object.entries(paths.inputs).flatMap(([name, folder]) => ['--input', `${name}=${folder}`]),
  ];
}

/** `repository@sha256:...` when the registry gave a digest: a tag can move while a cloud job waits. */
export function pinnedImage(job: Pick<JobSpec, 'image' | 'imageDigest'>): string {
  if (!job.imageDigest) return job.image;
  const lastSlash = job.image.lastIndexOf('/');
  const tagColon = job.image.indexOf(':', lastSlash + 1);
  return `${tagColon === -1 ? job.image : job.image.slice(0, tagColon)}@${job.imageDigest}`;
}
