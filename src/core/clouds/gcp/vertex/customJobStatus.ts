// GetCustomJob as a JobStatus: Vertex's JobState is the stage (QUEUED, PENDING, RUNNING...),
// normalised to stepops' states; a failure's `error.message` is the reason, verbatim and alone
// (never the whole job proto), and its google.rpc code and wording say who is to act.
import type { google } from '@google-cloud/aiplatform/build/protos/protos';
import type { FailureKind, JobState, JobStatus } from '../../../operators/stepOperator';

type CustomJob = google.cloud.aiplatform.v1.ICustomJob;
type Timestamp = google.protobuf.ITimestamp;

/** google.cloud.aiplatform.v1.JobState in the enum's order (the client may hand the number). */
const JOB_STATES = [
  'JOB_STATE_UNSPECIFIED',
  'JOB_STATE_QUEUED',
  'JOB_STATE_PENDING',
  'JOB_STATE_RUNNING',
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLING',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_PAUSED',
  'JOB_STATE_EXPIRED',
  'JOB_STATE_UPDATING',
  'JOB_STATE_PARTIALLY_SUCCEEDED',
] as const satisfies readonly (keyof typeof google.cloud.aiplatform.v1.JobState)[];

type VertexState = (typeof JOB_STATES)[number];

const STATES: Record<VertexState, JobState> = {
  JOB_STATE_UNSPECIFIED: 'pending',
  JOB_STATE_QUEUED: 'pending',
  JOB_STATE_PENDING: 'pending',
  // A paused job holds no resources and runs nothing until it is resumed.
  JOB_STATE_PAUSED: 'pending',
  JOB_STATE_RUNNING: 'running',
  JOB_STATE_UPDATING: 'running',
  JOB_STATE_SUCCEEDED: 'succeeded',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_EXPIRED: 'failed',
  JOB_STATE_PARTIALLY_SUCCEEDED: 'failed',
  JOB_STATE_CANCELLING: 'cancelling',
  JOB_STATE_CANCELLED: 'cancelled',
};

/** google.rpc.Code numbers Vertex puts in a failed job's error. */
const RPC = { CANCELLED: 1, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8 };

export function jobStateName(state: CustomJob['state']): VertexState {
  if (typeof state === 'number') return JOB_STATES[state] ?? 'JOB_STATE_UNSPECIFIED';
  return (JOB_STATES as readonly string[]).includes(state ?? '') ? (state as VertexState) : 'JOB_STATE_UNSPECIFIED';
}

export function customJobStatus(
  job: CustomJob,
  where: { readonly project: string; readonly region: string },
): JobStatus {
  const backendStatus = jobStateName(job.state);
  const state = STATES[backendStatus];
  const reason = state === 'failed' ? failureReason(job, backendStatus) : undefined;
  const startedAt = isoTime(job.startTime);
  const endedAt = isoTime(job.endTime);
  // A job on a persistent resource starts on machines that are already up: say so, as for a warm pool.
  const persistent = job.jobSpec?.persistentResourceId;
  return {
    state,
    backendStatus,
    stage: backendStatus.replace(/^JOB_STATE_/, ''),
    ...(reason ? { message: reason } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(endedAt ? { endedAt } : {}),
    ...(job.name ? { consoleUrl: consoleUrl(where.project, where.region, customJobId(job.name)) } : {}),
    ...(persistent ? { warmStart: `the persistent resource ${persistent}` } : {}),
    ...(reason ? { failureReason: reason, failureKind: failureKindOf(job, backendStatus) } : {}),
  };
}

function failureReason(job: CustomJob, state: VertexState): string {
  const message = job.error?.message?.trim();
  if (message) return message;
  if (state === 'JOB_STATE_EXPIRED') return 'Vertex AI gave up on the job before it could run (EXPIRED).';
  if (state === 'JOB_STATE_PARTIALLY_SUCCEEDED') return 'Vertex AI reports that only part of the job succeeded.';
  return `Vertex AI reports the job ${state.replace(/^JOB_STATE_/, '').toLowerCase()} without saying why.`;
}

/** Who is to act, from the error's code and Vertex's own wording. */
function failureKindOf(job: CustomJob, state: VertexState): FailureKind {
  const code = job.error?.code ?? 0;
  const message = job.error?.message ?? '';
  if (state === 'JOB_STATE_EXPIRED') return 'capacity';
  if (/exited with a non-zero status|non-zero exit/i.test(message)) return 'step';
  if (code === RPC.DEADLINE_EXCEEDED || /timed? ?out|exceeded the maximum (allowed )?(time|duration)/i.test(message))
    return 'timeout';
  if (
    /preempt|stockout|not enough resources|insufficient (capacity|resources)|resources are insufficient/i.test(message)
  )
    return 'capacity';
  if (code === RPC.RESOURCE_EXHAUSTED || /quota/i.test(message)) return 'quota';
  if (code === RPC.PERMISSION_DENIED || /permission|not authorized|forbidden/i.test(message)) return 'permission';
  return 'platform';
}

/** The job id, the last part of projects/P/locations/L/customJobs/ID. */
export function customJobId(name: string): string {
  return name.split('/').pop() ?? name;
}

export function consoleUrl(project: string, region: string, jobId: string): string {
  return `https://console.cloud.google.com/vertex-ai/locations/${region}/training/${jobId}/cpu?project=${encodeURIComponent(project)}`;
}

/** A protobuf Timestamp (seconds may come as a string or a Long) as ISO 8601. */
export function isoTime(time: Timestamp | null | undefined): string | undefined {
  if (!time || time.seconds === undefined || time.seconds === null) return undefined;
  const ms = Number(String(time.seconds)) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;
}
