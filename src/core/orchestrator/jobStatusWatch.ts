// Polls a job's status while it runs and reports each change (state, stage, message, console
// link), so that users see "Downloading" or "QUEUED" rather than "running" for minutes. Reading
// the status may fail now and then (a dropped connection, throttling): a few failures in a row
// are waited out with growing pauses before the watch gives up.
import { Backoff, sleep } from '../operators/polling';
import { type JobHandle, type JobStatus, type StepOperator, isTerminal } from '../operators/stepOperator';

export interface StatusWatchOptions {
  readonly pollMs: number;
  readonly signal: AbortSignal;
  readonly onChange: (status: JobStatus) => Promise<void> | void;
  /** Consecutive failed reads tolerated before giving up. */
  readonly maxFailures?: number;
}

/** Resolves with the terminal status, or undefined when the signal stops the watch first. */
export async function watchJobStatus(
  operator: StepOperator,
  handle: JobHandle,
  options: StatusWatchOptions,
): Promise<JobStatus | undefined> {
  let last: JobStatus | undefined;
  let failures = 0;
  const backoff = new Backoff(options.pollMs);
  while (!options.signal.aborted) {
    let status: JobStatus;
    try {
      status = await operator.status(handle);
      failures = 0;
      backoff.reset();
    } catch (error) {
      failures += 1;
      if (failures > (options.maxFailures ?? 5)) throw error;
      await sleep(backoff.next(), options.signal);
      continue;
    }
    if (!last || changed(last, status)) {
      last = status;
      await options.onChange(status);
    }
    if (isTerminal(status.state)) return status;
    await sleep(options.pollMs, options.signal);
  }
  return undefined;
}

function changed(a: JobStatus, b: JobStatus): boolean {
  return (
    a.state !== b.state ||
    a.stage !== b.stage ||
    a.message !== b.message ||
    a.consoleUrl !== b.consoleUrl ||
    a.warmStart !== b.warmStart
  );
}
