// The SageMaker step operator: each step a training job on the instance it asks for. Submit is
// idempotent (the job's name derives from the run id; an existing job is returned, a
// ResourceInUse answer means another attempt made it first), status comes from
// DescribeTrainingJob with SageMaker's own stages and words, logs are tailed from CloudWatch, and
// cancel is StopTrainingJob. The SDKs load on first use and take credentials from the AWS chain
// (environment, shared config and credentials files with the component's profile, SSO,
// credential_process, container and instance roles) and endpoints from its settings
// (AWS_ENDPOINT_URL_SAGEMAKER, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS).
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DescribeTrainingJobResponse, SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  type JobHandle,
  type JobSpec,
  type JobStatus,
  type LogBatch,
  type LogCursor,
  type StepOperator,
} from '../../../operators/stepOperator';
import { RecentStatuses } from '../../../operators/recentStatus';
import { explainAwsError } from '../errors';
import { sagemakerJobSettings } from './sagemakerSettings';
import { trainingJobName } from './trainingJobName';
import { modelOutputsUri, trainingJobRequest } from './trainingJobRequest';
import { trainingJobStatus } from './trainingJobStatus';
import { tailTrainingLogs } from './trainingLogTail';
import { WarmPoolReuse } from './warmPoolReuse';

export const SAGEMAKER_FLAVOR = 'sagemaker';

export interface SageMakerClients {
  readonly sagemaker: SageMakerClient;
  readonly logs: CloudWatchLogsClient;
  readonly region: string;
  readonly profile?: string;
}

export async function connectSageMaker(config: Readonly<Record<string, unknown>>): Promise<SageMakerClients> {
  const region = typeof config.region === 'string' ? config.region : '';
  if (!region) throw new Error('The SageMaker operator has no region: set its "region".');
  const profile = typeof config.profile === 'string' && config.profile ? { profile: config.profile } : {};
  const [{ SageMakerClient }, { CloudWatchLogsClient }] = await Promise.all([
    import('@aws-sdk/client-sagemaker'),
    import('@aws-sdk/client-cloudwatch-logs'),
  ]);
  return {
    sagemaker: new SageMakerClient({ region, ...profile }),
    logs: new CloudWatchLogsClient({ region, ...profile }),
    region,
    ...profile,
  };
}

/**
 * The log tail's pause while a job is printing: a round a second is one DescribeLogStreams a
 * second, a fifth of the 5 per second (account and region) the API reference gives it.
 */
const BUSY_LOG_POLL_MS = 1000;

export class SageMakerOperator implements StepOperator {
  /** The latest status per job, so the log tail's "has it ended?" costs no second DescribeTrainingJob. */
  private readonly recent: RecentStatuses;
  private readonly warmPools: WarmPoolReuse;

  constructor(
    private readonly clients: SageMakerClients,
    /** The component's non-secret config, kept in each handle for reattach. */
    private readonly config: Readonly<Record<string, unknown>>,
    private readonly pollMs = 2000,
  ) {
    this.warmPools = new WarmPoolReuse(clients.sagemaker);
    this.recent = new RecentStatuses(pollMs);
  }

  get statusPollMs(): number {
    return this.pollMs;
  }

  async submit(job: JobSpec, signal: AbortSignal): Promise<JobHandle> {
    const name = trainingJobName(job.runId);
    const existing = await this.describe(name);
    if (existing) return this.handleFor(existing);
    const settings = sagemakerJobSettings(job.settings);
    const request = trainingJobRequest(job, name, settings);
    const { CreateTrainingJobCommand } = await import('@aws-sdk/client-sagemaker');
    signal.throwIfAborted();
    try {
      await this.clients.sagemaker.send(new CreateTrainingJobCommand(request), { abortSignal: signal });
    } catch (error) {
      // Another attempt (a retry after a lost answer, another process) made it first: that is the job.
      const raced = (error as Error).name === 'ResourceInUse' ? await this.describe(name) : undefined;
      if (raced) return this.handleFor(raced);
      throw new Error(explainSubmitError(error as Error, this.clients, settings.role));
    }
    return this.handleFor(request);
  }

