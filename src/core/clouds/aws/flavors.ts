// AWS flavors: the SageMaker step operator, ECR and S3. Field names and defaults follow ZenML's
// so that imported stacks and users' habits carry over.
import { baseImage, bucketStore, environment } from '../../stacks/flavors/commonFields';
import type { FlavorSpec } from '../../stacks/flavors/fieldSpec';

export const AWS_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'me-central-1',
  'af-south-1',
];

/** Regions where Vertex AI custom training runs. */
export const SAGEMAKER: FlavorSpec = {
  type: 'step_operator',
  flavor: 'sagemaker',
  displayName: 'SageMaker',
  icon: 'cloud',
  description: 'Runs the step as an Amazon SageMaker training job.',
  summary: ['instance_type', 'region'],
  fields: [
    {
      name: 'role',
      label: 'Execution role ARN',
      kind: 'string',
      required: true,
      description: 'IAM role SageMaker assumes to run the job; it needs access to the image and the output bucket.',
      placeholder: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      pattern: {
        regex: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
        message: 'a role ARN looks like arn:aws:iam::123456789012:role/NAME',
      },
    },
    {
      name: 'region',
      label: 'Region',
      kind: 'string',
      required: true,
      description: 'AWS region the training job runs in.',
      options: AWS_REGIONS,
      pattern: { regex: /^[a-z]{2}(-gov)?-[a-z]+-\d$/, message: 'an AWS region looks like eu-west-1' },
    },
    {
      name: 'profile',
      label: 'AWS profile',
      kind: 'string',
      description:
        "A profile of your shared AWS config to take credentials from (SSO, credential_process, roles); empty: the SDK's own chain (AWS_PROFILE, the environment, instance roles).",
      placeholder: 'ml-dev',
      pattern: { regex: /^[\w.+@-]{1,128}$/, message: 'a profile name is letters, digits and . _ + @ -' },
    },
    {
      name: 'instance_type',
      label: 'Instance type',
      kind: 'string',
      default: 'ml.m5.large',
      description: 'Training instance type, e.g. ml.g5.xlarge for one GPU.',
      pattern: { regex: /^ml\.[a-z0-9]+\.[a-z0-9]+$/, message: 'a SageMaker instance type looks like ml.m5.large' },
    },
    {
      name: 'instance_count',
      label: 'Instance count',
      kind: 'integer',
      default: 1,
      min: 1,
      max: 100,
      description: 'Number of instances.',
    },
    {
      name: 'volume_size_in_gb',
      label: 'Volume size (GB)',
      kind: 'integer',
      default: 30,
      min: 1,
      max: 16384,
      description: 'Storage attached to each instance.',
    },
    {
      name: 'max_runtime_in_seconds',
      label: 'Max runtime (s)',
      kind: 'integer',
      default: 86400,
      min: 1,
      max: 2419200,
      description: 'SageMaker stops the job after this long (at most 28 days).',
    },
    {
      name: 'bucket',
      label: 'Output bucket',
      kind: 'string',
      description: "S3 bucket for job outputs; SageMaker's default bucket when empty.",
      pattern: {
        regex: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        message: 'S3 bucket names are 3-63 lowercase letters, digits, dots and hyphens',
      },
    },
    {
      name: 'output_prefix',
      label: 'Output prefix',
      kind: 'string',
      description: 'Key prefix for outputs in the bucket.',
    },
    {
      name: 'experiment_name',
      label: 'Experiment name',
      kind: 'string',
      description: 'SageMaker Experiments name to group runs under.',
      pattern: { regex: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}$/, message: 'letters, digits and hyphens, at most 120' },
    },
    environment,
    baseImage,
    {
      name: 'estimator_args',
      label: 'Estimator arguments',
      kind: 'json',
      description: 'Extra arguments for the SageMaker Estimator, as a JSON object.',
      placeholder: '{"use_spot_instances": true, "max_wait": 7200}',
    },
  ],
};

export const ECR: FlavorSpec = {
  type: 'container_registry',
  flavor: 'aws',
  displayName: 'Amazon ECR',
  icon: 'package',
  description: 'Elastic Container Registry; pushes authenticate with an ECR token from your AWS credentials.',
  summary: ['uri'],
  fields: [
    {
      name: 'uri',
      label: 'Registry URI',
      kind: 'string',
      required: true,
      description: 'ACCOUNT.dkr.ecr.REGION.amazonaws.com',
      placeholder: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      pattern: {
        regex: /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/,
        message: 'an ECR registry looks like 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      },
    },
  ],
};

export const S3_ARTIFACT_STORE = bucketStore(
  's3',
  'Amazon S3',
  /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/,
  's3://bucket/prefix',
);
