import * as vscode from 'vscode';

/**
 * Interim lens until step discovery (issue #3) lands: one lens at the top of every Python file
 * that imports zenml, naming the active stack and opening the Stacks view. It promises nothing
 * it cannot do; the per-step Run lenses replace it.
 */
export class StackCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly activeStackName: () => string) {}

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('stepops').get<boolean>('codeLens.enabled', true)) return [];
    if (!/^\s*(from\s+zenml\b|import\s+zenml\b)/m.test(document.getText())) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, {
        title: `$(layers) Step Operators: stack "${this.activeStackName()}"`,
        tooltip: 'Show the stacks this file can run on',
        command: 'workbench.view.extension.stepops',
      }),
    ];
  }
}