  async find(runId: string): Promise<JobHandle | undefined> {
    const found = await this.describe(trainingJobName(runId));
    return found ? this.handleFor(found) : undefined;
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    return this.recent.remember(handle.jobId, await this.describeStatus(handle));
  }

  private async describeStatus(handle: JobHandle): Promise<JobStatus> {
    const job = await this.describe(handle.jobId);
    if (!job) {
      return {
        state: 'failed',
        backendStatus: 'missing',
        failureKind: 'platform',
        failureReason: `SageMaker has no training job ${handle.jobId} in ${this.clients.region}.`,
      };
    }
    const warmStart = await this.warmPools.warmStart(job);
    return { ...trainingJobStatus(job, this.clients.region), ...(warmStart ? { warmStart } : {}) };
  }

  logs(handle: JobHandle, from?: LogCursor, signal?: AbortSignal): AsyncIterable<LogBatch> {
    return tailTrainingLogs(this.clients.logs, from, {
      jobName: handle.jobId,
      multiInstance: Number(handle.details.instanceCount ?? 1) > 1,
      jobEnded: () => this.recent.ended(handle.jobId, () => this.status(handle)),
      pollMs: this.pollMs,
      busyPollMs: Math.min(this.pollMs, BUSY_LOG_POLL_MS),
      ...(signal ? { signal } : {}),
    });
  }

  async cancel(handle: JobHandle): Promise<void> {
    const { StopTrainingJobCommand } = await import('@aws-sdk/client-sagemaker');
    try {
      await this.clients.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: handle.jobId }));
    } catch (error) {
      // A job that already ended (or is already stopping) cannot be stopped again: nothing to do.
      const job = await this.describe(handle.jobId);
      if (job && job.TrainingJobStatus !== 'InProgress') return;
      throw new Error(
        explainAwsError(error as Error, {
          service: 'SageMaker',
          action: 'sagemaker:StopTrainingJob',
          region: this.clients.region,
        }),
      );
    }
  }

  private async describe(name: string): Promise<DescribeTrainingJobResponse | undefined> {
    const { DescribeTrainingJobCommand } = await import('@aws-sdk/client-sagemaker');
    try {
      return await this.clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    } catch (error) {
      // SageMaker answers an unknown name with a ValidationException "Requested resource not found".
      if ((error as Error).name === 'ValidationException' && /not found/i.test((error as Error).message))
        return undefined;
      if ((error as Error).name === 'ResourceNotFound') return undefined;
      throw new Error(
        explainAwsError(error as Error, {
          service: 'SageMaker',
          action: 'sagemaker:DescribeTrainingJob',
          region: this.clients.region,
        }),
      );
    }
  }

  private handleFor(
    job: Pick<DescribeTrainingJobResponse, 'TrainingJobName' | 'OutputDataConfig' | 'ResourceConfig'>,
  ): JobHandle {
    const name = job.TrainingJobName!;
    const outputPath = job.OutputDataConfig?.S3OutputPath;
    return {
      version: 2,
      operator: SAGEMAKER_FLAVOR,
      jobId: name,
      config: this.config,
      details: { region: this.clients.region, instanceCount: String(job.ResourceConfig?.InstanceCount ?? 1) },
      ...(outputPath ? { outputs: modelOutputsUri(outputPath, name) } : {}),
    };
  }
}

function explainSubmitError(error: Error, clients: SageMakerClients, role: string): string {
  const { region } = clients;
  switch (error.name) {
    case 'ValidationException':
      return `SageMaker refused the training job: ${error.message}`;
    case 'ResourceLimitExceeded':
      return `SageMaker refused the training job: an account quota is reached (${error.message}). Request a quota increase for the instance type in ${region}, or choose another one.`;
    case 'AccessDeniedException':
      return `Permission denied: the identity may not create training jobs in ${region}, or may not pass the role ${role} (it needs sagemaker:CreateTrainingJob and iam:PassRole). ${error.message}`;
    default:
      return explainAwsError(error, {
        service: 'SageMaker',
        action: 'sagemaker:CreateTrainingJob',
        region,
        ...(clients.profile ? { profile: clients.profile } : {}),
      });
  }
}
