// Whether a training job started on a warm pool another job left behind. SageMaker says so on the
// donor, not on the job itself: the donor's WarmPoolStatus turns Reused with ReusedByJob naming
// the new job. So once the job is past Starting (where the pool is matched), one ListTrainingJobs
// filtered on Reused pools, newest first, tells. It is asked once per job and is only a hint: a
// refused or failed listing (no sagemaker:ListTrainingJobs) leaves the job's status as it was.
import type { DescribeTrainingJobResponse, SageMakerClient } from '@aws-sdk/client-sagemaker';

/** Pools are kept an hour at most, so the donor is among the newest jobs with a reused pool. */
const RECENT_REUSED_POOLS = 50;

export class WarmPoolReuse {
  /** Per job: the donor's name, or null once asked and none was found. */
  private readonly donors = new Map<string, string | null>();

  constructor(private readonly client: SageMakerClient) {}

  /** "the warm pool of JOB" when the job reused one; undefined while unknown or when it did not. */
  async warmStart(job: DescribeTrainingJobResponse): Promise<string | undefined> {
    const name = job.TrainingJobName;
    if (!name || !(job.ResourceConfig?.KeepAlivePeriodInSeconds ?? 0)) return undefined;
    if (!this.donors.has(name)) {
      if (job.SecondaryStatus === 'Starting' || job.SecondaryStatus === undefined) return undefined;
      this.donors.set(name, (await this.donorOf(name)) ?? null);
    }
    const donor = this.donors.get(name);
    return donor ? `the warm pool of ${donor}` : undefined;
  }

  private async donorOf(jobName: string): Promise<string | undefined> {
    const { ListTrainingJobsCommand } = await import('@aws-sdk/client-sagemaker');
    try {
      const page = await this.client.send(
        new ListTrainingJobsCommand({
          WarmPoolStatusEquals: 'Reused',
          SortBy: 'CreationTime',
          SortOrder: 'Descending',
          MaxResults: RECENT_REUSED_POOLS,
        }),
      );
      return page.TrainingJobSummaries?.find((s) => s.WarmPoolStatus?.ReusedByJob === jobName)?.TrainingJobName;
    } catch {
      return undefined;
    }
  }
}
