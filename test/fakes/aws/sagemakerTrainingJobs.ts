// The SageMaker emulator's training job records: the request as accepted, the primary and
// secondary statuses with their transitions (worded as the service words them), the times the
// service reports, and the DescribeTrainingJob and ListTrainingJobs shapes rendered from them.
// Names are unique per account and region for good (a job is never deleted), compared without
// case as the service's lower-cased ARNs imply.
import { type WarmPool, warmPoolStatus } from './sagemakerWarmPools';

export type TrainingJobStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

export type SecondaryStatus =
  | 'Starting'
  | 'Downloading'
  | 'Training'
  | 'Uploading'
  | 'Completed'
  | 'Failed'
  | 'Stopping'
  | 'Stopped'
  | 'MaxRuntimeExceeded'
  | 'Interrupted'
  | 'MaxWaitTimeExceeded';

/** What the service says in SecondaryStatusTransitions[].StatusMessage. */
export const STATUS_MESSAGES = {
  starting: 'Starting the training job',
  launching: 'Launching requested ML instances',
  preparing: 'Preparing the instances for training',
  downloadingData: 'Downloading input data',
  downloadingImage: 'Downloading the training image',
  training: 'Training image download completed. Training in progress.',
  uploading: 'Uploading generated training model',
  completed: 'Training job completed',
  failed: 'Training job failed',
  stopping: 'Stopping the training job',
  stopped: 'Training job stopped',
  maxRuntimeExceeded: 'Training job runtime exceeded MaxRuntimeInSeconds provided',
} as const;

interface Transition {
  readonly status: SecondaryStatus;
  readonly startTime: number;
  endTime?: number;
  message: string;
}

/** The members of a CreateTrainingJob request the emulator reads (the model has checked their types). */
export interface TrainingJobRequest {
  readonly TrainingJobName: string;
  readonly RoleArn: string;
  readonly AlgorithmSpecification: {
    readonly TrainingImage?: string;
    readonly AlgorithmName?: string;
    readonly TrainingInputMode: string;
    readonly ContainerEntrypoint?: readonly string[];
    readonly ContainerArguments?: readonly string[];
  };
  readonly HyperParameters?: Readonly<Record<string, string>>;
  readonly InputDataConfig?: readonly TrainingChannel[];
  readonly OutputDataConfig: { readonly S3OutputPath: string; readonly CompressionType?: 'GZIP' | 'NONE' };
  readonly ResourceConfig: {
    readonly InstanceType?: string;
    readonly InstanceCount?: number;
    readonly VolumeSizeInGB: number;
    readonly InstanceGroups?: readonly unknown[];
    readonly KeepAlivePeriodInSeconds?: number;
  };
  readonly StoppingCondition?: { readonly MaxRuntimeInSeconds?: number; readonly MaxWaitTimeInSeconds?: number };
  readonly EnableManagedSpotTraining?: boolean;
  readonly EnableNetworkIsolation?: boolean;
  readonly Environment?: Readonly<Record<string, string>>;
  readonly CheckpointConfig?: { readonly S3Uri: string; readonly LocalPath?: string };
  readonly Tags?: readonly { readonly Key: string; readonly Value: string }[];
}

export interface TrainingChannel {
  readonly ChannelName: string;
  readonly DataSource: {
    readonly S3DataSource?: {
      readonly S3DataType: string;
      readonly S3Uri: string;
      readonly S3DataDistributionType?: 'FullyReplicated' | 'ShardedByS3Key';
    };
    readonly FileSystemDataSource?: unknown;
  };
  readonly ContentType?: string;
  readonly CompressionType?: string;
  readonly RecordWrapperType?: string;
  readonly InputMode?: string;
}

/** SageMaker's default when a request sets no MaxRuntimeInSeconds: one day. */
export const DEFAULT_MAX_RUNTIME_SECONDS = 86_400;

export class TrainingJob {
  status: TrainingJobStatus = 'InProgress';
  failureReason: string | undefined;
  modelArtifacts: string | undefined;
  trainingStartTime: number | undefined;
  trainingEndTime: number | undefined;
  lastModifiedTime: number;
  billableSeconds: number | undefined;
  /** The job's warm pool, when it asked for a keep-alive period (see sagemakerWarmPools.ts). */
  warmPool: WarmPool | undefined;
  /** Set by StopTrainingJob (or the runtime limit); the runner winds the job down when it fires. */
  readonly stop = new AbortController();
  private readonly transitions: Transition[] = [];

  constructor(
    readonly request: TrainingJobRequest,
    readonly arn: string,
    readonly creationTime: number = Date.now(),
  ) {
    this.lastModifiedTime = creationTime;
    this.enter('Starting', STATUS_MESSAGES.starting, creationTime);
  }

  get name(): string {
    return this.request.TrainingJobName;
  }

  get secondaryStatus(): SecondaryStatus {
    return this.transitions.at(-1)!.status;
  }

  get ended(): boolean {
    return this.status === 'Completed' || this.status === 'Failed' || this.status === 'Stopped';
  }

  /** Statuses seen so far, in order (for tests and logs). */
  get secondaryStatuses(): SecondaryStatus[] {
    return this.transitions.map((t) => t.status);
  }

