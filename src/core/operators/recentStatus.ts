// The latest status an operator read for each of its jobs. The runner's status watch asks once
// per poll interval (the operator's statusPollMs) while a log tail asks "has the job ended?" once
// a round; a status read within two intervals answers the tail (one, and a watch read that took
// its time, would now and then miss), so following a job costs one status read per poll, not two.
import { type JobStatus, isTerminal } from './stepOperator';

export class RecentStatuses {
  private readonly latest = new Map<string, { readonly at: number; readonly status: JobStatus }>();

  /** `pollMs`: how often the runner's watch reads the status. */
  constructor(private readonly pollMs: number) {}

  /** Keeps `status` as the job's latest and returns it. */
  remember(jobId: string, status: JobStatus): JobStatus {
    this.latest.set(jobId, { at: Date.now(), status });
    return status;
  }

  /** The job's latest status read, however old. */
  last(jobId: string): JobStatus | undefined {
    return this.latest.get(jobId)?.status;
  }

  /** Whether the job has ended: from a fresh status when there is one, else from `read()`. */
  async ended(jobId: string, read: () => Promise<JobStatus>): Promise<boolean> {
    const recent = this.latest.get(jobId);
    const status = recent && Date.now() - recent.at < 2 * this.pollMs ? recent.status : await read();
    return isTerminal(status.state);
  }
}
