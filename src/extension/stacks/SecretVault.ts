import type * as vscode from 'vscode';
import { findFlavor } from '../../core/stacks/flavors/flavorCatalog';
import type { ComponentType, StackComponent } from '../../core/stacks/model';

/**
 * Component secrets (a service principal secret, a registry password) in VS Code's
 * SecretStorage, keyed by component and field. They never reach the stacks file, settings, logs
 * or error messages.
 */
export class SecretVault {
  constructor(private readonly storage: vscode.SecretStorage) {}

  static key(type: ComponentType, name: string, field: string): string {
    return `stepops/${type}/${name}/${field}`;
  }

  get(type: ComponentType, name: string, field: string): Thenable<string | undefined> {
    return this.storage.get(SecretVault.key(type, name, field));
  }

  async set(type: ComponentType, name: string, field: string, value: string): Promise<void> {
    await this.storage.store(SecretVault.key(type, name, field), value);
  }

  /** Which of the component's secret fields have a stored value. */
  async stored(component: StackComponent): Promise<string[]> {
    const fields = secretFields(component.type, component.flavor);
    const present = await Promise.all(
      fields.map(async (f) => ((await this.get(component.type, component.name, f)) ? f : undefined)),
    );
    return present.filter((f): f is string => f !== undefined);
  }

  async forget(component: Pick<StackComponent, 'type' | 'name' | 'flavor'>): Promise<void> {
    for (const field of secretFields(component.type, component.flavor)) {
      await this.storage.delete(SecretVault.key(component.type, component.name, field));
    }
  }

  /** Moves secrets along when a component is renamed. */
  async rename(component: Pick<StackComponent, 'type' | 'flavor'>, from: string, to: string): Promise<void> {
    for (const field of secretFields(component.type, component.flavor)) {
      const value = await this.get(component.type, from, field);
      if (value !== undefined) await this.set(component.type, to, field, value);
      await this.storage.delete(SecretVault.key(component.type, from, field));
    }
  }
}

function secretFields(type: ComponentType, flavor: string): string[] {
  return (findFlavor(type, flavor)?.fields ?? []).filter((f) => f.kind === 'secret').map((f) => f.name);
}
