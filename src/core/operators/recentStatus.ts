// The latest status an operator read for each of its jobs. The runner's status watch asks every
// few hundred milliseconds while a log tail asks "has the job ended?" once a round; a status
// read within the freshness window answers the tail, so following a job costs one status read
// per poll, not two.
import { type JobStatus, isTerminal } from './stepOperator';

export class RecentStatuses {
  private readonly latest = new Map<string, { readonly at: number; readonly status: JobStatus }>();

  constructor(private readonly freshMs: number) {}

  /** Keeps `status` as the job's latest and returns it. */
  remember(jobId: string, status: JobStatus): JobStatus {
    this.latest.set(jobId, { at: Date.now(), status });
    return status;
  }

  /** Whether the job has ended: from a fresh status when there is one, else from `read()`. */
  async ended(jobId: string, read: () => Promise<JobStatus>): Promise<boolean> {
    const recent = this.latest.get(jobId);
    const status = recent && Date.now() - recent.at < this.freshMs ? recent.status : await read();
    return isTerminal(status.state);
  }
}
