// A component's registration form, generated from its flavor's fields. The extension validates
// for real (the same schema as the stacks file); the checks here only make mistakes visible while
// typing.
import { element } from './dom';
import type { ConnectionResultView, FieldView, FormProblem, FormView, WebviewMessage } from './protocol';

interface FormState {
  readonly form: FormView;
  readonly inputs: Map<string, HTMLElement & { value: string }>;
  readonly helpers: Map<string, HTMLElement>;
  readonly groups: Map<string, HTMLElement>;
  nameInput: HTMLElement & { value: string };
  submit: HTMLElement;
  test: HTMLElement;
  connection: HTMLElement;
  timer?: ReturnType<typeof setTimeout>;
}

let state: FormState | undefined;

export function renderForm(root: HTMLElement, form: FormView, post: (message: WebviewMessage) => void): void {
  root.replaceChildren();
  root.append(element('h1', form.title), element('p', form.description));
  const container = element('vscode-form-container');
  const inputs = new Map<string, HTMLElement & { value: string }>();
  const helpers = new Map<string, HTMLElement>();
  const groups = new Map<string, HTMLElement>();

  const nameGroup = group('name', 'Name', true, 'Stacks and @step(step_operator=...) refer to it by this name.');
  const nameInput = textfield('name', form.name, 'e.g. sagemaker-gpu');
  nameGroup.group.insertBefore(nameInput, nameGroup.helper);
  container.append(nameGroup.group);
  helpers.set('name', nameGroup.helper);

  for (const field of form.fields) {
    const { group: fieldGroup, helper } = group(field.name, field.label, field.required, field.description);
    const input = fieldInput(field, form.values[field.name] ?? '', form.storedSecrets.includes(field.name));
    fieldGroup.insertBefore(input, helper);
    container.append(fieldGroup);
    inputs.set(field.name, input);
    helpers.set(field.name, helper);
    groups.set(field.name, fieldGroup);
  }
  const problems = element('div');
  problems.id = 'form-problems';
  problems.setAttribute('role', 'alert');
  helpers.set('', problems);
  const submit = element('vscode-button', form.submitLabel);
  submit.id = 'submit';
  // Tries the values as typed (secrets typed here, else the stored ones) without saving them.
  const test = element('vscode-button', 'Test Connection');
  test.id = 'test-connection';
  test.setAttribute('secondary', '');
  const cancel = element('vscode-button', 'Cancel');
  cancel.setAttribute('secondary', '');
  const actions = element('div');
  actions.className = 'actions';
  actions.append(submit, test, cancel);
  const connection = element('div');
  connection.id = 'connection-result';
  connection.setAttribute('role', 'status');
  connection.setAttribute('aria-live', 'polite');
  root.append(container, problems, actions, connection);

  state = { form, inputs, helpers, groups, nameInput, submit, test, connection };
  const collect = (): { name: string; values: Record<string, string> } => ({
    name: nameInput.value.trim(),
    values: Object.fromEntries([...inputs].map(([key, input]) => [key, readValue(input)])),
  });
  const onChange = (): void => {
    updateVisibility();
    localChecks();
    clearTimeout(state!.timer);
    state!.timer = setTimeout(() => post({ type: 'validate', ...collect() }), 250);
  };
  for (const input of [nameInput, ...inputs.values()]) {
    input.addEventListener('input', onChange);
    input.addEventListener('change', onChange);
  }
  // The button is disabled while a save is in flight; Ctrl+Enter goes through the same check.
  const submitForm = (): void => {
    if (!submit.hasAttribute('disabled')) post({ type: 'submit', ...collect() });
  };
  submit.addEventListener('click', submitForm);
  test.addEventListener('click', () => {
    if (test.hasAttribute('disabled')) return;
    post({ type: 'testConnection', ...collect() });
  });
  cancel.addEventListener('click', () => post({ type: 'cancel' }));
  root.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submitForm();
  });
  updateVisibility();
  nameInput.focus();
}

export function showProblems(problems: readonly FormProblem[]): void {
  if (!state) return;
  for (const [field, helper] of state.helpers) {
    const problem = problems.find((p) => p.field === field);
    setHelper(helper, problem?.message, field === '' ? undefined : defaultHelp(field));
    const input = field === 'name' ? state.nameInput : state.inputs.get(field);
    if (input) input.toggleAttribute('invalid', Boolean(problem));
  }
  const general = problems.filter((p) => p.field !== 'name' && !state!.inputs.has(p.field) && p.field !== '');
  if (general.length > 0) setHelper(state.helpers.get('')!, general.map((p) => `${p.field}: ${p.message}`).join('\n'));
}

export function setBusy(busy: boolean): void {
  state?.submit.toggleAttribute('disabled', busy);
}

