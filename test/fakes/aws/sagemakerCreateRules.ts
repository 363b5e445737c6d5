// What SageMaker checks in a CreateTrainingJob request beyond its published model (which the
// shared awsJson core validates first, Environment's names, sizes and count included): a name
// never used before in the account and region, the role passed (iam:PassRole) and assumable,
// managed spot's MaxWaitTimeInSeconds, input channels that name objects in S3, an output location
// in a bucket of the region, and the parts of the API the emulator does not run, refused by name
// rather than ignored. The training image is checked separately (sagemakerImages.ts): it asks a registry.
import type { AwsReply } from '../awsJsonService';
import type { TrainingChannel, TrainingJobRequest, TrainingJobStore } from './sagemakerTrainingJobs';

export interface CreateRulesContext {
  readonly region: string;
  readonly accountId: string;
  readonly store: TrainingJobStore;
  /** Roles that exist and trust sagemaker.amazonaws.com. */
  readonly roles: readonly string[];
  /** The caller: its access key and the roles it may pass ('*': any). */
  readonly caller: { readonly accessKeyId: string; readonly passRoles: readonly string[] };
  /** Buckets of the S3 fake, by name, and its objects ("bucket/key"). */
  readonly buckets: Readonly<Record<string, { readonly region: string }>>;
  readonly objects: ReadonlyMap<string, Buffer>;
}

type Refusal = AwsReply;

const invalid = (message: string): Refusal => [400, { __type: 'ValidationException', message }];

/** The first refusal the service would answer with, or undefined when the request may proceed. */
export function refuseCreate(request: TrainingJobRequest, context: CreateRulesContext): Refusal | undefined {
  const checks = [nameUnused, rolePassable, emulatedFeatures, resources, spotTraining, channels, outputs];
  for (const check of checks) {
    const refusal = check(request, context);
    if (refusal) return refusal;
  }
  return undefined;
}

function nameUnused(request: TrainingJobRequest, { store }: CreateRulesContext): Refusal | undefined {
  return refuseReusedName(request, store);
}

/** Names are never reusable, even after the job ended. */
export function refuseReusedName(request: TrainingJobRequest, store: TrainingJobStore): Refusal | undefined {
  const existing = store.get(request.TrainingJobName);
  if (!existing) return undefined;
  return [
    400,
    {
      __type: 'ResourceInUse',
      message:
        'Training job names must be unique within an AWS account and region, and a training job with this name ' +
        `already exists (${existing.arn})`,
    },
  ];
}

function rolePassable(request: TrainingJobRequest, context: CreateRulesContext): Refusal | undefined {
  const role = request.RoleArn;
  const { caller } = context;
  if (!caller.passRoles.includes('*') && !caller.passRoles.includes(role)) {
    return [
      400,
      {
        __type: 'AccessDeniedException',
        message: `User: arn:aws:iam::${context.accountId}:user/${caller.accessKeyId} is not authorized to perform: iam:PassRole on resource: ${role}`,
      },
    ];
  }
  if (!context.roles.includes(role)) {
    return invalid(
      `Could not assume role ${role}. Please ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role.`,
    );
  }
  return undefined;
}

/** Parts of the API this emulator cannot run: refused with what to use instead. */
function emulatedFeatures(request: TrainingJobRequest): Refusal | undefined {
  const algorithm = request.AlgorithmSpecification;
  if (algorithm?.AlgorithmName !== undefined) {
    return invalid(
      'The SageMaker emulator runs training images only, not AlgorithmName (marketplace or built-in algorithms): set AlgorithmSpecification.TrainingImage.',
    );
  }
  if (!algorithm?.TrainingImage) {
    return invalid('AlgorithmSpecification.TrainingImage is required when AlgorithmName is not set.');
  }
  if (algorithm.TrainingInputMode === 'Pipe') {
    return invalid('The SageMaker emulator supports TrainingInputMode File and FastFile (run as File), not Pipe.');
  }
  return undefined;
}

function resources(request: TrainingJobRequest): Refusal | undefined {
  const config = request.ResourceConfig;
  if (config?.InstanceGroups !== undefined) {
    return invalid(
      'The SageMaker emulator does not run heterogeneous clusters (ResourceConfig.InstanceGroups): set InstanceType and InstanceCount.',
    );
  }
  if (config?.InstanceType === undefined || config.InstanceCount === undefined) {
    return invalid('ResourceConfig must set InstanceType and InstanceCount when InstanceGroups is not set.');
  }
  if (config.InstanceCount < 1) {
    return invalid(`ResourceConfig.InstanceCount must be at least 1, not ${config.InstanceCount}.`);
  }
  return undefined;
}

