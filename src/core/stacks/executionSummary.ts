// What running a step on a target would use, for hovers and confirmations: the step's own
// settings win over the operator component's config, which wins over the flavor's default.
import type { DiscoveredStep } from '../python/model';
import { type RunTarget, flavorDisplayName } from './runTargets';
import { stepOperatorSettings } from './stepSettings';

export const DEFAULT_BASE_IMAGE = 'python:3.11-slim';

/** Machine-size fields per flavor (ZenML's names), with the flavor's default. */
const MACHINE_FIELDS: Record<string, { fields: readonly string[]; fallback: string }> = {
  sagemaker: { fields: ['instance_type'], fallback: 'ml.m5.large' },
  vertex: { fields: ['machine_type'], fallback: 'n1-standard-4' },
  azureml: { fields: ['compute_name', 'instance_type'], fallback: 'no compute named yet (compute_name)' },
};

const ACCELERATOR_FIELDS = ['accelerator_type', 'accelerator_count'];

export interface ExecutionSummary {
  readonly rows: readonly (readonly [label: string, value: string])[];
}

export function executionSummary(step: DiscoveredStep, target: RunTarget): ExecutionSummary {
  if (target.kind === 'unregistered') {
    return {
      rows: [
        ['Operator', `${target.operatorName} (not registered in any stack)`],
        ['Next', 'Register a step operator with this name to run the step on it.'],
      ],
    };
  }
  if (target.kind === 'local') {
    return {
      rows: [
        ['Operator', 'local Docker engine'],
        ['Image', `${DEFAULT_BASE_IMAGE} + project code (built once per content hash)`],
      ],
    };
  }
  const { operator } = target;
  const settings = stepOperatorSettings(step, operator.flavor);
  const config = operator.config as Readonly<Record<string, unknown>>;
  const pick = (field: string): string | undefined => text(settings[field]) ?? text(config[field]);
  const rows: [string, string][] = [
    ['Operator', operator.name],
    ['Flavor', flavorDisplayName(operator.flavor)],
  ];
  const machine = MACHINE_FIELDS[operator.flavor];
  if (machine) {
    const field = machine.fields.find((f) => pick(f) !== undefined);
    rows.push(['Machine', field ? `${pick(field)} (${field})` : `${machine.fallback} (default)`]);
  }
  const accelerators = ACCELERATOR_FIELDS.map((f) => pick(f)).filter((v) => v !== undefined);
  if (accelerators.length > 0) rows.push(['Accelerator', accelerators.join(' × ')]);
  const baseImage = text(config.base_image) ?? DEFAULT_BASE_IMAGE;
  rows.push(['Image', `${baseImage} + project code (built once per content hash)`]);
  return { rows };
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
