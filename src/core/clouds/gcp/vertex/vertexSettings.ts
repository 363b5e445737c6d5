// What a Vertex AI job asks for, from the operator's config with the step's settings merged over
// it (core merges them: `settings={"step_operator.vertex": {...}}` or
// `VertexStepOperatorSettings(...)`). Keys are ZenML's (its newer `instance_type` and
// `accelerator` as well as `machine_type` and `accelerator_type`), plus what ZenML's operator
// cannot ask for: replicas, a timeout, spot capacity, restarts and labels. ZenML's
// `ResourceSettings(gpu_count=...)` sets the accelerator count when the settings carry it as
// `resources`. Keys stepops cannot honour are refused by name rather than dropped.
import { refuseUnknownKeys, settingByNames, settingValues } from '../../../operators/settingValues';
import { VERTEX, VERTEX_BOOT_DISK_TYPES } from '../flavors';
import { type AcceleratorType, acceleratorTypeRefusal } from './acceleratorTypes';

export interface VertexJobSettings {
  readonly project: string;
  readonly region: string;
  readonly machineType: string;
  readonly acceleratorType?: AcceleratorType;
  readonly acceleratorCount: number;
  readonly bootDiskType: string;
  readonly bootDiskSizeGb: number;
  /** Replicas in all: one chief, the rest workers. */
  readonly replicaCount: number;
  readonly serviceAccount?: string;
  readonly network?: string;
  readonly reservedIpRanges: readonly string[];
  readonly encryptionKey?: string;
  readonly persistentResourceId?: string;
  /** Vertex stops the job past it; unset: Vertex's own limit (7 days). */
  readonly timeoutSeconds?: number;
  /** SPOT capacity (cheaper, may be preempted) rather than STANDARD. */
  readonly spot: boolean;
  readonly restartJobOnWorkerRestart: boolean;
  /** The user's labels; stepops adds its own (run id, step, pipeline) beside them. */
  readonly labels: Readonly<Record<string, string>>;
}

export class VertexSettingsError extends Error {
  override name = 'VertexSettingsError';
}

const fail = (message: string) => new VertexSettingsError(message);
const { text, int, bool, mapping, textList } = settingValues(fail);

/** Settings a step may give that the component form does not offer. */
const STEP_ONLY_KEYS = [
  'instance_type', // ZenML's newer name for machine_type
  'accelerator', // ZenML's newer name for accelerator_type
  'replica_count',
  'timeout',
  'max_run', // the SageMaker operator's name for the same limit, accepted for habit's sake
  'spot',
  'restart_job_on_worker_restart',
  'labels',
  'resources',
];
const KNOWN_KEYS = [...VERTEX.fields.map((f) => f.name), ...STEP_ONLY_KEYS];
/** ZenML's ResourceSettings fields; only gpu_count maps onto a Vertex job. */
const RESOURCE_KEYS = ['gpu_count'];

const MACHINE_TYPE = /^[a-z][a-z0-9]*-[a-z0-9-]+$/;
/** Google's label rules: keys start with a lowercase letter; keys and values [a-z0-9_-], at most 63. */
export const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
export const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
export const RESERVED_LABEL_PREFIX = 'stepops-';

export function vertexJobSettings(settings: Readonly<Record<string, unknown>>): VertexJobSettings {
  if ('$expression' in settings) {
    throw fail(
      `The step's Vertex settings are ${String(settings.$expression)}, which stepops cannot evaluate: write them as a dict or VertexStepOperatorSettings(...) in the decorator.`,
    );
  }
  refuseUnknownKeys(settings, KNOWN_KEYS, 'Vertex AI settings', fail);
  const project = text(settings.project, 'project');
  const region = text(settings.region, 'region');
  if (!project) throw fail('The Vertex AI operator has no project: set its "project" (the Google Cloud project ID).');
  if (!region) throw fail('The Vertex AI operator has no region: set its "region", e.g. europe-west4.');
  const accelerator = acceleratorOf(settings);
  const timeout = timeoutOf(settings);
  const serviceAccount = text(settings.service_account, 'service_account');
  const network = text(settings.network, 'network');
  const encryptionKey = text(settings.encryption_spec_key_name, 'encryption_spec_key_name');
  const persistentResourceId = text(settings.persistent_resource_id, 'persistent_resource_id');
  return {
    project,
    region,
    machineType: machineTypeOf(settings),
    ...accelerator,
    bootDiskType: bootDiskTypeOf(settings),
    bootDiskSizeGb: int(settings.boot_disk_size_gb, 'boot_disk_size_gb', { min: 100, max: 64_000 }) ?? 100,
    replicaCount: int(settings.replica_count, 'replica_count', { min: 1 }) ?? 1,
    ...(serviceAccount ? { serviceAccount } : {}),
    ...(network ? { network } : {}),
    ...(encryptionKey ? { encryptionKey } : {}),
    ...(persistentResourceId ? { persistentResourceId } : {}),
    reservedIpRanges: textList(settings.reserved_ip_ranges, 'reserved_ip_ranges'),
    ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
    spot: bool(settings.spot, 'spot') ?? false,
    restartJobOnWorkerRestart: bool(settings.restart_job_on_worker_restart, 'restart_job_on_worker_restart') ?? false,
    labels: labelsOf(settings.labels),
  };
}

