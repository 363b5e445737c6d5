// What an Azure ML command job asks for, from the operator's config with the step's settings
// merged over it (core merges them: `settings={"step_operator.azureml": {...}}`). Names are
// ZenML's where it has them (compute_type or its `mode`, compute_name or `compute_target`,
// instance_type or `size`, `tier`), plus what ZenML's operator cannot ask for: an instance count,
// low priority, a timeout, the experiment and display names, tags, how inputs and outputs reach
// the job and whose identity reads them. Keys stepops cannot honour are refused by name.
//
// The installed @azure/arm-machinelearning speaks api-version 2022-10-01, which has no serverless
// compute and no queueSettings.jobTier (both came with 2023-04-01-preview, and the SDK's
// serializer drops properties its models lack): a job runs on a compute cluster or instance,
// and low priority is a cluster whose VMs are low priority, checked before submitting.
import { refuseUnknownKeys, settingByNames, settingValues } from '../../../operators/settingValues';
import { AZUREML } from '../flavors';

export type ComputeKind = 'compute-cluster' | 'compute-instance';
/** How inputs reach the job (Azure CLI names), and outputs leave it. */
export type InputMode = 'ro_mount' | 'download';
export type OutputMode = 'rw_mount' | 'upload';
/** Whose identity the job reads and writes data with. */
export type JobIdentity = 'user_identity' | 'managed' | 'aml_token';

export interface AzureMlJobSettings {
  readonly computeKind: ComputeKind;
  readonly computeName: string;
  /** The VM size asked for: a cluster's is fixed when it is created, so it is checked against the cluster's. */
  readonly instanceType?: string;
  /** Nodes the job runs on (a cluster's nodes; a compute instance is one). */
  readonly instanceCount: number;
  /** Asked for low-priority VMs: the cluster must have them. */
  readonly lowPriority: boolean;
  /** Azure ML cancels the job past it; unset: no limit of the job's own. */
  readonly timeoutSeconds?: number;
  readonly experimentName?: string;
  readonly displayName?: string;
  /** The user's tags; stepops adds its own (run id, step, pipeline) beside them. */
  readonly tags: Readonly<Record<string, string>>;
  readonly inputMode: InputMode;
  readonly outputMode: OutputMode;
  readonly identity: JobIdentity;
  /** The Azure ML environment the step image is registered under; unset: named after the image. */
  readonly environmentName?: string;
}

export class AzureMlSettingsError extends Error {
  override name = 'AzureMlSettingsError';
}

const fail = (message: string) => new AzureMlSettingsError(message);
const { text, int, bool, mapping } = settingValues(fail);

/** Settings a step may give that the component form does not offer. */
const STEP_ONLY_KEYS = [
  'mode', // ZenML's AzureMLComputeSettings name for compute_type
  'compute_target', // ZenML's step operator name for compute_name
  'compute_target_name',
  'size', // ZenML's AzureMLComputeSettings name for instance_type
  'instance_count',
  'low_priority',
  'tier', // ZenML's cluster tier: dedicated or low_priority
  'timeout',
  'max_run', // the SageMaker operator's name for the same limit, accepted for habit's sake
  'experiment_name',
  'display_name',
  'tags',
  'input_mode',
  'output_mode',
  'identity',
];
const KNOWN_KEYS = [...AZUREML.fields.map((f) => f.name), ...STEP_ONLY_KEYS];

/** ZenML settings for creating compute, which stepops leaves to the workspace's admins. */
const COMPUTE_CREATION_KEYS = [
  'idle_time_before_shutdown_minutes',
  'idle_time_before_scaledown_down',
  'location',
  'min_instances',
  'max_instances',
];

/** Experiment names as Azure ML takes them (Studio groups jobs by them). */
const EXPERIMENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;
export const RESERVED_TAG_PREFIX = 'stepops:';

