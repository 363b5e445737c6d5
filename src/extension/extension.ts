// The composition root: the only place that creates objects and wires them together. Everything
// here is cheap; work that costs (Docker pings, SDK loads) happens on first use, not on activation.
import * as vscode from 'vscode';
import { dockerEngineAnswers } from '../core/images/dockerEngine';
import { DEFAULT_STACK_NAME, type Stack, defaultStack } from '../core/stacks/model';
import { STEPOPS_VERSION } from '../core/version';
import { StackCodeLensProvider } from './codelens/StackCodeLensProvider';
import { StackTreeDataProvider } from './stacks/StackTreeDataProvider';
import { StackDetailsPanel } from './webview/StackDetailsPanel';

const ACTIVE_STACK_KEY = 'stepops.activeStack';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const output = vscode.window.createOutputChannel('Step Operators', { log: true });
  const activeStackName = (): string => context.workspaceState.get<string>(ACTIVE_STACK_KEY, DEFAULT_STACK_NAME);
  const artifactRoot = vscode.Uri.joinPath(context.globalStorageUri, 'artifacts').fsPath;
  const loadStacks = async (): Promise<Stack[]> => [
    defaultStack({ artifactRoot, dockerEngineAvailable: await dockerEngineAnswers() }),
  ];

  const tree = new StackTreeDataProvider(loadStacks, activeStackName);
  const lenses = new StackCodeLensProvider(activeStackName);
  const setActiveStack = async (name: string): Promise<void> => {
    await context.workspaceState.update(ACTIVE_STACK_KEY, name);
    tree.refresh();
    lenses.refresh();
  };
  const details = new StackDetailsPanel(context.extensionUri, output, (name) => void setActiveStack(name));

  context.subscriptions.push(
    output,
    details,
    vscode.window.registerTreeDataProvider('stepops.stacks', tree),
    vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, lenses),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('stepops.codeLens') && lenses.refresh()),
    vscode.commands.registerCommand('stepops.refreshStacks', () => tree.refresh()),
    vscode.commands.registerCommand('stepops.showStack', async (name?: string) => {
      const stacks = await loadStacks();
      const stack = stacks.find((s) => s.name === (name ?? activeStackName()));
      if (!stack) {
        void vscode.window.showErrorMessage(`No stack named "${name}". Refresh the Stacks view and pick one from it.`);
        return;
      }
      details.show(stack, stack.name === activeStackName());
    }),
    vscode.commands.registerCommand('stepops.showVersion', () =>
      vscode.window.showInformationMessage(`Step Operators ${STEPOPS_VERSION}`),
    ),
  );
  output.info(`Step Operators ${STEPOPS_VERSION} activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {
  // Nothing to release: every disposable is in context.subscriptions.
}
