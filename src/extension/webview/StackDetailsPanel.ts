import * as vscode from 'vscode';
import { type Stack, componentTypeLabel, componentsOf } from '../../core/stacks/model';
import { type HostMessage, type StackView, parseWebviewMessage } from '../../../webview/protocol';
import { webviewHtml } from './webviewHtml';

/** One panel that shows the stack last asked for; reused rather than stacking up tabs. */
export class StackDetailsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private shown: StackView | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.LogOutputChannel,
    private readonly onSetActive: (stackName: string) => void,
  ) {}

  show(stack: Stack, active: boolean): void {
    this.shown = toView(stack, active);
    if (!this.panel) this.panel = this.createPanel();
    this.panel.title = `Stack: ${stack.name}`;
    this.panel.reveal();
    void this.post({ type: 'showStack', stack: this.shown });
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private createPanel(): vscode.WebviewPanel {
    const panel = vscode.window.createWebviewPanel('stepops.stackDetails', 'Stack', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(this.extensionUri, 'dist'),
        vscode.Uri.joinPath(this.extensionUri, 'media'),
      ],
    });
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'Stack');
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseWebviewMessage(raw);
      if (!message) {
        this.output.warn('Ignored a malformed message from the stack details webview.');
        return;
      }
      if (message.type === 'ready' && this.shown) void this.post({ type: 'showStack', stack: this.shown });
      if (message.type === 'setActive') this.onSetActive(message.stackName);
    });
    panel.onDidDispose(() => (this.panel = undefined));
    return panel;
  }

  private post(message: HostMessage): Thenable<boolean> | undefined {
    return this.panel?.webview.postMessage(message);
  }
}

function toView(stack: Stack, active: boolean): StackView {
  return {
    name: stack.name,
    active,
    components: componentsOf(stack).map((c) => ({
      name: c.name,
      type: c.type,
      typeLabel: componentTypeLabel(c.type),
      flavor: c.flavor,
    })),
  };
}