export function azuremlJobSettings(settings: Readonly<Record<string, unknown>>): AzureMlJobSettings {
  if ('$expression' in settings) {
    throw fail(
      `The step's Azure ML settings are ${String(settings.$expression)}, which stepops cannot evaluate: write them as a dict in the decorator.`,
    );
  }
  const creating = COMPUTE_CREATION_KEYS.filter((key) => key in settings);
  if (creating.length > 0) {
    throw fail(
      `${creating.map((k) => `"${k}"`).join(', ')} configure creating compute, which stepops does not do: ` +
        'create the cluster or instance in the workspace (az ml compute create) and name it in compute_name.',
    );
  }
  refuseUnknownKeys(settings, KNOWN_KEYS, 'Azure ML settings', fail);
  const computeKind = computeKindOf(settings);
  const computeName = computeNameOf(settings, computeKind);
  const size = settingByNames(settings, ['instance_type', 'size'], fail);
  const instanceType = text(size.value, size.name);
  const instanceCount = int(settings.instance_count, 'instance_count', { min: 1 }) ?? 1;
  if (computeKind === 'compute-instance' && instanceCount > 1) {
    throw fail(`A compute instance is one machine; instance_count ${instanceCount} needs a compute cluster.`);
  }
  const lowPriority = lowPriorityOf(settings);
  if (lowPriority && computeKind === 'compute-instance') {
    throw fail('A compute instance runs on dedicated VMs: low priority needs a compute cluster with low-priority VMs.');
  }
  const timeout = settingByNames(settings, ['timeout', 'max_run'], fail);
  const timeoutSeconds = int(timeout.value, `${timeout.name} (seconds)`, { min: 1 });
  const experimentName = nameOf(settings.experiment_name, 'experiment_name');
  const displayName = text(settings.display_name, 'display_name');
  const environmentName = text(settings.environment_name, 'environment_name');
  return {
    computeKind,
    computeName,
    ...(instanceType ? { instanceType } : {}),
    instanceCount,
    lowPriority,
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(experimentName ? { experimentName } : {}),
    ...(displayName ? { displayName } : {}),
    tags: tagsOf(settings.tags),
    inputMode: oneOf(settings.input_mode, 'input_mode', ['ro_mount', 'download'], 'ro_mount'),
    outputMode: oneOf(settings.output_mode, 'output_mode', ['rw_mount', 'upload'], 'rw_mount'),
    identity: oneOf(settings.identity, 'identity', ['user_identity', 'managed', 'aml_token'], 'user_identity'),
    ...(environmentName ? { environmentName } : {}),
  };
}

function computeKindOf(settings: Readonly<Record<string, unknown>>): ComputeKind {
  const { value, name } = settingByNames(settings, ['compute_type', 'mode'], fail);
  const kind = text(value, name) || 'compute-cluster';
  if (kind === 'serverless') {
    throw fail(
      `${name} "serverless" needs Azure ML's api-version 2023-04-01-preview or later; the Azure ML client stepops ` +
        'ships speaks 2022-10-01, which runs jobs on a compute target. Set compute_type to compute-cluster ' +
        '(or compute-instance) and compute_name to the compute in the workspace.',
    );
  }
  if (kind !== 'compute-cluster' && kind !== 'compute-instance') {
    throw fail(`${name} "${kind}" is not a compute type; choose compute-cluster or compute-instance.`);
  }
  return kind;
}

function computeNameOf(settings: Readonly<Record<string, unknown>>, kind: ComputeKind): string {
  const { value, name } = settingByNames(settings, ['compute_name', 'compute_target', 'compute_target_name'], fail);
  const computeName = text(value, name);
  if (!computeName) {
    throw fail(
      `The Azure ML operator has no compute: set compute_name to the ${kind === 'compute-cluster' ? 'compute cluster' : 'compute instance'} in the workspace that runs the jobs.`,
    );
  }
  return computeName;
}

function lowPriorityOf(settings: Readonly<Record<string, unknown>>): boolean {
  const flag = bool(settings.low_priority, 'low_priority');
  const tier = text(settings.tier, 'tier').toLowerCase().replace(/[\s-]/g, '_');
  if (tier && tier !== 'low_priority' && tier !== 'dedicated') {
    throw fail(`tier "${String(settings.tier)}" is not a VM tier; choose dedicated or low_priority.`);
  }
  const fromTier = tier ? tier === 'low_priority' : undefined;
  if (flag !== undefined && fromTier !== undefined && flag !== fromTier) {
    throw fail(`low_priority (${flag}) and tier "${String(settings.tier)}" disagree: set one.`);
  }
  return flag ?? fromTier ?? false;
}

function nameOf(value: unknown, name: string): string {
  const given = text(value, name);
  if (given && !EXPERIMENT_NAME.test(given)) {
    throw fail(
      `${name} "${given}" breaks Azure ML's rule: letters, digits, "_" and "-", starting with a letter or digit, at most 255.`,
    );
  }
  return given;
}

function tagsOf(value: unknown): Record<string, string> {
  const tags = mapping(value, 'tags');
  for (const [key, tag] of Object.entries(tags)) {
    if (key.startsWith(RESERVED_TAG_PREFIX))
      throw fail(`Tag "${key}": the ${RESERVED_TAG_PREFIX} tags are stepops' own.`);
    if (typeof tag !== 'string') throw fail(`Tag "${key}" has the value ${JSON.stringify(tag)}; tag values are text.`);
  }
  return tags as Record<string, string>;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  const given = text(value, name);
  if (!given) return fallback;
  if (!(allowed as readonly string[]).includes(given)) {
    throw fail(`${name} "${given}" is not one Azure ML takes; choose ${allowed.join(', ')}.`);
  }
  return given as T;
}
