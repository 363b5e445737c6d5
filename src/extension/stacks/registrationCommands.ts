import * as vscode from 'vscode';
import { findFlavor, flavorsOf } from '../../core/stacks/flavors/flavorCatalog';
import { type ComponentType, type StackComponent, componentTypeLabel } from '../../core/stacks/model';
import { ComponentFormPanel } from '../webview/ComponentFormPanel';
import type { SecretVault } from './SecretVault';
import type { StackState } from './StackState';
import type { StackTreeDataProvider } from './StackTreeDataProvider';
import type { ComponentDraft } from './componentQuickPick';
import { type StackTreeTarget, offerToAddToStack } from './stackCommands';

const REGISTRABLE: readonly ComponentType[] = ['step_operator', 'container_registry', 'artifact_store'];

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
      const type =
        draft?.type ??
        (
          await vscode.window.showQuickPick(
            REGISTRABLE.map((t) => ({ label: componentTypeLabel(t), type: t })),
            { title: 'Register a stack component', placeHolder: 'What kind of component?' },
          )
        )?.type;
      if (!type) return;
      const spec = draft?.flavor
        ? findFlavor(type, draft.flavor)
        : (
            await vscode.window.showQuickPick(
              flavorsOf(type).map((f) => ({
                label: `$(${f.icon}) ${f.displayName}`,
                description: f.flavor,
                detail: f.description,
                spec: f,
              })),
              {
                title: `Register a ${componentTypeLabel(type).toLowerCase()}${draft?.name ? ` named "${draft.name}"` : ''}`,
                placeHolder: 'Which flavor?',
              },
            )
          )?.spec;
      if (!spec) return;
      ComponentFormPanel.open(extensionUri, spec, stacks, secrets, output, {
        ...(draft?.name ? { name: draft.name } : {}),
        onSaved: (component) => void saved(component),
      });
    }),
    vscode.commands.registerCommand('stepops.editComponent', (target?: StackTreeTarget) => {
      if (target?.kind !== 'component') return;
      const spec = findFlavor(target.component.type, target.component.flavor);
      if (!spec) return;
      ComponentFormPanel.open(extensionUri, spec, stacks, secrets, output, {
        previous: target.component,
        onSaved: () => undefined,
      });
    }),
  ];
}
