// A JobSpec as the two Resource Manager PUTs that make an Azure ML command job: an environment
// version whose image is the step image pinned by digest, then the job itself. The data travels
// through Azure ML's own job inputs and outputs, so the runtime sees only local paths: the job
// file is a uri_file input, each upstream output a uri_folder input (mounted read-only or
// downloaded), and the outputs folder a uri_folder output (mounted read-write or uploaded when
// the command ends), all on the stack's Blob store; the command names them as ${{inputs.X}} and
// ${{outputs.X}}, which Azure ML replaces with the paths it mounted them at.
import type { CommandJob, EnvironmentVersion, JobBase } from '@azure/arm-machinelearning';
import { type JobSpec, pinnedImage, runtimeArguments } from '../../../operators/stepOperator';
import { experimentNameFor } from './azuremlNames';
import type { AzureMlJobSettings, InputMode, JobIdentity, OutputMode } from './azuremlSettings';

export const JOB_INPUT = 'stepops_job';
export const OUTPUTS = 'stepops_outputs';
export const inputNameOf = (parameter: string) => `input_${parameter}`;

/** Where a JobSpec's store URIs are for Azure ML: a Blob URL, or undefined when not on an Azure Blob store. */
export type DataUrl = (uri: string, kind: 'file' | 'folder') => string | undefined;

export interface JobTargets {
  /** ARM id of the environment version the job runs in. */
  readonly environmentId: string;
  /** ARM id of the compute cluster or instance. */
  readonly computeId: string;
}

const INPUT_MODE: Readonly<Record<InputMode, 'ReadOnlyMount' | 'Download'>> = {
  ro_mount: 'ReadOnlyMount',
  download: 'Download',
};
const OUTPUT_MODE: Readonly<Record<OutputMode, 'ReadWriteMount' | 'Upload'>> = {
  rw_mount: 'ReadWriteMount',
  upload: 'Upload',
};
const IDENTITY: Readonly<Record<JobIdentity, 'UserIdentity' | 'Managed' | 'AMLToken'>> = {
  user_identity: 'UserIdentity',
  managed: 'Managed',
  aml_token: 'AMLToken',
};

export function environmentVersionBody(job: Pick<JobSpec, 'image' | 'imageDigest'>): EnvironmentVersion {
  return {
    properties: {
      image: pinnedImage(job),
      osType: 'Linux',
      description: 'A stepops step image (the project, its requirements and the stepops runtime).',
    },
  };
}

export function commandJobBody(
  job: JobSpec,
  settings: AzureMlJobSettings,
  targets: JobTargets,
  dataUrl: DataUrl,
): JobBase {
  const url = (uri: string, kind: 'file' | 'folder', what: string): string => {
    const found = dataUrl(uri, kind);
    if (!found) {
      throw new Error(
        `The ${what} is at ${uri}, which is not on the stack's Azure Blob store: an Azure ML job reads and writes its data ` +
          'there. Give the stack an Azure Blob artifact store (stepops components register artifact_store azure NAME --set path=az://CONTAINER/PREFIX).',
      );
    }
    return found;
  };
  const parameters = Object.keys(job.inputs);
  const properties: CommandJob = {
    jobType: 'Command',
    command: shellCommand(['python3', '-m', 'stepops_runtime', ...runtimeArgumentsOf(parameters)]),
    environmentId: targets.environmentId,
    computeId: targets.computeId,
    displayName: settings.displayName ?? job.stepName,
    experimentName: settings.experimentName ?? experimentNameFor(job.pipelineName, job.stepName),
    description: `stepops run ${job.runId} of step ${job.stepName}`,
    environmentVariables: { ...job.environment },
    inputs: {
      [JOB_INPUT]: { jobInputType: 'uri_file', uri: url(job.jobFile, 'file', 'job file'), mode: 'Download' },
      ...Object.fromEntries(
        Object.entries(job.inputs).map(([name, uri]) => [
          inputNameOf(name),
          {
            jobInputType: 'uri_folder',
            uri: url(uri, 'folder', `input "${name}"`),
            mode: INPUT_MODE[settings.inputMode],
          },
        ]),
      ),
    },
    outputs: {
      [OUTPUTS]: {
        jobOutputType: 'uri_folder',
        uri: url(job.outputs, 'folder', 'outputs folder'),
        mode: OUTPUT_MODE[settings.outputMode],
      },
    },
    resources: { instanceCount: settings.instanceCount },
    ...(settings.timeoutSeconds !== undefined
      ? { limits: { jobLimitsType: 'Command', timeout: `PT${settings.timeoutSeconds}S` } }
      : {}),
    identity: { identityType: IDENTITY[settings.identity] },
    tags: {
      ...settings.tags,
      'stepops:run-id': job.runId,
      'stepops:step': job.stepName,
      ...(job.pipelineName ? { 'stepops:pipeline': job.pipelineName } : {}),
    },
  };
  return { properties };
}

/** The runtime's arguments with Azure ML's placeholders for the paths it mounts the data at. */
function runtimeArgumentsOf(parameters: readonly string[]): string[] {
  return runtimeArguments({
    jobFile: `\${{inputs.${JOB_INPUT}}}`,
    inputs: Object.fromEntries(parameters.map((name) => [name, `\${{inputs.${inputNameOf(name)}}}`])),
    outputs: `\${{outputs.${OUTPUTS}}}`,
  });
}

/** Words the shell reads as they are: plain characters around Azure ML's placeholders. */
const PLAIN_WORD = /^[\w@%+=:,./-]*(\$\{\{(inputs|outputs)\.\w+\}\}[\w@%+=:,./-]*)*$/;

/**
 * Azure ML replaces the placeholders and runs the command with /bin/sh -c, so every word that is
 * not plainly safe is single-quoted (placeholders are replaced inside quotes too).
 */
export function shellCommand(words: readonly string[]): string {
  return words.map((word) => (PLAIN_WORD.test(word) && word ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}
