/** Creates an element with optional text content (never HTML: no injection from values). */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K];
export function element(tag: string, text?: string): HTMLElement;
export function element(tag: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}
