// What Vertex AI checks in a createCustomJob request beyond the proto's types: REQUIRED fields (from
// their field_behavior), the display name's 128 characters, the label rules, machine types and the
// accelerators each takes, replica counts, disks, environment variable names, the run-as service
// account (which must exist, and which the caller must be allowed to act as), network and
// encryption key names, scheduling. Violations are answered all at once in Vertex's own form:
//   List of found errors:\t1.Field: job_spec.worker_pool_specs[0].machine_spec.accelerator_type;
//   Message: Both `accelerator_type` and `accelerator_count` should be specified or none.\t
// with a google.rpc.BadRequest listing them. Features the emulator cannot honour are refused by
// name (UNIMPLEMENTED) rather than accepted and ignored.
import { type ImageRegistry, resolveImage } from '../shared/registryImages';
import { type GoogleReply, badRequest, errorInfo, googleError } from './googleErrors';
import type { UndefinedEnumValue } from './protoModel';
import { acceleratorsFor } from './vertexMachines';

type Json = Record<string, unknown>;

export interface CreateContext {
  readonly region: string;
  readonly projectId: string;
  /** Service accounts that exist (a job's run-as account must be one of them). */
  readonly serviceAccounts: readonly string[];
  /** Whether the caller holds iam.serviceAccounts.actAs in the project. */
  readonly callerMayActAs: boolean;
  readonly registries: readonly ImageRegistry[];
  /** Persistent resource ids of the project and region. */
  readonly persistentResources: readonly string[];
}

interface Violation {
  readonly field: string;
  readonly message: string;
}

/** Vertex's "List of found errors" answer. */
export function foundErrors(violations: readonly Violation[]): GoogleReply {
  const listed = violations.map((v, i) => `${i + 1}.Field: ${v.field}; Message: ${v.message}\t`).join('');
  return googleError('INVALID_ARGUMENT', `List of found errors:\t${listed}`, [
    badRequest(violations.map((v) => ({ field: v.field, description: v.message }))),
  ]);
}

const spec = (job: Json): Json => (job.jobSpec ?? {}) as Json;
const pools = (job: Json): Json[] => (spec(job).workerPoolSpecs ?? []) as Json[];
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Fields of a CustomJob the emulator cannot run; refused by name. */
const NOT_EMULATED: readonly [string, (job: Json) => unknown][] = [
  ['job_spec.tensorboard', (job) => spec(job).tensorboard],
  ['job_spec.experiment', (job) => spec(job).experiment],
  ['job_spec.experiment_run', (job) => spec(job).experimentRun],
  ['job_spec.enable_web_access', (job) => spec(job).enableWebAccess],
  ['job_spec.enable_dashboard_access', (job) => spec(job).enableDashboardAccess],
  ['job_spec.psc_interface_config', (job) => spec(job).pscInterfaceConfig],
  ['job_spec.models', (job) => spec(job).models],
  ['job_spec.protected_artifact_location_id', (job) => spec(job).protectedArtifactLocationId],
  ...(['pythonPackageSpec', 'nfsMounts', 'lustreMounts'] as const).map((key): [string, (job: Json) => unknown] => [
    `job_spec.worker_pool_specs[].${snake(key)}`,
    (job) => pools(job).some((p) => p[key] !== undefined),
  ]),
];

/** The refusal createCustomJob answers, or undefined when the job is accepted. */
export function refuseCustomJob(
  job: Json,
  missing: readonly string[],
  undefinedEnums: readonly UndefinedEnumValue[],
  context: CreateContext,
): GoogleReply | undefined {
  const unsupported = NOT_EMULATED.find(([, present]) => present(job));
  if (unsupported) {
    return googleError(
      'UNIMPLEMENTED',
      `The Vertex emulator does not emulate ${unsupported[0]}: it runs container_spec worker pools on the local Docker engine only. Leave the field out to run the job here.`,
    );
  }
  const violations: Violation[] = [
    ...missing.map((field) => ({ field, message: 'Required field is not set.' })),
    ...undefinedEnums.map((e) => ({
      field: e.field.replace(/^custom_job\./, ''),
      message: `Unsupported value ${e.value} for ${e.enumName}.`,
    })),
    ...displayNameRules(job),
    ...labelRules((job.labels ?? {}) as Record<string, string>),
    ...pools(job).flatMap((pool, i) => poolRules(pool, i, spec(job).persistentResourceId !== undefined)),
    ...jobSpecRules(spec(job), context),
    ...encryptionRules(job, context),
  ];
  if (violations.length > 0) return foundErrors(violations);
  return actAsRefusal(spec(job), context) ?? imageRefusal(job, context);
}

function displayNameRules(job: Json): Violation[] {
  const name = String(job.displayName ?? '');
  if ([...name].length <= 128) return [];
  return [
    {
      field: 'display_name',
      message: `The display name is ${[...name].length} characters long; at most 128 are allowed.`,
    },
  ];
}

const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,64}$/u;

