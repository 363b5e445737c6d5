// SageMaker managed warm pools in the emulator. A job that asks for KeepAlivePeriodInSeconds keeps
// its cluster after it completes: the pool is Available for that long, then Terminated. A later
// job that also asks for a keep-alive period and matches the pool's cluster (role, instance type
// and count, volume size, VPC) takes it over: the old job's pool turns Reused (ReusedByJob names
// the new job) and the new job skips the provisioning part of Starting. While a job with a
// keep-alive period runs, its pool is InUse. These are the states WarmPoolStatus documents.
import type { TrainingJob, TrainingJobRequest } from './sagemakerTrainingJobs';

export type WarmPoolState = 'Available' | 'Terminated' | 'Reused' | 'InUse';

export interface WarmPool {
  status: WarmPoolState;
  /** When the pool began to be retained (the job completed): billable from then. */
  retainedSince?: number;
  retainedUntil?: number;
  reusedByJob?: string;
}

/** What DescribeTrainingJob and ListTrainingJobs say of a job's pool. */
export function warmPoolStatus(pool: WarmPool, now = Date.now()): Record<string, unknown> {
  const retainedEnd = Math.min(now, pool.retainedUntil ?? now);
  return {
    Status: pool.status,
    ...(pool.retainedSince !== undefined
      ? { ResourceRetainedBillableTimeInSeconds: Math.max(0, Math.round((retainedEnd - pool.retainedSince) / 1000)) }
      : {}),
    ...(pool.reusedByJob ? { ReusedByJob: pool.reusedByJob } : {}),
  };
}

const keepAlive = (request: TrainingJobRequest): number => request.ResourceConfig.KeepAlivePeriodInSeconds ?? 0;

/** The cluster a pool holds: what a later job must ask for to reuse it. */
function clusterOf(request: TrainingJobRequest): string {
  const { InstanceType, InstanceCount, VolumeSizeInGB } = request.ResourceConfig;
  const vpc = (request as { VpcConfig?: unknown }).VpcConfig ?? null;
  return JSON.stringify([request.RoleArn, InstanceType, InstanceCount ?? 1, VolumeSizeInGB, vpc]);
}

export class WarmPools {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** A job with a keep-alive period begins: its pool is in use; answers whether it took over another's. */
  claim(job: TrainingJob, jobs: readonly TrainingJob[]): boolean {
    if (keepAlive(job.request) <= 0) return false;
    const wanted = clusterOf(job.request);
    const donor = jobs.find((j) => j !== job && j.warmPool?.status === 'Available' && clusterOf(j.request) === wanted);
    job.warmPool = { status: 'InUse' };
    if (!donor) return false;
    donor.warmPool = { ...donor.warmPool!, status: 'Reused', reusedByJob: job.name, retainedUntil: Date.now() };
    return true;
  }

  /** The job ended: a completed one keeps its pool for its keep-alive period; any other lets it go. */
  release(job: TrainingJob): void {
    if (!job.warmPool) return;
    if (job.status !== 'Completed') {
      job.warmPool = { status: 'Terminated' };
      return;
    }
    const now = Date.now();
    const seconds = keepAlive(job.request);
    job.warmPool = { status: 'Available', retainedSince: now, retainedUntil: now + seconds * 1000 };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (job.warmPool?.status === 'Available') job.warmPool = { ...job.warmPool, status: 'Terminated' };
    }, seconds * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
