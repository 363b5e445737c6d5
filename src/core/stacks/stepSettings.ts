// A step's own operator settings (`settings={"step_operator": ...}` and, winning over those,
// `settings={"step_operator.<flavor>": ...}`) merged over the operator component's config: what
// the hover shows and what a run sends, computed in one place so the two never disagree.
import type { DiscoveredStep, LiteralValue } from '../python/model';
import type { StackComponent } from './model';

/** The step's settings for a flavor, flavor-specific ones taking precedence. */
export function stepOperatorSettings(step: DiscoveredStep, flavor: string): Record<string, LiteralValue> {
  const generic = step.operatorSettings.filter((s) => s.flavor === undefined);
  const specific = step.operatorSettings.filter((s) => s.flavor === flavor);
  return Object.assign({}, ...generic.map((s) => s.values), ...specific.map((s) => s.values));
}

/** The component's config with the step's settings merged over it. */
export function effectiveOperatorSettings(step: DiscoveredStep, operator: StackComponent): Record<string, unknown> {
  return { ...(operator.config as Record<string, unknown>), ...stepOperatorSettings(step, operator.flavor) };
}
