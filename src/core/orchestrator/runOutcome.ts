// How a finished job becomes a run's outcome. The runtime's closing `STEPOPS_STATUS {json}` line
// says whether the step itself succeeded (exit codes are not uniform across clouds: SageMaker
// and Azure ML wrap them, Vertex reports only "failed"); the backend's status says whether the
// platform delivered (image pulled, outputs uploaded, no timeout).
import type { FailureKind, JobStatus } from '../operators/stepOperator';
import type { RunOutcome, RunRecord, RuntimeStatus } from '../runs/runRecord';

export type { RuntimeStatus };

/** The runtime's last stdout line (runtime/stepops_runtime/__main__.py). */
export const RUNTIME_STATUS_PREFIX = 'STEPOPS_STATUS ';

/** The status line's content, or undefined for any other line (or a damaged status line). */
export function parseRuntimeStatus(text: string): RuntimeStatus | undefined {
  if (!text.startsWith(RUNTIME_STATUS_PREFIX)) return undefined;
  try {
    const value = JSON.parse(text.slice(RUNTIME_STATUS_PREFIX.length)) as Partial<RuntimeStatus>;
    const known = ['succeeded', 'user_error', 'runtime_error', 'cancelled'];
    if (typeof value.status !== 'string' || !known.includes(value.status)) return undefined;
    return {
      status: value.status,
      ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
      ...(typeof value.step === 'string' ? { step: value.step } : {}),
    };
  } catch {
    return undefined;
  }
}

export interface Outcome {
  readonly state: RunOutcome;
  readonly failure?: NonNullable<RunRecord['failure']>;
}

export function decideOutcome(job: JobStatus, runtime: RuntimeStatus | undefined, cancelRequested: boolean): Outcome {
  if (job.state === 'cancelled' || cancelRequested || runtime?.status === 'cancelled') return { state: 'cancelled' };
  const failed = (kind: FailureKind, reason: string): Outcome => ({
    state: 'failed',
    failure: { stage: 'running', kind, reason },
  });
  if (runtime?.status === 'user_error') return failed('step', runtime.reason ?? 'The step raised an exception.');
  if (runtime?.status === 'runtime_error') {
    return failed('runtime', `The stepops runtime could not run the step: ${runtime.reason ?? 'see the log'}`);
  }
  if (job.state === 'succeeded') {
    if (runtime?.status === 'succeeded') return { state: 'succeeded' };
    return failed(
      'runtime',
      'The job ended without the stepops runtime reporting the step done (no STEPOPS_STATUS line in its log): the image may not run the stepops runtime, or the log was cut short.',
    );
  }
  // The step finished but the platform failed afterwards (outputs not uploaded), or it never ran.
  return failed(job.failureKind ?? 'platform', job.failureReason ?? job.message ?? job.backendStatus);
}