/** The proto's rules: at most 64 Unicode characters of lowercase letters, digits, '_' and '-'; 64 labels. */
export function labelRules(labels: Readonly<Record<string, string>>): Violation[] {
  const violations: Violation[] = [];
  const keys = Object.keys(labels);
  if (keys.length > 64)
    violations.push({ field: 'labels', message: `There are ${keys.length} labels; at most 64 are allowed.` });
  for (const key of keys) {
    if (!LABEL_KEY.test(key)) {
      violations.push({
        field: `labels[${key}]`,
        message: `Label key "${key}" is invalid: keys start with a lowercase letter and hold at most 64 lowercase letters, digits, underscores and dashes.`,
      });
    }
    if (!LABEL_VALUE.test(labels[key]!)) {
      violations.push({
        field: `labels[${key}]`,
        message: `Label value "${labels[key]}" is invalid: values hold at most 64 lowercase letters, digits, underscores and dashes.`,
      });
    }
  }
  return violations;
}

const DISK_TYPES = ['pd-ssd', 'pd-standard', 'hyperdisk-balanced'];
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function poolRules(pool: Json, index: number, onPersistentResource: boolean): Violation[] {
  const at = `job_spec.worker_pool_specs[${index}]`;
  // "All worker pools except the first one are optional and can be skipped by providing an empty value."
  if (Object.keys(pool).length === 0) {
    return index === 0
      ? [{ field: at, message: 'The first worker pool (the primary replica) must not be empty.' }]
      : [];
  }
  const violations: Violation[] = [];
  if (pool.containerSpec === undefined && pool.pythonPackageSpec === undefined) {
    violations.push({
      field: `${at}.container_spec`,
      message: 'One of container_spec or python_package_spec must be set.',
    });
  }
  const replicas = Number(pool.replicaCount ?? 0);
  if (index === 0 && replicas !== 1) {
    violations.push({
      field: `${at}.replica_count`,
      message: `The first worker pool holds the primary replica: its replica_count must be 1, not ${replicas}. Add more replicas in worker_pool_specs[1].`,
    });
  } else if (replicas < 1) {
    violations.push({
      field: `${at}.replica_count`,
      message: 'replica_count must be at least 1 in a worker pool that is not empty.',
    });
  }
  violations.push(...machineRules((pool.machineSpec ?? {}) as Json, `${at}.machine_spec`, onPersistentResource));
  const disk = (pool.diskSpec ?? {}) as Json;
  if (disk.bootDiskType !== undefined && !DISK_TYPES.includes(String(disk.bootDiskType))) {
    violations.push({
      field: `${at}.disk_spec.boot_disk_type`,
      message: `Boot disk type "${String(disk.bootDiskType)}" is not supported: use ${DISK_TYPES.join(', ')}.`,
    });
  }
  const size = Number(disk.bootDiskSizeGb ?? 0);
  if (size !== 0 && (size < 100 || size > 64_000)) {
    violations.push({
      field: `${at}.disk_spec.boot_disk_size_gb`,
      message: `The boot disk size must be from 100 to 64000 GB, not ${size}.`,
    });
  }
  const env = (((pool.containerSpec ?? {}) as Json).env ?? []) as { name?: string }[];
  env.forEach((variable, i) => {
    if (variable.name !== undefined && !C_IDENTIFIER.test(variable.name)) {
      violations.push({
        field: `${at}.container_spec.env[${i}].name`,
        message: `"${variable.name}" is not a valid C identifier.`,
      });
    }
  });
  return violations;
}

/** A persistent resource's machines are its own: a job on one may leave machine_type out. */
function machineRules(machine: Json, at: string, onPersistentResource: boolean): Violation[] {
  const type = machine.machineType as string | undefined;
  const accelerator = machine.acceleratorType as string | number | undefined;
  const count = Number(machine.acceleratorCount ?? 0);
  if (type === undefined) {
    return onPersistentResource ? [] : [{ field: `${at}.machine_type`, message: 'Required field is not set.' }];
  }
  const accelerators = acceleratorsFor(type);
  if (!accelerators) return [{ field: `${at}.machine_type`, message: `Machine type "${type}" is not supported.` }];
  if ((accelerator === undefined) !== (count === 0)) {
    return [
      {
        field: `${at}.accelerator_type`,
        message: 'Both `accelerator_type` and `accelerator_count` should be specified or none.',
      },
    ];
  }
  if (accelerator === undefined || typeof accelerator === 'number') return [];
  const counts = accelerators[accelerator];
  if (!counts) {
    return [
      {
        field: `${at}.accelerator_type`,
        message: `Accelerator "${accelerator}" is not supported for machine type "${type}".`,
      },
    ];
  }
  if (!counts.includes(count)) {
    return [
      {
        field: `${at}.accelerator_count`,
        message: `The accelerator count ${count} is not valid for "${accelerator}" on machine type "${type}": use ${counts.join(', ')}.`,
      },
    ];
  }
  return [];
}

const NETWORK = /^projects\/\d+\/global\/networks\/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SERVICE_ACCOUNT =
  /^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z0-9.-]+\.iam\.gserviceaccount\.com$|^[0-9]+-compute@developer\.gserviceaccount\.com$/;
