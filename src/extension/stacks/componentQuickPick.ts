// The keyboard path for registering and editing components and stacks: native QuickPicks and
// input boxes, one question at a time, driven by the same flavor field specs as the form.
import * as vscode from 'vscode';
import { findFlavor, flavorsOf } from '../../core/stacks/flavors/flavorCatalog';
import {
  type ComponentConfig,
  type FieldSpec,
  type FlavorSpec,
  fieldApplies,
  fieldProblem,
  formatFieldValue,
  parseFieldInput,
  validateConfig,
} from '../../core/stacks/flavors/fieldSpec';
import { type ComponentType, type StackComponent, componentTypeLabel, isLocalOperator } from '../../core/stacks/model';
import type { SecretVault } from './SecretVault';
import type { StackState } from './StackState';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NAME_RULE = 'Use 1-64 letters, digits, _ . -, starting with a letter or digit';
const REGISTRABLE: readonly ComponentType[] = ['step_operator', 'container_registry', 'artifact_store'];

export interface ComponentDraft {
  readonly type: ComponentType;
  readonly flavor?: string;
  readonly name?: string;
  readonly config?: ComponentConfig;
}

/** Asks for everything a component needs; returns it saved, or undefined if the user gave up. */
export async function registerComponentWithQuickPick(
  stacks: StackState,
  secrets: SecretVault,
  draft: Partial<ComponentDraft> = {},
  previous?: StackComponent,
): Promise<StackComponent | undefined> {
  const type = draft.type ?? (await pickType());
  if (!type) return undefined;
  const spec = draft.flavor ? findFlavor(type, draft.flavor) : await pickFlavor(type);
  if (!spec) return undefined;
  const taken = new Set(
    (await stacks.catalog()).components.filter((c) => c.type === type && c.name !== previous?.name).map((c) => c.name),
  );
  const name = await vscode.window.showInputBox({
    title: `${spec.displayName}: name`,
    prompt: `A name for this ${componentTypeLabel(type).toLowerCase()}; stacks and @step(step_operator=...) refer to it.`,
    value: draft.name ?? previous?.name ?? spec.flavor,
    ignoreFocusOut: true,
    validateInput: (value) =>
      !NAME.test(value) ? NAME_RULE : taken.has(value) ? `"${value}" is already registered` : undefined,
  });
  if (!name) return undefined;

  const config: ComponentConfig = { ...(previous?.config ?? {}), ...(draft.config ?? {}) };
  const secretValues: Record<string, string> = {};
  const required = spec.fields.filter((f) => f.required || (f.when && f.required));
  const optional = spec.fields.filter((f) => !f.required);
  for (const field of required) {
    if (!fieldApplies(spec, field, config)) continue;
    if (!(await askField(spec, field, config, secretValues))) return undefined;
  }
  if (optional.length > 0) {
    const chosen = await vscode.window.showQuickPick(
      optional
        .filter((f) => fieldApplies(spec, f, config))
        .map((field) => ({
          label: field.label,
          description:
            config[field.name] !== undefined
              ? formatFieldValue(field, config[field.name])
              : field.default !== undefined
                ? `default ${String(field.default)}`
                : '',
          detail: field.description,
          field,
        })),
      {
        title: `${spec.displayName} "${name}": optional settings`,
        placeHolder: 'Pick the settings to change (Enter to keep the defaults)',
        canPickMany: true,
        ignoreFocusOut: true,
      },
    );
    if (chosen === undefined) return undefined;
    for (const { field } of chosen) {
      if (!fieldApplies(spec, field, config)) continue;
      if (!(await askField(spec, field, config, secretValues))) return undefined;
    }
  }
  const validation = validateConfig(spec, config);
  if (!validation.ok) {
    throw new Error(
      `${spec.displayName} "${name}" is not valid: ${validation.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    );
  }
  const component: StackComponent = { name, type, flavor: spec.flavor, config: validation.config };
  await stacks.store.putComponent(component, previous?.name);
  if (previous && previous.name !== name) await secrets.rename(component, previous.name, name);
  for (const [field, value] of Object.entries(secretValues)) await secrets.set(type, name, field, value);
  stacks.refresh();
  return component;
}

/** The kind of component to register; shared by the form and the keyboard paths. */
export async function pickType(): Promise<ComponentType | undefined> {
  const picked = await vscode.window.showQuickPick(
    REGISTRABLE.map((type) => ({ label: componentTypeLabel(type), type })),
    { title: 'Register a stack component', placeHolder: 'What kind of component?' },
  );
  return picked?.type;
}

/** The flavor to register; `name` is the component's when it is already known. */
export async function pickFlavor(type: ComponentType, name?: string): Promise<FlavorSpec | undefined> {
  const picked = await vscode.window.showQuickPick(
    flavorsOf(type).map((spec) => ({
      label: `$(${spec.icon}) ${spec.displayName}`,
      description: spec.flavor,
      detail: spec.description,
      spec,
    })),
    {
      title: `Register a ${componentTypeLabel(type).toLowerCase()}${name ? ` named "${name}"` : ''}`,
      placeHolder: 'Which flavor?',
    },
  );
  return picked?.spec;
}

/** Asks one field; writes its value into config (or secrets). False when the user cancelled. */
async function askField(
  spec: FlavorSpec,
  field: FieldSpec,
  config: ComponentConfig,
  secrets: Record<string, string>,
): Promise<boolean> {
  const title = `${spec.displayName}: ${field.label}${field.required ? '' : ' (optional)'}`;
  if (field.kind === 'enum' || (field.kind === 'string' && field.options)) {
    const current = config[field.name] ?? field.default;
    const items = [
      ...(field.options ?? []).map((option) => ({
        label: option,
        description: option === current ? 'current' : undefined,
        value: option as string | undefined,
      })),
      ...(field.kind === 'string' ? [{ label: '$(edit) Other...', description: undefined, value: undefined }] : []),
      ...(!field.required ? [{ label: '$(close) Not set', description: undefined, value: '' }] : []),
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title,
      placeHolder: field.description,
      ignoreFocusOut: true,
    });
    if (!picked) return false;
    if (picked.value === '') {
      delete config[field.name];
      return true;
    }
    if (picked.value !== undefined) {
      config[field.name] = picked.value;
      return true;
    }
  }
  const input = await vscode.window.showInputBox({
    title,
    prompt: field.description,
    placeHolder: field.placeholder ?? (field.default !== undefined ? `default: ${String(field.default)}` : undefined),
    value: field.kind === 'secret' ? '' : formatFieldValue(field, config[field.name]),
    password: field.kind === 'secret',
    ignoreFocusOut: true,
    validateInput: (text) => {
      const parsed = parseFieldInput(field, text);
      if (parsed.error) return parsed.error;
      if (parsed.value === undefined)
        return field.required && field.kind !== 'secret' ? `${field.label} is required` : undefined;
      if (field.kind === 'secret') return undefined;
      return fieldProblem(spec, field.name, { ...config, [field.name]: parsed.value });
    },
  });
  if (input === undefined) return false;
  const parsed = parseFieldInput(field, input);
  if (field.kind === 'secret') {
    if (typeof parsed.value === 'string') secrets[field.name] = parsed.value;
  } else if (parsed.value === undefined) {
    delete config[field.name];
  } else {
    config[field.name] = parsed.value;
  }
  return true;
}

/** Asks for a stack's name and components; saves it. */
export async function registerStackWithQuickPick(
  stacks: StackState,
  previousName?: string,
): Promise<string | undefined> {
  const catalog = await stacks.catalog();
  const previous = previousName ? catalog.definitions.find((d) => d.name === previousName) : undefined;
  const taken = new Set(catalog.stacks.map((s) => s.name).filter((n) => n !== previousName));
  const name = await vscode.window.showInputBox({
    title: previous ? `Edit stack "${previous.name}"` : 'Register a stack: name',
    value: previous?.name ?? '',
    prompt: 'A name for the stack',
    ignoreFocusOut: true,
    validateInput: (value) =>
      !NAME.test(value) ? NAME_RULE : taken.has(value) ? `A stack named "${value}" exists` : undefined,
  });
  if (!name) return undefined;
  const ofType = (type: ComponentType) => catalog.components.filter((c) => c.type === type);
  const pickOne = async (
    type: ComponentType,
    current: string | undefined,
    optional: boolean,
  ): Promise<string | null | undefined> => {
    const items = [
      ...ofType(type).map((c) => ({
        label: c.name,
        description: `${c.flavor}${c.name === current ? ' · current' : ''}`,
        value: c.name as string | null,
      })),
      ...(optional ? [{ label: '$(close) None', description: '', value: null }] : []),
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: `Stack "${name}": ${componentTypeLabel(type).toLowerCase()}`,
      ignoreFocusOut: true,
    });
    return picked === undefined ? undefined : picked.value;
  };
  const artifactStore = await pickOne('artifact_store', previous?.artifact_store, false);
  if (artifactStore === undefined) return undefined;
  const registry = await pickOne('container_registry', previous?.container_registry, true);
  if (registry === undefined) return undefined;
  const operators = await vscode.window.showQuickPick(
    ofType('step_operator').map((c) => ({
      label: c.name,
      description: findFlavor('step_operator', c.flavor)?.displayName,
      picked: previous ? previous.step_operators.includes(c.name) : isLocalOperator(c),
    })),
    {
      title: `Stack "${name}": step operators`,
      canPickMany: true,
      ignoreFocusOut: true,
      placeHolder: 'Steps can run on any of these',
    },
  );
  if (!operators) return undefined;
  await stacks.store.putStack(
    {
      name,
      orchestrator: 'embedded',
      ...(artifactStore ? { artifact_store: artifactStore } : {}),
      ...(registry ? { container_registry: registry } : {}),
      step_operators: operators.map((o) => o.label),
    },
    previousName,
  );
  stacks.refresh();
  return name;
}