function spotTraining(request: TrainingJobRequest): Refusal | undefined {
  const maxWait = request.StoppingCondition?.MaxWaitTimeInSeconds;
  const maxRuntime = request.StoppingCondition?.MaxRuntimeInSeconds;
  if (request.EnableManagedSpotTraining) {
    if (maxWait === undefined || (maxRuntime !== undefined && maxWait < maxRuntime)) {
      return invalid(
        'Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds',
      );
    }
  } else if (maxWait !== undefined) {
    return invalid('Invalid MaxWaitTimeInSeconds. It is only supported when EnableManagedSpotTraining is set to true');
  }
  return undefined;
}

function channels(request: TrainingJobRequest, context: CreateRulesContext): Refusal | undefined {
  const seen = new Set<string>();
  for (const channel of request.InputDataConfig ?? []) {
    if (seen.has(channel.ChannelName)) {
      return invalid(`Channel names must be unique: ${channel.ChannelName} is given more than once.`);
    }
    seen.add(channel.ChannelName);
    const refusal = channelRefusal(channel, request, context);
    if (refusal) return refusal;
  }
  return undefined;
}

function channelRefusal(
  channel: TrainingChannel,
  request: TrainingJobRequest,
  context: CreateRulesContext,
): Refusal | undefined {
  const source = channel.DataSource.S3DataSource;
  if (!source) {
    return invalid(
      `Channel ${channel.ChannelName}: the SageMaker emulator reads S3 data sources only (DataSource.S3DataSource).`,
    );
  }
  if (source.S3DataType !== 'S3Prefix') {
    return invalid(
      `Channel ${channel.ChannelName}: the SageMaker emulator supports S3DataType S3Prefix only, not ${source.S3DataType}.`,
    );
  }
  if (channel.InputMode === 'Pipe') {
    return invalid(`Channel ${channel.ChannelName}: the SageMaker emulator does not support InputMode Pipe.`);
  }
  if (channel.CompressionType !== undefined && channel.CompressionType !== 'None') {
    return invalid(
      `Channel ${channel.ChannelName}: the SageMaker emulator does not decompress channels (CompressionType ${channel.CompressionType}).`,
    );
  }
  const location = parseS3Uri(source.S3Uri);
  const bucket = location && context.buckets[location.bucket];
  const found =
    location !== undefined &&
    bucket?.region === context.region &&
    [...context.objects.keys()].some((name) => name.startsWith(`${location.bucket}/${location.key}`));
  if (!found) {
    const bucketName = location?.bucket ?? source.S3Uri;
    return invalid(
      `No S3 objects found under S3 URL "${source.S3Uri}" given in input data source. Please ensure that the bucket ` +
        `exists in the selected region (${context.region}), that objects exist under that S3 prefix, and that the role ` +
        `"${request.RoleArn}" has "s3:ListBucket" permissions on bucket "${bucketName}".`,
    );
  }
  return undefined;
}

function outputs(request: TrainingJobRequest, context: CreateRulesContext): Refusal | undefined {
  const locations = [
    ['OutputDataConfig.S3OutputPath', request.OutputDataConfig.S3OutputPath],
    ...(request.CheckpointConfig ? [['CheckpointConfig.S3Uri', request.CheckpointConfig.S3Uri]] : []),
  ] as const;
  for (const [member, uri] of locations) {
    const location = parseS3Uri(uri);
    if (!location) {
      return invalid(`${member} "${uri}": the SageMaker emulator writes to s3://BUCKET/PREFIX locations only.`);
    }
    const bucket = context.buckets[location.bucket];
    if (!bucket || bucket.region !== context.region) {
      return invalid(
        `${member} "${uri}": the bucket "${location.bucket}" does not exist in the selected region (${context.region}).`,
      );
    }
  }
  return undefined;
}

export interface S3Location {
  readonly bucket: string;
  /** The key or key prefix, without a leading slash; may be empty. */
  readonly key: string;
}

/** s3://BUCKET/KEY (the model also allows https:// URLs, which the emulator does not serve). */
export function parseS3Uri(uri: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}
