// A JobSpec as a CreateTrainingJob request. The data travels through SageMaker's own channels,
// so the runtime only sees local paths: the job file and each input are S3 input channels that
// SageMaker downloads (File mode) to /opt/ml/input/data/<channel>, and the outputs are written
// to /opt/ml/model, which SageMaker uploads when the step is done. CompressionType NONE uploads
// the files as they are (<output path>/<job>/output/model/...), so the orchestrator reads them
// through the S3 store without a tarball round trip. A managed spot job also syncs
// /opt/ml/checkpoints with RUN/checkpoints in S3, so that when SageMaker resumes it after an
// interruption the step finds what it saved there (STEPOPS_CHECKPOINT_DIR tells it where).
import type { CreateTrainingJobRequest } from '@aws-sdk/client-sagemaker';
import { type JobSpec, pinnedImage, runtimeArguments } from '../../../operators/stepOperator';
import { chunkEnvironment } from './environmentChunks';
import type { SageMakerJobSettings } from './sagemakerSettings';

const CHANNELS = '/opt/ml/input/data';
const MODEL_DIR = '/opt/ml/model';
const JOB_CHANNEL = 'stepops_job';
const CHECKPOINT_DIR = '/opt/ml/checkpoints';

/** Where SageMaker puts the files of /opt/ml/model with CompressionType NONE. */
export function modelOutputsUri(outputPath: string, jobName: string): string {
  return `${outputPath.replace(/\/+$/, '')}/${jobName}/output/model`;
}

export function trainingJobRequest(
  job: JobSpec,
  jobName: string,
  settings: SageMakerJobSettings,
): CreateTrainingJobRequest {
  const outputPath = parentOf(job.outputs);
  const inputChannels = Object.entries(job.inputs).map(([name, uri]) => ({ channel: `input_${name}`, name, uri }));
  return {
    TrainingJobName: jobName,
    RoleArn: settings.role,
    AlgorithmSpecification: {
      TrainingImage: pinnedImage(job),
      TrainingInputMode: 'File',
      ContainerEntrypoint: ['python3', '-m', 'stepops_runtime'],
      ContainerArguments: runtimeArguments({
        jobFile: `${CHANNELS}/${JOB_CHANNEL}/${baseName(job.jobFile)}`,
        inputs: Object.fromEntries(inputChannels.map((c) => [c.name, `${CHANNELS}/${c.channel}`])),
        outputs: MODEL_DIR,
      }),
    },
    InputDataConfig: [
      channel(JOB_CHANNEL, job.jobFile),
      // A trailing slash: "outputs/output" would also match "outputs/output_1".
      ...inputChannels.map((c) => channel(c.channel, `${c.uri.replace(/\/+$/, '')}/`)),
    ],
    OutputDataConfig: { S3OutputPath: outputPath, CompressionType: 'NONE' },
    ResourceConfig: {
      InstanceType: settings.instanceType as NonNullable<CreateTrainingJobRequest['ResourceConfig']>['InstanceType'],
      InstanceCount: settings.instanceCount,
      VolumeSizeInGB: settings.volumeSizeInGb,
      ...(settings.keepAlivePeriodInSeconds !== undefined
        ? { KeepAlivePeriodInSeconds: settings.keepAlivePeriodInSeconds }
        : {}),
    },
    StoppingCondition: {
      MaxRuntimeInSeconds: settings.maxRuntimeInSeconds,
      ...(settings.maxWaitInSeconds !== undefined ? { MaxWaitTimeInSeconds: settings.maxWaitInSeconds } : {}),
    },
    ...(settings.useSpotInstances
      ? {
          EnableManagedSpotTraining: true,
          CheckpointConfig: { S3Uri: `${outputPath}/checkpoints/`, LocalPath: CHECKPOINT_DIR },
        }
      : {}),
    Environment: chunkEnvironment({
      ...job.environment,
      ...(settings.useSpotInstances ? { STEPOPS_CHECKPOINT_DIR: CHECKPOINT_DIR } : {}),
    }),
    ...(settings.experimentName ? { ExperimentConfig: { ExperimentName: settings.experimentName } } : {}),
    Tags: [
      { Key: 'stepops:run-id', Value: job.runId },
      { Key: 'stepops:step', Value: job.stepName },
      ...(job.pipelineName ? [{ Key: 'stepops:pipeline', Value: job.pipelineName }] : []),
    ],
  };
}

function channel(name: string, s3Uri: string) {
  return {
    ChannelName: name,
    InputMode: 'File' as const,
    DataSource: {
      S3DataSource: {
        S3DataType: 'S3Prefix' as const,
        S3Uri: s3Uri,
        S3DataDistributionType: 'FullyReplicated' as const,
      },
    },
  };
}

function parentOf(uri: string): string {
  return uri.replace(/\/+$/, '').replace(/\/[^/]*$/, '');
}

function baseName(uri: string): string {
  return uri.replace(/\/+$/, '').split('/').pop()!;
}
