// Where a discovered step can run, given the active stack and every registered stack: the
// operator named in its decorator, else the active stack's step operators, plus a local
// container run. A name that no stack registers becomes an "unregistered" target the UI offers
// to register.
import type { DiscoveredStep } from '../python/model';
import { findFlavor } from './flavors/flavorCatalog';
import { type Stack, type StackComponent, isLocalOperator } from './model';

export type RunTarget =
  | { readonly kind: 'operator'; readonly operator: StackComponent }
  | { readonly kind: 'local' }
  | { readonly kind: 'unregistered'; readonly operatorName: string };

export function flavorDisplayName(flavor: string): string {
  return findFlavor('step_operator', flavor)?.displayName ?? flavor;
}

export function runTargets(step: DiscoveredStep, active: Stack, stacks: readonly Stack[]): RunTarget[] {
  const targets: RunTarget[] = [];
  const operatorNamed = (name: string): StackComponent | undefined =>
    active.stepOperators.find((o) => o.name === name) ??
    stacks.flatMap((s) => s.stepOperators).find((o) => o.name === name);

  if (step.operator.kind === 'named') {
    const operator = operatorNamed(step.operator.name);
    targets.push(
      operator ? { kind: 'operator', operator } : { kind: 'unregistered', operatorName: step.operator.name },
    );
  } else {
    for (const operator of active.stepOperators) targets.push({ kind: 'operator', operator });
  }
  // The local container run is always offered, once: a local Docker operator target is that run.
  const withoutLocalOperators = targets.filter((t) => !(t.kind === 'operator' && isLocalOperator(t.operator)));
  return [...withoutLocalOperators, { kind: 'local' }];
}

export function runTargetTitle(target: RunTarget, all: readonly RunTarget[]): string {
  switch (target.kind) {
    case 'local':
      return '▶ Run locally';
    case 'unregistered':
      return `⚠ Register step operator "${target.operatorName}"`;
    case 'operator': {
      const flavor = flavorDisplayName(target.operator.flavor);
      const sameFlavor = all.filter((t) => t.kind === 'operator' && t.operator.flavor === target.operator.flavor);
      return sameFlavor.length > 1 ? `▶ Run on ${flavor} (${target.operator.name})` : `▶ Run on ${flavor}`;
    }
  }
}
