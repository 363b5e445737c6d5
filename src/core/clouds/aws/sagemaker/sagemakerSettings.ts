// What a SageMaker job asks for, from the operator's config with the step's settings merged over
// it (core merges them), and ZenML's `estimator_args` keys over both, as ZenML passes them to its
// Estimator. Keys stepops cannot honour are refused by name rather than dropped.
import { refuseUnknownKeys, settingValues } from '../../../operators/settingValues';

export interface SageMakerJobSettings {
  readonly role: string;
  readonly region: string;
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly volumeSizeInGb: number;
  readonly maxRuntimeInSeconds: number;
  readonly useSpotInstances: boolean;
  readonly maxWaitInSeconds?: number;
  readonly keepAlivePeriodInSeconds?: number;
  readonly experimentName?: string;
  /** An AWS profile to take credentials from; else the SDK's default chain. */
  readonly profile?: string;
}

/** ZenML's estimator_args keys and the setting each sets. */
const ESTIMATOR_ARGS: Record<string, keyof SageMakerJobSettings> = {
  instance_type: 'instanceType',
  instance_count: 'instanceCount',
  volume_size: 'volumeSizeInGb',
  max_run: 'maxRuntimeInSeconds',
  use_spot_instances: 'useSpotInstances',
  max_wait: 'maxWaitInSeconds',
  keep_alive_period_in_seconds: 'keepAlivePeriodInSeconds',
};

export class SageMakerSettingsError extends Error {
  override name = 'SageMakerSettingsError';
}

const fail = (message: string) => new SageMakerSettingsError(message);
const { text, int, bool, mapping } = settingValues(fail);

export function sagemakerJobSettings(settings: Readonly<Record<string, unknown>>): SageMakerJobSettings {
  const estimatorArgs = mapping(settings.estimator_args, 'estimator_args');
  refuseUnknownKeys(estimatorArgs, Object.keys(ESTIMATOR_ARGS), 'estimator_args', fail);
  const pick = (field: string, estimatorArg: string): unknown => estimatorArgs[estimatorArg] ?? settings[field];
  const role = text(settings.role, 'role');
  const region = text(settings.region, 'region');
  if (!role)
    throw new SageMakerSettingsError('The SageMaker operator has no execution role: set its "role" (an IAM role ARN).');
  if (!region) throw new SageMakerSettingsError('The SageMaker operator has no region: set its "region".');
  const useSpot = bool(pick('use_spot_instances', 'use_spot_instances'), 'use_spot_instances') ?? false;
  const maxRuntime = int(pick('max_runtime_in_seconds', 'max_run'), 'max_run') ?? 86_400;
  const maxWait = int(pick('max_wait', 'max_wait'), 'max_wait');
  if (useSpot && maxWait !== undefined && maxWait < maxRuntime) {
    throw new SageMakerSettingsError(
      `max_wait (${maxWait} s) must be at least max_run (${maxRuntime} s): spot jobs wait for capacity within it.`,
    );
  }
  const keepAlive = int(
    pick('keep_alive_period_in_seconds', 'keep_alive_period_in_seconds'),
    'keep_alive_period_in_seconds',
  );
  const experimentName = text(settings.experiment_name, 'experiment_name');
  const profile = text(settings.profile, 'profile');
  return {
    role,
    region,
    instanceType: text(pick('instance_type', 'instance_type'), 'instance_type') || 'ml.m5.large',
    instanceCount: int(pick('instance_count', 'instance_count'), 'instance_count') ?? 1,
    volumeSizeInGb: int(pick('volume_size_in_gb', 'volume_size'), 'volume_size') ?? 30,
    maxRuntimeInSeconds: maxRuntime,
    useSpotInstances: useSpot,
    // SageMaker requires a wait limit for spot jobs; ZenML's default is twice the run limit... here: the run limit plus an hour.
    ...(useSpot ? { maxWaitInSeconds: maxWait ?? maxRuntime + 3600 } : {}),
    ...(keepAlive !== undefined ? { keepAlivePeriodInSeconds: keepAlive } : {}),
    ...(experimentName ? { experimentName } : {}),
    ...(profile ? { profile } : {}),
  };
}
