// Entry point of the webview bundle. Runs under a strict CSP (no inline script, no remote
// content); renders what the extension sends with @vscode-elements web components (the
// successor of the archived webview-ui-toolkit) and posts back only protocol messages.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-form-container/index.js';
import '@vscode-elements/elements/dist/vscode-form-group/index.js';
import '@vscode-elements/elements/dist/vscode-form-helper/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { renderForm, setBusy, showConnectionResult, showProblems } from './componentForm';
import type { HostMessage, WebviewMessage } from './protocol';
import { renderStack } from './stackView';

declare function acquireVsCodeApi(): { postMessage(message: WebviewMessage): void };

const vscode = acquireVsCodeApi();
const post = (message: WebviewMessage): void => vscode.postMessage(message);
const root = document.getElementById('root')!;

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message?.type) {
    case 'showStack':
      renderStack(root, message.stack, post);
      break;
    case 'showForm':
      renderForm(root, message.form, post);
      break;
    case 'problems':
      showProblems(message.problems);
      break;
    case 'busy':
      setBusy(message.busy);
      break;
    case 'connectionResult':
      showConnectionResult(message.result);
      break;
  }
});
post({ type: 'ready' });
