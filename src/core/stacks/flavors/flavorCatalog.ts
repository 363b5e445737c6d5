import type { ComponentType } from '../model';
import type { FlavorSpec } from './fieldSpec';
import { CLOUDS } from '../../clouds';

const TYPE_ORDER: readonly ComponentType[] = ['step_operator', 'container_registry', 'artifact_store', 'orchestrator'];

/** Every flavor, grouped by component type, each group in the clouds list's order. */
export const FLAVORS: readonly FlavorSpec[] = CLOUDS.flatMap((cloud) => cloud.components.map((c) => c.spec)).sort(
  (a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type),
);

export function flavorsOf(type: ComponentType): FlavorSpec[] {
  return FLAVORS.filter((f) => f.type === type);
}

export function findFlavor(type: ComponentType, flavor: string): FlavorSpec | undefined {
  return FLAVORS.find((f) => f.type === type && f.flavor === flavor);
}

/** "ml.g5.xlarge · eu-west-1": the values of a flavor's summary fields that are set. */
export function componentSummary(spec: FlavorSpec | undefined, config: Readonly<Record<string, unknown>>): string {
  if (!spec) return '';
  return spec.summary
    .map((name) => config[name] ?? spec.fields.find((f) => f.name === name)?.default)
    .filter((v) => v !== undefined && v !== '')
    .map(String)
    .join(' · ');
}
