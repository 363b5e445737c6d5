import * as vscode from 'vscode';
import { findFlavor } from '../../core/stacks/flavors/flavorCatalog';
import type { StackComponent } from '../../core/stacks/model';
import { ComponentFormPanel } from '../webview/ComponentFormPanel';
import type { SecretVault } from './SecretVault';
import type { StackState } from './StackState';
import type { StackTreeDataProvider } from './StackTreeDataProvider';
import { type ComponentDraft, pickFlavor, pickType } from './componentQuickPick';
import { pickComponent } from './pickComponent';
import { type StackTreeTarget, offerToAddToStack } from './stackCommands';

/** Register and Edit through the generated form (the QuickPick path is in componentQuickPick.ts). */
export function registerRegistrationCommands(
  extensionUri: vscode.Uri,
  stacks: StackState,
  secrets: SecretVault,
  tree: { provider: StackTreeDataProvider; view: vscode.TreeView<unknown> },
  output: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const saved = async (component: StackComponent): Promise<void> => {
    await stacks.catalog();
    await tree.provider.reveal(tree.view, component);
    await offerToAddToStack(stacks, component);
  };

  return [
    vscode.commands.registerCommand('stepops.registerComponent', async (draft?: Partial<ComponentDraft>) => {
      const type = draft?.type ?? (await pickType());
      if (!type) return;
      const spec = draft?.flavor ? findFlavor(type, draft.flavor) : await pickFlavor(type, draft?.name);
      if (!spec) return;
      ComponentFormPanel.open(extensionUri, spec, stacks, secrets, output, {
        ...(draft?.name ? { name: draft.name } : {}),
        onSaved: (component) => void saved(component),
      });
    }),
    // From the Stacks view's row, or from the palette (which asks which component).
    vscode.commands.registerCommand('stepops.editComponent', async (target?: StackTreeTarget) => {
      const component = await pickComponent(stacks, target, 'Edit which component?', true).catch(
        (error: unknown) => void vscode.window.showErrorMessage((error as Error).message),
      );
      if (!component) return;
      const spec = findFlavor(component.type, component.flavor);
      if (!spec) return;
      ComponentFormPanel.open(extensionUri, spec, stacks, secrets, output, {
        previous: component,
        onSaved: () => undefined,
      });
    }),
  ];
}