function machineTypeOf(settings: Readonly<Record<string, unknown>>): string {
  const { value, name } = settingByNames(settings, ['machine_type', 'instance_type'], fail);
  const machineType = text(value, name) || 'n1-standard-4';
  if (!MACHINE_TYPE.test(machineType)) {
    throw fail(
      `"${name}" "${machineType}" is not a Compute Engine machine type such as n1-standard-8 or a2-highgpu-1g.`,
    );
  }
  return machineType;
}

function acceleratorOf(settings: Readonly<Record<string, unknown>>): {
  acceleratorType?: AcceleratorType;
  acceleratorCount: number;
} {
  const { value, name } = settingByNames(settings, ['accelerator_type', 'accelerator'], fail);
  const type = text(value, name);
  const resources = mapping(settings.resources, 'resources');
  refuseUnknownKeys(resources, RESOURCE_KEYS, 'ResourceSettings', (message) =>
    fail(`${message} A Vertex job's CPUs and memory come with its machine_type: choose one that has them.`),
  );
  const explicit = int(settings.accelerator_count, 'accelerator_count', { max: 16 });
  const gpus = int(resources.gpu_count, 'resources.gpu_count', { max: 16 });
  if (explicit !== undefined && gpus !== undefined && explicit !== gpus) {
    throw fail(`accelerator_count (${explicit}) and ResourceSettings gpu_count (${gpus}) disagree: set one.`);
  }
  const asked = explicit ?? gpus;
  if (!type) {
    if (asked) throw fail(`${asked} accelerator(s) asked for, but no accelerator_type: set it, e.g. NVIDIA_TESLA_T4.`);
    return { acceleratorCount: 0 };
  }
  const refusal = acceleratorTypeRefusal(type);
  if (refusal) throw fail(refusal);
  if (asked === 0) throw fail(`accelerator_type ${type} with an accelerator_count of 0: set a count of at least 1.`);
  // A type without a count means one of it, as the form suggests.
  return { acceleratorType: type as AcceleratorType, acceleratorCount: asked ?? 1 };
}

function bootDiskTypeOf(settings: Readonly<Record<string, unknown>>): string {
  const type = text(settings.boot_disk_type, 'boot_disk_type') || 'pd-ssd';
  if (!VERTEX_BOOT_DISK_TYPES.includes(type)) {
    throw fail(`boot_disk_type "${type}" is not one Vertex AI takes; choose ${VERTEX_BOOT_DISK_TYPES.join(', ')}.`);
  }
  return type;
}

function timeoutOf(settings: Readonly<Record<string, unknown>>): number | undefined {
  const { value, name } = settingByNames(settings, ['timeout', 'max_run'], fail);
  return int(value, `${name} (seconds)`, { min: 1 });
}

function labelsOf(value: unknown): Record<string, string> {
  const labels = mapping(value, 'labels');
  const entries = Object.entries(labels);
  // 64 in all, and stepops adds up to three of its own.
  if (entries.length > 61) throw fail(`labels: ${entries.length} given; Vertex AI takes 64 with stepops' three.`);
  for (const [key, label] of entries) {
    if (!LABEL_KEY.test(key)) {
      throw fail(
        `Label key "${key}" breaks Google's rule: lowercase letters, digits, "_" and "-", starting with a letter, at most 63.`,
      );
    }
    if (key.startsWith(RESERVED_LABEL_PREFIX)) throw fail(`Label key "${key}": the stepops- labels are stepops' own.`);
    if (typeof label !== 'string' || !LABEL_VALUE.test(label)) {
      throw fail(
        `Label "${key}" has the value ${JSON.stringify(label)}; values are lowercase letters, digits, "_" and "-", at most 63.`,
      );
    }
  }
  return labels as Record<string, string>;
}
