// DescribeTrainingJob as a JobStatus: SageMaker's TrainingJobStatus is the state, its
// SecondaryStatus the stage (Starting, Downloading, Training, Uploading...), the latest
// SecondaryStatusTransitions message the message, FailureReason verbatim, and the billable time
// (with the spot saving) said when the job ends.
import type { DescribeTrainingJobResponse } from '@aws-sdk/client-sagemaker';
import type { FailureKind, JobState, JobStatus } from '../../../operators/stepOperator';

/** Stages before the step's own code runs: the job is accepted but not yet running. */
const WAITING_STAGES = new Set([
  'Starting',
  'Pending',
  'LaunchingMLInstances',
  'PreparingTrainingStack',
  'Downloading',
  'DownloadingTrainingImage',
]);

export function trainingJobStatus(job: DescribeTrainingJobResponse, region: string): JobStatus {
  const stage = job.SecondaryStatus;
  const transitions = job.SecondaryStatusTransitions ?? [];
  const message = transitions[transitions.length - 1]?.StatusMessage;
  const state = stateOf(job.TrainingJobStatus, stage);
  const ended = state === 'succeeded' || state === 'failed' || state === 'cancelled';
  const reason = state === 'failed' ? (job.FailureReason ?? failedStageReason(stage)) : undefined;
  return {
    state,
    backendStatus: [job.TrainingJobStatus, stage].filter(Boolean).join('/'),
    ...(stage ? { stage } : {}),
    ...(ended ? { message: billing(job) ?? message } : message ? { message } : {}),
    ...(job.TrainingStartTime ? { startedAt: job.TrainingStartTime.toISOString() } : {}),
    ...(job.TrainingEndTime ? { endedAt: job.TrainingEndTime.toISOString() } : {}),
    consoleUrl: consoleUrl(region, job.TrainingJobName ?? ''),
    ...(reason ? { failureReason: reason, failureKind: failureKindOf(reason, stage) } : {}),
  };
}

function stateOf(status: string | undefined, stage: string | undefined): JobState {
  switch (status) {
    case 'Completed':
      return 'succeeded';
    case 'Failed':
      return 'failed';
    case 'Stopping':
      return 'cancelling';
    case 'Stopped':
      // SageMaker stops a job that ran past MaxRuntimeInSeconds: that is a timeout, not a cancel.
      return stage === 'MaxRuntimeExceeded' || stage === 'MaxWaitTimeExceeded' ? 'failed' : 'cancelled';
    default:
      return stage && WAITING_STAGES.has(stage) ? 'pending' : 'running';
  }
}

function failedStageReason(stage: string | undefined): string {
  if (stage === 'MaxRuntimeExceeded') return 'The job ran past its MaxRuntimeInSeconds and SageMaker stopped it.';
  if (stage === 'MaxWaitTimeExceeded')
    return 'The spot job waited past its MaxWaitTimeInSeconds for capacity and SageMaker stopped it.';
  return `SageMaker reports the job failed (${stage ?? 'no stage'}).`;
}

/** Who is to act, read from SageMaker's own FailureReason wording. */
function failureKindOf(reason: string, stage: string | undefined): FailureKind {
  if (stage === 'MaxRuntimeExceeded' || stage === 'MaxWaitTimeExceeded') return 'timeout';
  if (/^AlgorithmError/.test(reason)) return 'step';
  if (/CapacityError|InsufficientInstanceCapacity|insufficient capacity/i.test(reason)) return 'capacity';
  if (/ResourceLimitExceeded|quota|limit exceeded/i.test(reason)) return 'quota';
  if (/AccessDenied|not authorized|permission/i.test(reason)) return 'permission';
  return 'platform';
}

/** "Billable 312 s of 480 s trained (spot saved 35 %)" once the job has ended. */
function billing(job: DescribeTrainingJobResponse): string | undefined {
  const billable = job.BillableTimeInSeconds;
  const trained = job.TrainingTimeInSeconds;
  if (billable === undefined || trained === undefined) return undefined;
  const saving = job.EnableManagedSpotTraining && trained > 0 ? Math.round((1 - billable / trained) * 100) : undefined;
  return `Billable ${billable} s of ${trained} s trained${saving !== undefined ? ` (spot saved ${saving} %)` : ''}.`;
}

export function consoleUrl(region: string, jobName: string): string {
  return `https://${region}.console.aws.amazon.com/sagemaker/home?region=${region}#/jobs/${encodeURIComponent(jobName)}`;
}