const GCS_PREFIX = /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/;
const DURATION = /^(\d+)(\.\d+)?s$/;

function jobSpecRules(jobSpec: Json, context: CreateContext): Violation[] {
  const violations: Violation[] = [];
  const account = jobSpec.serviceAccount as string | undefined;
  if (account !== undefined && !SERVICE_ACCOUNT.test(account)) {
    violations.push({ field: 'job_spec.service_account', message: `"${account}" is not a service account email.` });
  } else if (account !== undefined && !context.serviceAccounts.includes(account)) {
    violations.push({ field: 'job_spec.service_account', message: `Service account ${account} does not exist.` });
  }
  const network = jobSpec.network as string | undefined;
  if (network !== undefined && !NETWORK.test(network)) {
    violations.push({
      field: 'job_spec.network',
      message: `"${network}" is not of the form projects/{project_number}/global/networks/{network}.`,
    });
  }
  if (jobSpec.reservedIpRanges !== undefined && network === undefined) {
    violations.push({
      field: 'job_spec.reserved_ip_ranges',
      message: 'reserved_ip_ranges can only be used together with network.',
    });
  }
  const output = ((jobSpec.baseOutputDirectory ?? {}) as Json).outputUriPrefix as string | undefined;
  if (output !== undefined && !GCS_PREFIX.test(output)) {
    violations.push({
      field: 'job_spec.base_output_directory.output_uri_prefix',
      message: `"${output}" is not a Cloud Storage URI (gs://BUCKET/PATH).`,
    });
  }
  const persistent = jobSpec.persistentResourceId as string | undefined;
  if (persistent !== undefined && !context.persistentResources.includes(persistent)) {
    violations.push({
      field: 'job_spec.persistent_resource_id',
      message: `Persistent resource projects/${context.projectId}/locations/${context.region}/persistentResources/${persistent} does not exist.`,
    });
  }
  violations.push(...schedulingRules((jobSpec.scheduling ?? {}) as Json));
  return violations;
}

function schedulingRules(scheduling: Json): Violation[] {
  const violations: Violation[] = [];
  const timeout = scheduling.timeout as string | undefined;
  if (timeout !== undefined && (!DURATION.test(timeout) || Number.parseFloat(timeout) <= 0)) {
    violations.push({ field: 'job_spec.scheduling.timeout', message: `The timeout must be positive, not ${timeout}.` });
  }
  if (scheduling.maxWaitDuration !== undefined && scheduling.strategy !== 'FLEX_START') {
    violations.push({
      field: 'job_spec.scheduling.max_wait_duration',
      message: 'max_wait_duration applies to the FLEX_START strategy only.',
    });
  }
  return violations;
}

const KMS_KEY = /^projects\/([^/]+)\/locations\/([^/]+)\/keyRings\/([^/]+)\/cryptoKeys\/([^/]+)$/;

function encryptionRules(job: Json, context: CreateContext): Violation[] {
  const key = ((job.encryptionSpec ?? {}) as Json).kmsKeyName as string | undefined;
  if (key === undefined) return [];
  const match = KMS_KEY.exec(key);
  if (!match) {
    return [
      {
        field: 'encryption_spec.kms_key_name',
        message: `"${key}" is not of the form projects/P/locations/L/keyRings/R/cryptoKeys/K.`,
      },
    ];
  }
  if (match[2] !== context.region) {
    return [
      {
        field: 'encryption_spec.kms_key_name',
        message: `The key is in ${match[2]}; it must be in ${context.region}, where the job runs.`,
      },
    ];
  }
  return [];
}

function actAsRefusal(jobSpec: Json, context: CreateContext): GoogleReply | undefined {
  const account = jobSpec.serviceAccount as string | undefined;
  if (account === undefined || context.callerMayActAs) return undefined;
  return googleError(
    'PERMISSION_DENIED',
    `The caller does not have permission to act as service account ${account}: it needs iam.serviceAccounts.actAs on it (roles/iam.serviceAccountUser).`,
    [
      errorInfo('IAM_PERMISSION_DENIED', 'aiplatform.googleapis.com', {
        permission: 'iam.serviceAccounts.actAs',
        resource: account,
      }),
    ],
  );
}

/** Vertex pulls from any registry it can reach; the emulator from the registries it was given. */
function imageRefusal(job: Json, context: CreateContext): GoogleReply | undefined {
  for (const [i, pool] of pools(job).entries()) {
    const image = ((pool.containerSpec ?? {}) as Json).imageUri as string | undefined;
    if (image === undefined || resolveImage(image, context.registries)) continue;
    const hosts = context.registries.map((r) => r.host).join(', ') || 'no registry';
    return foundErrors([
      {
        field: `job_spec.worker_pool_specs[${i}].container_spec.image_uri`,
        message: `The Vertex emulator pulls images from ${hosts} only; "${image}" is not a HOST/REPOSITORY[:TAG][@DIGEST] reference on one of them.`,
      },
    ]);
  }
  return undefined;
}