export function showConnectionResult(result: ConnectionResultView): void {
  if (!state) return;
  state.test.toggleAttribute('disabled', result.state === 'testing');
  state.connection.textContent = result.message;
  state.connection.className = result.state;
}

function defaultHelp(field: string): string | undefined {
  if (!state) return undefined;
  if (field === 'name') return 'Stacks and @step(step_operator=...) refer to it by this name.';
  return state.form.fields.find((f) => f.name === field)?.description;
}

function setHelper(helper: HTMLElement, error: string | undefined, help?: string): void {
  helper.textContent = error ?? help ?? '';
  helper.classList.toggle('error', Boolean(error));
}

/** Required and pattern checks while typing; the extension's answer replaces them. */
function localChecks(): void {
  if (!state) return;
  const problems: FormProblem[] = [];
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(state.nameInput.value.trim())) {
    problems.push({ field: 'name', message: 'Use 1-64 letters, digits, _ . -, starting with a letter or digit' });
  }
  for (const field of state.form.fields) {
    if (state.groups.get(field.name)?.hidden) continue;
    const value = readValue(state.inputs.get(field.name)!).trim();
    if (!value) {
      if (field.required && field.kind !== 'secret')
        problems.push({ field: field.name, message: `${field.label} is required` });
      continue;
    }
    if (field.pattern && !new RegExp(field.pattern.source, field.pattern.flags).test(value)) {
      problems.push({ field: field.name, message: field.pattern.message });
    }
  }
  showProblems(problems);
}

/** Fields that only apply under another field's value are hidden otherwise. */
function updateVisibility(): void {
  if (!state) return;
  for (const field of state.form.fields) {
    if (!field.when) continue;
    const controlling = state.form.fields.find((f) => f.name === field.when!.field);
    const value = readValue(state.inputs.get(field.when.field)!) || controlling?.defaultText || '';
    state.groups.get(field.name)!.hidden = !field.when.oneOf.includes(value);
  }
}

function group(
  id: string,
  label: string,
  required: boolean,
  help: string,
): { group: HTMLElement; helper: HTMLElement } {
  const fieldGroup = element('vscode-form-group');
  fieldGroup.setAttribute('variant', 'vertical');
  const labelElement = element('vscode-label', label);
  labelElement.setAttribute('for', `field-${id}`);
  if (required) labelElement.setAttribute('required', '');
  const helper = element('vscode-form-helper', help);
  helper.id = `help-${id}`;
  fieldGroup.append(labelElement, helper);
  return { group: fieldGroup, helper };
}

function textfield(id: string, value: string, placeholder?: string, type = 'text'): HTMLElement & { value: string } {
  const input = element('vscode-textfield') as HTMLElement & { value: string };
  input.id = `field-${id}`;
  input.setAttribute('type', type);
  if (placeholder) input.setAttribute('placeholder', placeholder);
  input.value = value;
  return input;
}

function fieldInput(field: FieldView, value: string, secretStored: boolean): HTMLElement & { value: string } {
  if (field.kind === 'enum' || field.kind === 'boolean') {
    const select = element('vscode-single-select') as HTMLElement & { value: string };
    select.id = `field-${field.name}`;
    const options = field.kind === 'boolean' ? ['true', 'false'] : [...(field.options ?? [])];
    const choices = field.required || field.defaultText ? options : ['', ...options];
    for (const option of choices) {
      const optionElement = element('vscode-option', option || '(not set)');
      optionElement.setAttribute('value', option);
      if (option === (value || field.defaultText || '')) optionElement.setAttribute('selected', '');
      select.append(optionElement);
    }
    return select;
  }
  if (field.kind === 'json' || field.kind === 'string-map') {
    const area = element('vscode-textarea') as HTMLElement & { value: string };
    area.id = `field-${field.name}`;
    area.setAttribute('rows', '3');
    if (field.placeholder) area.setAttribute('placeholder', field.placeholder);
    area.value = value;
    return area;
  }
  const placeholder =
    field.kind === 'secret'
      ? secretStored
        ? 'stored (leave empty to keep it)'
        : 'kept in the secret store'
      : (field.placeholder ?? (field.defaultText ? `default: ${field.defaultText}` : undefined));
  const input = textfield(
    field.name,
    field.kind === 'secret' ? '' : value,
    placeholder,
    field.kind === 'secret' ? 'password' : 'text',
  );
  if (field.options) {
    // Suggestions (regions): a datalist in the shadow input is out of reach, so show them as help.
    input.setAttribute('title', `e.g. ${field.options.slice(0, 6).join(', ')}`);
  }
  return input;
}

function readValue(input: HTMLElement & { value: string }): string {
  return String(input.value ?? '');
}
