import * as vscode from 'vscode';
import { findFlavor } from '../../core/stacks/flavors/flavorCatalog';
import { type StackComponent, componentTypeLabel } from '../../core/stacks/model';
import type { StackState } from './StackState';
import type { StackTreeTarget } from './stackCommands';

/** The tree's component, or (from the palette) one the user picks; `registeredOnly` leaves out built-ins. */
export async function pickComponent(
  stacks: StackState,
  target: StackTreeTarget | undefined,
  placeHolder: string,
  registeredOnly = false,
): Promise<StackComponent | undefined> {
  if (target?.kind === 'component') return target.component;
  const catalog = await stacks.catalog();
  const all = new Map<string, StackComponent>();
  for (const c of catalog.components) all.set(`${c.type}/${c.name}`, c);
  if (!registeredOnly) {
    for (const stack of catalog.stacks) {
      const parts = [stack.orchestrator, stack.artifactStore, stack.containerRegistry, ...stack.stepOperators];
      for (const c of parts) if (c && !all.has(`${c.type}/${c.name}`)) all.set(`${c.type}/${c.name}`, c);
    }
  }
  if (all.size === 0) throw new Error('No components are registered yet: register one first.');
  const picked = await vscode.window.showQuickPick(
    [...all.values()].map((component) => ({
      label: component.name,
      description: `${componentTypeLabel(component.type)} · ${findFlavor(component.type, component.flavor)?.displayName ?? component.flavor}`,
      component,
    })),
    { placeHolder, matchOnDescription: true },
  );
  return picked?.component;
}
