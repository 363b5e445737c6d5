// Messages between the extension and its webviews. Both sides import this file; the extension
// validates every message it receives with parseWebviewMessage, because a webview is untrusted
// input like any other.

export interface StackView {
  readonly name: string;
  readonly active: boolean;
  readonly components: readonly { name: string; type: string; typeLabel: string; flavor: string }[];
}

/** One field of a component form, serialisable (patterns travel as source and flags). */
export interface FieldView {
  readonly name: string;
  readonly label: string;
  readonly kind: string;
  readonly description: string;
  readonly required: boolean;
  readonly placeholder?: string;
  readonly defaultText?: string;
  readonly options?: readonly string[];
  readonly pattern?: { readonly source: string; readonly flags: string; readonly message: string };
  readonly when?: { readonly field: string; readonly oneOf: readonly string[] };
}

export interface FormView {
  readonly title: string;
  readonly description: string;
  readonly name: string;
  readonly fields: readonly FieldView[];
  /** Current values as the text a user would type. */
  readonly values: Readonly<Record<string, string>>;
  /** Secret fields that already have a stored value (shown as "stored", never sent). */
  readonly storedSecrets: readonly string[];
  readonly submitLabel: string;
}

export interface FormProblem {
  /** A field name, or "name" for the component's name, or "" for the whole form. */
  readonly field: string;
  readonly message: string;
}

/** Extension -> webview. */
export type HostMessage =
  | { readonly type: 'showStack'; readonly stack: StackView }
  | { readonly type: 'showForm'; readonly form: FormView }
  | { readonly type: 'problems'; readonly problems: readonly FormProblem[] }
  | { readonly type: 'busy'; readonly busy: boolean }
  | { readonly type: 'connectionResult'; readonly result: ConnectionResultView };

/** The form's "Test Connection" outcome. */
export interface ConnectionResultView {
  readonly state: 'testing' | 'ok' | 'failed' | 'unavailable';
  readonly message: string;
}

/** Webview -> extension. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'setActive'; readonly stackName: string }
  | {
      readonly type: 'validate' | 'submit' | 'testConnection';
      readonly name: string;
      readonly values: Readonly<Record<string, string>>;
    }
  | { readonly type: 'cancel' };

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const FIELD_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_VALUE_LENGTH = 20_000;
const MAX_FIELDS = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasExactly(message: Record<string, unknown>, keys: readonly string[]): boolean {
  const present = Object.keys(message);
  return present.length === keys.length && keys.every((k) => present.includes(k));
}

function parseValues(raw: unknown): Record<string, string> | undefined {
  if (!isRecord(raw)) return undefined;
  const entries = Object.entries(raw);
  if (entries.length > MAX_FIELDS) return undefined;
  const values: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (!FIELD_NAME.test(key) || typeof value !== 'string' || value.length > MAX_VALUE_LENGTH) return undefined;
    values[key] = value;
  }
  return values;
}

export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
    case 'cancel':
      return hasExactly(raw, ['type']) ? { type: raw.type } : undefined;
    case 'setActive':
      return hasExactly(raw, ['type', 'stackName']) &&
        typeof raw.stackName === 'string' &&
        STACK_NAME.test(raw.stackName)
        ? { type: 'setActive', stackName: raw.stackName }
        : undefined;
    case 'validate':
    case 'submit':
    case 'testConnection': {
      if (!hasExactly(raw, ['type', 'name', 'values'])) return undefined;
      if (typeof raw.name !== 'string' || raw.name.length > 64) return undefined;
      const values = parseValues(raw.values);
      return values ? { type: raw.type, name: raw.name, values } : undefined;
    }
    default:
      return undefined;
  }
}
