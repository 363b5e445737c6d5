import * as vscode from 'vscode';
import type { StackState } from './StackState';

/** "$(layers) gpu-stack" in the status bar; a click switches stacks. */
export class StackStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('stepops.activeStack', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly stacks: StackState) {
    this.item.name = 'Step Operators: Active Stack';
    this.item.command = 'stepops.switchStack';
    this.subscription = stacks.onDidChange(() => this.update());
    this.update();
    this.item.show();
    void stacks.catalog(); // the active stack is known once the workspace config has been read
  }

  private update(): void {
    const name = this.stacks.activeStackName();
    this.item.text = `$(layers) ${name}`;
    this.item.tooltip = `Active stack: ${name}. Click to switch.`;
    this.item.accessibilityInformation = { label: `Active stack ${name}. Switch stack.`, role: 'button' };
    // A configured stack the stacks file does not (or no longer) define: runs use "default".
    void this.stacks.catalog().then((catalog) => {
      if (catalog.stacks.some((s) => s.name === name)) return;
      this.item.text = `$(warning) ${name}`;
      this.item.tooltip = `The active stack "${name}" is not defined (see the Problems panel); runs use "default". Click to switch.`;
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