  /** Moves to a new secondary status, closing the current one. */
  enter(status: SecondaryStatus, message: string, now = Date.now()): void {
    const current = this.transitions.at(-1);
    if (current) current.endTime = now;
    this.transitions.push({ status, startTime: now, message });
    this.lastModifiedTime = now;
  }

  /** A new message within the current secondary status, as the service updates its StatusMessage. */
  say(message: string, now = Date.now()): void {
    this.transitions.at(-1)!.message = message;
    this.lastModifiedTime = now;
  }

  /** Ends the job: the final secondary status opens and closes at once, as the service reports it. */
  finish(status: 'Completed' | 'Failed' | 'Stopped', secondary: SecondaryStatus, message: string): void {
    const now = Date.now();
    this.status = status;
    this.enter(secondary, message, now);
    this.transitions.at(-1)!.endTime = now;
    if (this.trainingStartTime !== undefined) this.trainingEndTime = now;
    if (this.trainingSeconds !== undefined) this.billableSeconds = billable(this.trainingSeconds, this.request);
  }

  get trainingSeconds(): number | undefined {
    if (this.trainingStartTime === undefined || this.trainingEndTime === undefined) return undefined;
    return Math.max(1, Math.round((this.trainingEndTime - this.trainingStartTime) / 1000));
  }

  describe(): Record<string, unknown> {
    // Everything the request set is echoed, but its Tags (ListTags tells those).
    const echoed: Record<string, unknown> = { ...this.request };
    delete echoed.Tags;
    return dropUndefined({
      ...echoed,
      TrainingJobArn: this.arn,
      InputDataConfig: this.request.InputDataConfig?.map(withChannelDefaults),
      StoppingCondition: {
        MaxRuntimeInSeconds: DEFAULT_MAX_RUNTIME_SECONDS,
        ...this.request.StoppingCondition,
      },
      EnableNetworkIsolation: this.request.EnableNetworkIsolation ?? false,
      EnableInterContainerTrafficEncryption: false,
      EnableManagedSpotTraining: this.request.EnableManagedSpotTraining ?? false,
      TrainingJobStatus: this.status,
      SecondaryStatus: this.secondaryStatus,
      FailureReason: this.failureReason,
      ModelArtifacts: this.modelArtifacts === undefined ? undefined : { S3ModelArtifacts: this.modelArtifacts },
      CreationTime: seconds(this.creationTime),
      TrainingStartTime: seconds(this.trainingStartTime),
      TrainingEndTime: seconds(this.trainingEndTime),
      LastModifiedTime: seconds(this.lastModifiedTime),
      SecondaryStatusTransitions: this.transitions.map((t) =>
        dropUndefined({
          Status: t.status,
          StartTime: seconds(t.startTime),
          EndTime: seconds(t.endTime),
          StatusMessage: t.message,
        }),
      ),
      TrainingTimeInSeconds: this.trainingSeconds,
      BillableTimeInSeconds: this.billableSeconds,
      WarmPoolStatus: this.warmPool ? warmPoolStatus(this.warmPool) : undefined,
    });
  }

  summary(): Record<string, unknown> {
    return dropUndefined({
      TrainingJobName: this.name,
      TrainingJobArn: this.arn,
      CreationTime: seconds(this.creationTime),
      TrainingEndTime: seconds(this.trainingEndTime),
      LastModifiedTime: seconds(this.lastModifiedTime),
      TrainingJobStatus: this.status,
      SecondaryStatus: this.secondaryStatus,
      WarmPoolStatus: this.warmPool ? warmPoolStatus(this.warmPool) : undefined,
    });
  }
}

/** How much cheaper managed spot training bills than on-demand in the emulator (the service: "up to 90%"). */
export const SPOT_SAVINGS = 0.7;

function billable(trainingSeconds: number, request: TrainingJobRequest): number {
  if (!request.EnableManagedSpotTraining) return trainingSeconds;
  return Math.max(1, Math.round(trainingSeconds * (1 - SPOT_SAVINGS)));
}

function withChannelDefaults(channel: TrainingChannel): TrainingChannel {
  const s3 = channel.DataSource.S3DataSource;
  if (!s3) return channel;
  return {
    ...channel,
    DataSource: {
      ...channel.DataSource,
      S3DataSource: { S3DataDistributionType: 'FullyReplicated', ...s3 },
    },
  };
}

/** awsJson timestamps: epoch seconds, fractions allowed. */
const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** arn:aws:sagemaker:REGION:ACCOUNT:training-job/NAME, the name lower-cased as the service writes it. */
export function trainingJobArn(region: string, accountId: string, name: string): string {
  return `arn:aws:sagemaker:${region}:${accountId}:training-job/${name.toLowerCase()}`;
}

/** All the jobs of the emulator's one account and region, oldest first. */
export class TrainingJobStore {
  private readonly jobs = new Map<string, TrainingJob>();

  get(name: string): TrainingJob | undefined {
    return this.jobs.get(name.toLowerCase());
  }

  add(job: TrainingJob): void {
    this.jobs.set(job.name.toLowerCase(), job);
  }

  all(): TrainingJob[] {
    return [...this.jobs.values()];
  }
}
