// A strict stand-in for SageMaker's training jobs, on the shared AWS fake (protocol, SigV4,
// permissions): CreateTrainingJob refused as SageMaker refuses it (sagemakerCreateRules.ts, the
// training image checked in its registry), jobs that run for real on the local Docker engine
// (sagemakerJobRunner.ts) with the S3 fake's data and the CloudWatch Logs fake's log streams,
// DescribeTrainingJob and ListTrainingJobs in the service's shapes, and StopTrainingJob. Every
// request is first validated against AWS's SageMaker model (aws/serviceModel.ts).
// Without `training` options it still lists (and describes) jobs, but refuses to create one.
import {
  type AwsReply,
  type FakeAccount,
  type FakeAwsService,
  awsError,
  startFakeAwsJsonService,
} from './awsJsonService';
import type { S3Objects } from './aws/sagemakerArtifacts';
import { loadServiceModel } from './aws/serviceModel';
import { refuseCreate, refuseReusedName } from './aws/sagemakerCreateRules';
import { type TrainingRegistry, refuseImage } from './aws/sagemakerImages';
import type { TrainingLogSink } from './aws/sagemakerInstances';
import { WarmPools } from './aws/sagemakerWarmPools';
import { FAST_TIMINGS, TrainingJobRunner, type TrainingTimings, beginStopping } from './aws/sagemakerJobRunner';
import { listTrainingJobs } from './aws/sagemakerListing';
import { TrainingJob, type TrainingJobRequest, TrainingJobStore, trainingJobArn } from './aws/sagemakerTrainingJobs';
import type { FakeListen } from './loopbackServer';
import { engineRuntime } from './shared/engineRuntime';

export type { FakeAccount } from './awsJsonService';

export interface SageMakerAccount extends FakeAccount {
  /** Role ARNs this identity may pass to SageMaker (iam:PassRole); '*': any. */
  readonly passRoles?: readonly string[];
}

export interface SageMakerTrainingOptions {
  /** The account the jobs (and their ARNs) belong to. */
  readonly accountId: string;
  /** Execution roles that exist and trust sagemaker.amazonaws.com. */
  readonly roles: readonly string[];
  /** The S3 fake's buckets (as given to startFakeS3) and its objects. */
  readonly s3: { readonly buckets: Readonly<Record<string, { readonly region: string }>>; readonly objects: S3Objects };
  /** Registries training images may come from. */
  readonly registries: readonly TrainingRegistry[];
  /** Where the containers' log lines go: the CloudWatch Logs fake. */
  readonly logs?: TrainingLogSink;
  readonly timings?: Partial<TrainingTimings>;
  readonly networkMode?: 'host' | 'none';
  readonly workRoot?: string;
}

export interface FakeSageMakerOptions extends FakeListen {
  readonly training?: SageMakerTrainingOptions;
}

export interface FakeSageMaker extends FakeAwsService {
  /** Every job created, by name (lower case). */
  readonly jobs: TrainingJobStore;
  /** Failures of the emulator itself while it ran a job (not the algorithms' failures). */
  readonly internalErrors: unknown[];
}

const notFound = (): AwsReply => awsError(400, 'ValidationException', 'Requested resource not found.');

export async function startFakeSageMaker(
  region: string,
  accounts: readonly SageMakerAccount[],
  options: FakeSageMakerOptions = {},
): Promise<FakeSageMaker> {
  const { training } = options;
  const store = new TrainingJobStore();
  const internalErrors: unknown[] = [];
  const pageTokens = new Map<string, number>();
  const warmPools = new WarmPools();
  const runner = training
    ? new TrainingJobRunner({
        ...engineRuntime<TrainingJob>(training, internalErrors),
        objects: training.s3.objects,
        ...(training.logs ? { logs: training.logs } : {}),
        timings: { ...FAST_TIMINGS, ...training.timings },
        warmPools: { pools: warmPools, jobs: () => store.all() },
      })
    : undefined;

  const create = async (input: Record<string, unknown>, account: FakeAccount): Promise<AwsReply> => {
    if (!training || !runner) {
      return awsError(
        400,
        'ValidationException',
        'This SageMaker fake was started without training options (S3, roles, registries): it cannot run jobs.',
      );
    }
    const request = input as unknown as TrainingJobRequest;
    const caller = accounts.find((a) => a.accessKeyId === account.accessKeyId);
    const refusal =
      refuseCreate(request, {
        region,
        accountId: training.accountId,
        store,
        roles: training.roles,
        caller: { accessKeyId: account.accessKeyId, passRoles: caller?.passRoles ?? [] },
        buckets: training.s3.buckets,
        objects: training.s3.objects,
      }) ??
      (await refuseImage(request.AlgorithmSpecification.TrainingImage!, training.registries, {
        accountId: training.accountId,
        roleArn: request.RoleArn,
      }));
    if (refusal) return refusal;
    // Another request may have taken the name while the registry answered.
    const raced = refuseReusedName(request, store);
    if (raced) return raced;
    const job = new TrainingJob(request, trainingJobArn(region, training.accountId, request.TrainingJobName));
    store.add(job);
    runner.start(job);
    return [200, { TrainingJobArn: job.arn }];
  };

  const withJob = (input: Record<string, unknown>, answer: (job: TrainingJob) => AwsReply): AwsReply => {
    const job = store.get(String(input.TrainingJobName ?? ''));
    return job ? answer(job) : notFound();
  };

  const service = await startFakeAwsJsonService({
    service: 'sagemaker',
    targetPrefix: 'SageMaker',
    region,
    accounts,
    listen: { ...(options.port !== undefined ? { port: options.port } : {}) },
    model: loadServiceModel('sagemaker'),
    operations: {
      CreateTrainingJob: create,
      DescribeTrainingJob: (input) => withJob(input, (job) => [200, job.describe()]),
      StopTrainingJob: (input) =>
        withJob(input, (job) => {
          if (job.ended) {
            return awsError(
              400,
              'ValidationException',
              `The request was rejected because the training job is in status ${job.status}.`,
            );
          }
          if (job.status !== 'Stopping') {
            beginStopping(job);
            job.stop.abort();
          }
          return [200, {}];
        }),
      ListTrainingJobs: (input) => listTrainingJobs(store.all(), input, pageTokens),
    },
  });
  return {
    ...service,
    jobs: store,
    internalErrors,
    close: async () => {
      await runner?.close();
      warmPools.close();
      await service.close();
    },
  };
}
