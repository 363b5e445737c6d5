// Stack details panel. Runs inside a webview under a strict CSP (no inline script, no remote
// content); the extension sends the stack to show, and this script renders it with
// @vscode-elements web components (the successor of the archived webview-ui-toolkit).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import type { HostMessage, StackView, WebviewMessage } from './protocol';

declare function acquireVsCodeApi(): { postMessage(message: WebviewMessage): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K];
function element(tag: string, text?: string): HTMLElement;
function element(tag: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

function render(stack: StackView): void {
  root.replaceChildren();
  root.append(element('h1', `Stack "${stack.name}"${stack.active ? ' (active)' : ''}`));
  const table = element('vscode-table');
  table.setAttribute('zebra', '');
  table.setAttribute('bordered-columns', '');
  const header = element('vscode-table-header');
  for (const title of ['Component', 'Type', 'Flavor']) header.append(element('vscode-table-header-cell', title));
  const body = element('vscode-table-body');
  body.setAttribute('slot', 'body');
  for (const component of stack.components) {
    const row = element('vscode-table-row');
    for (const value of [component.name, component.typeLabel, component.flavor]) {
      row.append(element('vscode-table-cell', value));
    }
    body.append(row);
  }
  header.setAttribute('slot', 'header');
  table.append(header, body);
  root.append(table);
  if (!stack.active) {
    const button = element('vscode-button', 'Make active');
    button.addEventListener('click', () => vscode.postMessage({ type: 'setActive', stackName: stack.name }));
    root.append(button);
  }
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  if (event.data?.type === 'showStack') render(event.data.stack);
});
vscode.postMessage({ type: 'ready' });
