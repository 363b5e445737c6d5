// Messages between the extension and its webviews. Both sides import this file; the extension
// validates every message it receives with parseWebviewMessage, because a webview is untrusted
// input like any other.

export interface StackView {
  readonly name: string;
  readonly active: boolean;
  readonly components: readonly { name: string; type: string; typeLabel: string; flavor: string }[];
}

/** Extension -> webview. */
export type HostMessage = { readonly type: 'showStack'; readonly stack: StackView };

/** Webview -> extension. */
export type WebviewMessage = { readonly type: 'ready' } | { readonly type: 'setActive'; readonly stackName: string };

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const message = raw as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
      return Object.keys(message).length === 1 ? { type: 'ready' } : undefined;
    case 'setActive':
      return Object.keys(message).length === 2 &&
        typeof message.stackName === 'string' &&
        STACK_NAME.test(message.stackName)
        ? { type: 'setActive', stackName: message.stackName }
        : undefined;
    default:
      return undefined;
  }
}
