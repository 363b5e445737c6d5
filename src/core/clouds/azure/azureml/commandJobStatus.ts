// An Azure ML job as a JobStatus: the job resource's status is the state and, as Azure ML says
// it, the stage; the run history adds what the resource does not carry at api-version
// 2022-10-01: the start and end times and the error details, which are the failure reason
// verbatim. Studio's page for the job (properties.services.Studio.endpoint) is the console link.
import type { JobBase } from '@azure/arm-machinelearning';
import type { FailureKind, JobState, JobStatus } from '../../../operators/stepOperator';
import { firstLine } from '../../shared/networkErrors';
import type { RunDetails } from './runHistory';

/** Azure ML's job statuses (KnownJobStatus), each with the state it is and what it means. */
const STATUSES: Readonly<Record<string, { readonly state: JobState; readonly means: string }>> = {
  NotStarted: { state: 'pending', means: 'Azure ML accepted the job; it has not started yet.' },
  Starting: { state: 'pending', means: 'The job is starting.' },
  Provisioning: { state: 'pending', means: 'Azure ML is provisioning the compute target.' },
  Preparing: { state: 'pending', means: 'The job environment is being prepared (the image pulled).' },
  Queued: { state: 'pending', means: 'The job is queued on the compute target, waiting for nodes.' },
  Running: { state: 'running', means: 'The step is running.' },
  Finalizing: { state: 'running', means: 'The step has ended; Azure ML is collecting its outputs.' },
  CancelRequested: { state: 'cancelling', means: 'Cancellation was requested.' },
  Completed: { state: 'succeeded', means: 'The job completed.' },
  Failed: { state: 'failed', means: 'The job failed.' },
  Canceled: { state: 'cancelled', means: 'The job was canceled.' },
  // Azure ML heard nothing from the job for a while; it may come back to any earlier status.
  NotResponding: { state: 'running', means: 'Azure ML has not heard from the job lately (it may recover).' },
  Paused: { state: 'pending', means: 'The job is paused.' },
};

export function commandJobStatus(job: JobBase, details: RunDetails | undefined, lowPriority = false): JobStatus {
  const backendStatus = job.properties.status ?? details?.status ?? 'NotStarted';
  const known = STATUSES[backendStatus] ?? {
    state: 'pending' as const,
    means: `Azure ML reports the status ${backendStatus}.`,
  };
  const error = details?.error?.error;
  const reason = error?.message?.trim() || undefined;
  // Azure ML cancels a job that ran past limits.timeout, saying so: a timeout, not the user's cancel.
  // (A failed step whose own traceback mentions a timeout is the step's failure.)
  const timedOut =
    known.state === 'cancelled' && reason !== undefined && /time ?out|timed out|time limit/i.test(reason);
  const state: JobState = timedOut ? 'failed' : known.state;
  const failed = state === 'failed';
  const studio = job.properties.services?.Studio?.endpoint;
  const started = details?.startTimeUtc;
  const ended = details?.endTimeUtc;
  const exitCode = reason ? /exited with (?:status|exit) code (\d+)/i.exec(reason)?.[1] : undefined;
  return {
    state,
    backendStatus,
    stage: backendStatus,
    message: failed && reason ? firstLine(reason) : stageMessage(known.means, state, lowPriority),
    ...(started ? { startedAt: new Date(started).toISOString() } : {}),
    ...(ended ? { endedAt: new Date(ended).toISOString() } : {}),
    ...(studio ? { consoleUrl: studio } : {}),
    ...(failed
      ? {
          failureReason: reason ?? `Azure ML reports the job ${backendStatus} without error details.`,
          failureKind: timedOut ? 'timeout' : failureKindOf(error?.code, reason ?? ''),
        }
      : {}),
    ...(exitCode !== undefined ? { exitCode: Number(exitCode) } : {}),
  };
}

function stageMessage(means: string, state: JobState, lowPriority: boolean): string {
  return lowPriority && (state === 'pending' || state === 'running')
    ? `${means} On low-priority VMs, which Azure may take back.`
    : means;
}

/** Who is to act, from Azure ML's error code (UserError, SystemError...) and its words. */
function failureKindOf(code: string | undefined, reason: string): FailureKind {
  if (/quota/i.test(reason)) return 'quota';
  if (/preempt|low[- ]priority|capacity|insufficient|not enough (nodes|cores)/i.test(reason)) return 'capacity';
  if (/AuthorizationFailed|AuthorizationPermissionMismatch|not authori[sz]ed|permission|forbidden/i.test(reason)) {
    return 'permission';
  }
  if (code === 'UserError' && /user process .* exited/i.test(reason)) return 'step';
  return 'platform';
}
