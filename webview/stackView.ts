import { element } from './dom';
import type { StackView, WebviewMessage } from './protocol';

export function renderStack(root: HTMLElement, stack: StackView, post: (message: WebviewMessage) => void): void {
  root.replaceChildren();
  root.append(element('h1', `Stack "${stack.name}"${stack.active ? ' (active)' : ''}`));
  const table = element('vscode-table');
  table.setAttribute('zebra', '');
  table.setAttribute('bordered-columns', '');
  const header = element('vscode-table-header');
  header.setAttribute('slot', 'header');
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
  table.append(header, body);
  root.append(table);
  if (!stack.active) {
    const button = element('vscode-button', 'Make active');
    button.addEventListener('click', () => post({ type: 'setActive', stackName: stack.name }));
    root.append(button);
  }
}
