// The composition root: the only place that creates objects and wires them together. Everything
// here is cheap; work that costs (the Python parser, Docker pings, SDK loads) happens on first
// use, not on activation.
import * as vscode from 'vscode';
import { STEPOPS_VERSION } from '../core/version';
import { loadedVendorBundles } from './loadedBundles';
import { defaultArtifactRoot, defaultStacksFile } from '../core/stacks/stackStore';
import { SecretVault } from './stacks/SecretVault';
import { RunManager } from './runs/RunManager';
import { RunTreeDataProvider } from './runs/RunTreeDataProvider';
import { registerRunCommands } from './runs/runCommands';
import { StackState } from './stacks/StackState';
import { StackStatusBar } from './stacks/StackStatusBar';
import { registerRegistrationCommands } from './stacks/registrationCommands';
import { registerStackCommands } from './stacks/stackCommands';
import { StackTreeDataProvider } from './stacks/StackTreeDataProvider';
import { StepCodeLensProvider } from './steps/StepCodeLensProvider';
import { StepDocuments } from './steps/StepDocuments';
import { StepHoverProvider } from './steps/StepHoverProvider';
import { StepTreeDataProvider } from './steps/StepTreeDataProvider';
import { WorkspaceStepIndexer } from './steps/WorkspaceStepIndexer';
import { registerStepCommands } from './steps/stepCommands';
import { StackDetailsPanel } from './webview/StackDetailsPanel';

const PYTHON_FILES: vscode.DocumentSelector = { language: 'python', scheme: 'file' };

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const output = vscode.window.createOutputChannel('Step Operators', { log: true });
  const stacks = new StackState(
    defaultStacksFile(),
    defaultArtifactRoot(),
    vscode.workspace.workspaceFolders?.[0]?.uri,
  );
  const secrets = new SecretVault(context.secrets);
  const documents = new StepDocuments();
  const stackTree = new StackTreeDataProvider(stacks);
  const stepTree = new StepTreeDataProvider(documents);
  const lenses = new StepCodeLensProvider(documents, stacks);
  const indexer = new WorkspaceStepIndexer(documents, output);
  const stackView = vscode.window.createTreeView('stepops.stacks', {
    treeDataProvider: stackTree,
    showCollapseAll: true,
  });
  const folder = vscode.workspace.workspaceFolders?.[0];
  const runs =
    folder?.uri.scheme === 'file'
      ? new RunManager(
          folder.uri.fsPath,
          defaultArtifactRoot(),
          vscode.Uri.joinPath(context.extensionUri, 'runtime').fsPath,
          stacks,
          documents,
          secrets,
          output,
        )
      : undefined;
  const details = new StackDetailsPanel(context.extensionUri, output, (name) =>
    stacks.setActive(name).catch((error: Error) => void vscode.window.showErrorMessage(error.message)),
  );

  context.subscriptions.push(
    output,
    stacks,
    details,
    new StackStatusBar(stacks),
    stepTree,
    indexer,
    stackView,
    vscode.window.registerTreeDataProvider('stepops.steps', stepTree),
    vscode.languages.registerCodeLensProvider(PYTHON_FILES, lenses),
    vscode.languages.registerHoverProvider(PYTHON_FILES, new StepHoverProvider(documents, stacks)),
    vscode.workspace.onDidCloseTextDocument((document) => documents.forget(document)),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('stepops.codeLens') && lenses.refresh()),
    stacks.onDidChange(() => {
      stackTree.refresh();
      lenses.refresh();
    }),
    vscode.commands.registerCommand('stepops.refreshStacks', () => stacks.refresh()),
    vscode.commands.registerCommand('stepops.showStack', async (name?: string) => {
      const all = await stacks.stacks();
      const stack = all.find((s) => s.name === (name ?? stacks.activeStackName()));
      if (!stack) {
        void vscode.window.showErrorMessage(`No stack named "${name}". Refresh the Stacks view and pick one from it.`);
        return;
      }
      details.show(stack, stack.name === stacks.activeStackName());
    }),
    vscode.commands.registerCommand('stepops.showVersion', () =>
      vscode.window.showInformationMessage(`Step Operators ${STEPOPS_VERSION}`),
    ),
    ...registerStepCommands(documents, stacks, runs),
    ...(runs
      ? [
          runs,
          vscode.window.registerTreeDataProvider('stepops.runs', new RunTreeDataProvider(runs)),
          ...registerRunCommands(runs),
        ]
      : []),
    ...registerStackCommands(stacks, secrets, output),
    ...registerRegistrationCommands(
      context.extensionUri,
      stacks,
      secrets,
      { provider: stackTree, view: stackView },
      output,
    ),
  );
  // Indexing reads every Python file, reattaching reads the run records: both after activation.
  setTimeout(() => {
    indexer.start();
    void runs?.reattach();
  }, 0);
  const loaded = loadedVendorBundles(__dirname);
  output.info(
    `Step Operators ${STEPOPS_VERSION} activated in ${(performance.now() - started).toFixed(1)} ms; ` +
      `vendor bundles loaded: ${loaded.length > 0 ? loaded.join(', ') : 'none'}`,
  );
}

export function deactivate(): void {
  // Nothing to release: every disposable is in context.subscriptions.
}
