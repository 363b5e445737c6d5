import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { testConnection } from '../../core/stacks/connectionTest';
import { findFlavor } from '../../core/stacks/flavors/flavorCatalog';
import { loadYaml } from '../../core/stacks/loadYaml';
import { type StackComponent, componentTypeLabel, freeStackName } from '../../core/stacks/model';
import type { StackDefinition } from '../../core/stacks/stackFile';
import { exportZenmlStack, importZenmlStack } from '../../core/stacks/zenmlInterop';
import { editorSignIns } from '../auth/microsoftSignIn';
import type { SecretVault } from './SecretVault';
import { pickComponent } from './pickComponent';
import { type ComponentDraft, registerComponentWithQuickPick, registerStackWithQuickPick } from './componentQuickPick';
import type { StackState } from './StackState';

/** What the Stacks tree passes to its context-menu commands. */
export type StackTreeTarget =
  | { readonly kind: 'stack'; readonly stackName: string }
  | { readonly kind: 'component'; readonly component: StackComponent };

export function registerStackCommands(
  stacks: StackState,
  secrets: SecretVault,
  output: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const guarded =
    <A extends unknown[]>(action: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await action(...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        output.error(message);
        void vscode.window.showErrorMessage(message);
      }
    };

  const pickStack = async (placeHolder: string): Promise<string | undefined> => {
    const active = stacks.activeStackName();
    const picked = await vscode.window.showQuickPick(
      (await stacks.stacks()).map((s) => ({
        label: s.name,
        description: s.name === active ? 'active' : undefined,
        detail:
          s.stepOperators
            .map((o) => `${o.name} (${findFlavor('step_operator', o.flavor)?.displayName ?? o.flavor})`)
            .join(', ') || 'no step operators',
      })),
      { placeHolder },
    );
    return picked?.label;
  };

  const componentOf = (target: StackTreeTarget | undefined, placeHolder: string, registeredOnly = false) =>
    pickComponent(stacks, target, placeHolder, registeredOnly);

  const definitionOf = async (name: string): Promise<StackDefinition | undefined> =>
    (await stacks.catalog()).definitions.find((d) => d.name === name);

  return [
    vscode.commands.registerCommand(
      'stepops.registerComponentQuickPick',
      guarded(async (draft?: Partial<ComponentDraft>) => {
        const component = await registerComponentWithQuickPick(stacks, secrets, draft ?? {});
        if (component) await offerToAddToStack(stacks, component);
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.editComponentQuickPick',
      guarded(async (target?: StackTreeTarget) => {
        const component = await componentOf(target, 'Edit which component?', true);
        if (!component) return;
        await registerComponentWithQuickPick(
          stacks,
          secrets,
          { type: component.type, flavor: component.flavor },
          component,
        );
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.registerStack',
      guarded(async () => {
        const name = await registerStackWithQuickPick(stacks);
        if (
          name &&
          (await vscode.window.showInformationMessage(`Make "${name}" the active stack?`, 'Make Active')) ===
            'Make Active'
        ) {
          await stacks.setActive(name);
        }
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.editStack',
      guarded(async (target?: StackTreeTarget) => {
        const name = target?.kind === 'stack' ? target.stackName : await pickStack('Edit which stack?');
        if (!name) return;
        if (!(await definitionOf(name)))
          throw new Error(`"${name}" is built in; duplicate it to make a stack you can edit.`);
        await registerStackWithQuickPick(stacks, name);
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.testConnection',
      guarded(async (target?: StackTreeTarget) => {
        const component = await componentOf(target, 'Test the connection of which component?');
        if (!component) return;
        const result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Testing ${component.name}...`, cancellable: false },
          () =>
            testConnection(
              component,
              (field) => Promise.resolve(secrets.get(component.type, component.name, field)),
              undefined,
              editorSignIns(),
            ),
        );
        output.info(
          `Test connection ${component.type}/${component.name}: ${result.ok ? 'ok' : 'failed'}: ${result.message}`,
        );
        if (result.ok) void vscode.window.showInformationMessage(`${component.name}: ${result.message}`);
        else if (result.unsupported) void vscode.window.showInformationMessage(`${component.name}: ${result.message}`);
        else void vscode.window.showErrorMessage(`${component.name}: ${result.message}`);
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.switchStack',
      guarded(async (target?: StackTreeTarget) => {
        const name =
          target?.kind === 'stack' ? target.stackName : await pickStack('Make which stack active in this workspace?');
        if (name) await stacks.setActive(name);
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.deleteStack',
      guarded(async (target?: StackTreeTarget) => {
        const name = target?.kind === 'stack' ? target.stackName : await pickStack('Delete which stack?');
        if (!name) return;
        if (!(await definitionOf(name))) throw new Error(`"${name}" is built in and cannot be deleted.`);
        const answer = await vscode.window.showWarningMessage(
          `Delete stack "${name}"? Its components stay registered.`,
          { modal: true },
          'Delete',
        );
        if (answer !== 'Delete') return;
        await stacks.store.removeStack(name);
        stacks.refresh();
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.duplicateStack',
      guarded(async (target?: StackTreeTarget) => {
        const name = target?.kind === 'stack' ? target.stackName : await pickStack('Duplicate which stack?');
        if (!name) return;
        const stack = (await stacks.stacks()).find((s) => s.name === name)!;
        const taken = new Set((await stacks.stacks()).map((s) => s.name));
        const copyName = await vscode.window.showInputBox({
          prompt: `Name of the copy of "${name}"`,
          value: `${name}-copy`,
          validateInput: (value) =>
            !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value)
              ? 'Use 1-64 letters, digits, _ . -, starting with a letter or digit'
              : taken.has(value)
                ? `A stack named "${value}" exists`
                : undefined,
        });
        if (!copyName) return;
        await stacks.store.putStack({
          name: copyName,
          orchestrator: stack.orchestrator.name,
          artifact_store: stack.artifactStore.name,
          ...(stack.containerRegistry ? { container_registry: stack.containerRegistry.name } : {}),
          step_operators: stack.stepOperators.map((o) => o.name),
        });
        stacks.refresh();
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.deleteComponent',
      guarded(async (target?: StackTreeTarget) => {
        const component = await componentOf(target, 'Delete which component?', true);
        if (!component) return;
        const answer = await vscode.window.showWarningMessage(
          `Delete ${componentTypeLabel(component.type).toLowerCase()} "${component.name}"?`,
          { modal: true, detail: 'Its stored secrets are deleted too.' },
          'Delete',
        );
        if (answer !== 'Delete') return;
        await stacks.store.removeComponent(component.type, component.name);
        await secrets.forget(component);
        stacks.refresh();
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.copyAsYaml',
      guarded(async (target?: StackTreeTarget) => {
        if (!target) return;
        const { stringify } = await loadYaml();
        let text: string;
        if (target.kind === 'component') {
          const { component } = target;
          text = stringify({
            [component.type]: { [component.name]: { flavor: component.flavor, config: component.config } },
          });
        } else {
          const definition = await definitionOf(target.stackName);
          text = stringify({ stacks: { [target.stackName]: definition ? stackEntry(definition) : 'built in' } });
        }
        await vscode.env.clipboard.writeText(text);
        void vscode.window.setStatusBarMessage('Copied as YAML', 3000);
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.exportStackToZenml',
      guarded(async (target?: StackTreeTarget) => {
        const name = target?.kind === 'stack' ? target.stackName : await pickStack('Export which stack?');
        const stack = (await stacks.stacks()).find((s) => s.name === name);
        if (!stack) return;
        const { yaml, notes } = await exportZenmlStack(stack);
        const document = await vscode.workspace.openTextDocument({ language: 'yaml', content: yaml });
        await vscode.window.showTextDocument(document);
        for (const note of notes) output.warn(`Export of ${stack.name}: ${note}`);
        if (notes.length > 0) {
          void vscode.window.showWarningMessage(`Exported with ${notes.length} note(s): ${notes.join(' ')}`);
        }
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.importZenmlStack',
      guarded(async () => {
        const [file] =
          (await vscode.window.showOpenDialog({
            title: 'Import a stack exported with `zenml stack export`',
            filters: { YAML: ['yaml', 'yml'] },
            canSelectMany: false,
          })) ?? [];
        if (!file) return;
        const report = await importZenmlStack(await readFile(file.fsPath, 'utf8'));
        const existing = new Set((await stacks.catalog()).components.map((c) => `${c.type}/${c.name}`));
        for (const component of report.components) {
          // An import never overwrites a registered component.
          if (existing.has(`${component.type}/${component.name}`)) {
            output.warn(`Import: kept the registered ${component.type} "${component.name}".`);
            continue;
          }
          await stacks.store.putComponent(component);
        }
        // Nor a defined stack: a name already in use gets a suffix.
        const name = freeStackName(
          report.stack.name,
          (await stacks.catalog()).stacks.map((st) => st.name),
        );
        await stacks.store.putStack({ ...report.stack, name });
        stacks.refresh();
        for (const note of report.notes) output.warn(`Import of ${report.stackName}: ${note}`);
        void vscode.window.showInformationMessage(
          `Imported stack "${report.stackName}"${name === report.stack.name ? '' : ` as "${name}" (the name was taken)`} with ${report.components.length} component(s)` +
            (report.notes.length > 0 ? `; ${report.notes.length} note(s) in the Step Operators output.` : '.'),
        );
      }),
    ),
  ];
}

function stackEntry(definition: StackDefinition): Record<string, unknown> {
  return Object.fromEntries(Object.entries(definition).filter(([key]) => key !== 'name'));
}

/** After registering a step operator, offer to put it into the active stack or a new one. */
export async function offerToAddToStack(stacks: StackState, component: StackComponent): Promise<void> {
  const TEST = 'Test Connection';
  const testIt = () =>
    vscode.commands.executeCommand('stepops.testConnection', {
      kind: 'component',
      component,
    } satisfies StackTreeTarget);
  if (component.type !== 'step_operator') {
    const choice = await vscode.window.showInformationMessage(
      `Registered ${componentTypeLabel(component.type).toLowerCase()} "${component.name}".`,
      TEST,
    );
    if (choice === TEST) await testIt();
    return;
  }
  const active = stacks.activeStackName();
  const definition = (await stacks.catalog()).definitions.find((d) => d.name === active);
  const addToActive = definition ? `Add to "${active}"` : undefined;
  const choice = await vscode.window.showInformationMessage(
    `Registered step operator "${component.name}". Steps run on it once a stack has it.`,
    ...(addToActive ? [addToActive] : []),
    'New Stack with It',
    TEST,
  );
  if (choice === addToActive && definition) {
    await stacks.store.putStack({ ...definition, step_operators: [...definition.step_operators, component.name] });
    stacks.refresh();
  } else if (choice === 'New Stack with It') {
    const name = freeStackName(
      `${component.name}-stack`,
      (await stacks.catalog()).stacks.map((st) => st.name),
    );
    await stacks.store.putStack({ name, orchestrator: 'embedded', step_operators: [component.name] });
    await stacks.setActive(name);
  } else if (choice === TEST) {
    await testIt();
  }
}
