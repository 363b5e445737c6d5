import * as vscode from 'vscode';
import { testConnection } from '../../core/stacks/connectionTest';
import {
  type ComponentConfig,
  type FlavorSpec,
  fieldApplies,
  formatFieldValue,
  parseFieldInput,
  validateConfig,
} from '../../core/stacks/flavors/fieldSpec';
import { type StackComponent, componentTypeLabel } from '../../core/stacks/model';
import { type FormProblem, type FormView, type HostMessage, parseWebviewMessage } from '../../../webview/protocol';
import { editorSignIns } from '../auth/microsoftSignIn';
import type { SecretVault } from '../stacks/SecretVault';
import type { StackState } from '../stacks/StackState';
import { webviewHtml } from './webviewHtml';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The registration form for one component, generated from its flavor's fields. Every message
 * from the page is validated; the config is checked with the same schema as the stacks file
 * before it is written; secrets go to SecretStorage and never back to the page.
 */
export class ComponentFormPanel {
  private readonly panel: vscode.WebviewPanel;
  private disposed = false;
  /** A save in flight: a second submit (a double click, Ctrl+Enter twice) is ignored. */
  private saving = false;

  private constructor(
    extensionUri: vscode.Uri,
    private readonly spec: FlavorSpec,
    private readonly stacks: StackState,
    private readonly secrets: SecretVault,
    private readonly output: vscode.LogOutputChannel,
    private readonly previous: StackComponent | undefined,
    private readonly initialName: string,
    private readonly onSaved: (component: StackComponent) => void,
  ) {
    const verb = previous ? 'Edit' : 'Register';
    this.panel = vscode.window.createWebviewPanel(
      'stepops.componentForm',
      `${verb} ${spec.displayName} ${componentTypeLabel(spec.type).toLowerCase()}`,
      vscode.ViewColumn.Active,
      {
        enableScripts: true,
        retainContextWhenHidden: true,
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
      },
    );
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, this.panel.title);
    this.panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw));
    this.panel.onDidDispose(() => (this.disposed = true));
  }

  static open(
    extensionUri: vscode.Uri,
    spec: FlavorSpec,
    stacks: StackState,
    secrets: SecretVault,
    output: vscode.LogOutputChannel,
    options: { previous?: StackComponent; name?: string; onSaved: (component: StackComponent) => void },
  ): ComponentFormPanel {
    return new ComponentFormPanel(
      extensionUri,
      spec,
      stacks,
      secrets,
      output,
      options.previous,
      options.name ?? options.previous?.name ?? '',
      options.onSaved,
    );
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.output.warn('Ignored a malformed message from the component form.');
      return;
    }
    switch (message.type) {
      case 'ready':
        await this.post({ type: 'showForm', form: await this.formView() });
        return;
      case 'cancel':
        this.panel.dispose();
        return;
      case 'validate':
        await this.post({ type: 'problems', problems: (await this.check(message.name, message.values)).problems });
        return;
      case 'submit':
        await this.submit(message.name, message.values);
        return;
      case 'testConnection':
        await this.testConnection(message.name, message.values);
        return;
      default:
        return;
    }
  }

  private async formView(): Promise<FormView> {
    const config = this.previous?.config ?? {};
    return {
      title: `${this.previous ? 'Edit' : 'Register'} ${this.spec.displayName} ${componentTypeLabel(this.spec.type).toLowerCase()}`,
      description: this.spec.description,
      name: this.initialName,
      fields: this.spec.fields.map((field) => ({
        name: field.name,
        label: field.label,
        kind: field.kind,
        description: field.description,
        required: Boolean(field.required),
        ...(field.placeholder ? { placeholder: field.placeholder } : {}),
        ...(field.default !== undefined ? { defaultText: String(field.default) } : {}),
        ...(field.options ? { options: field.options } : {}),
        ...(field.pattern
          ? {
              pattern: {
                source: field.pattern.regex.source,
                flags: field.pattern.regex.flags,
                message: field.pattern.message,
              },
            }
          : {}),
        ...(field.when ? { when: field.when } : {}),
      })),
      values: Object.fromEntries(this.spec.fields.map((f) => [f.name, formatFieldValue(f, config[f.name])])),
      storedSecrets: this.previous ? await this.secrets.stored(this.previous) : [],
      submitLabel: this.previous ? 'Save' : 'Register',
    };
  }

  /** Turns form text into a config and checks it exactly as the stacks file would be checked. */
  private async check(
    name: string,
    values: Readonly<Record<string, string>>,
  ): Promise<{ problems: FormProblem[]; config: ComponentConfig; secretValues: Record<string, string> }> {
    const problems: FormProblem[] = [];
    const config: ComponentConfig = {};
    const secretValues: Record<string, string> = {};
    if (!NAME.test(name))
      problems.push({ field: 'name', message: 'Use 1-64 letters, digits, _ . -, starting with a letter or digit' });
    const taken = (await this.stacks.catalog()).components.some(
      (c) => c.type === this.spec.type && c.name === name && c.name !== this.previous?.name,
    );
    if (taken)
      problems.push({
        field: 'name',
        message: `A ${componentTypeLabel(this.spec.type).toLowerCase()} named "${name}" exists`,
      });
    for (const [key, text] of Object.entries(values)) {
      const field = this.spec.fields.find((f) => f.name === key);
      if (!field) continue; // validated shape, unknown field: ignore rather than store
      const parsed = parseFieldInput(field, text);
      if (parsed.error) problems.push({ field: key, message: parsed.error });
      else if (field.kind === 'secret') {
        if (typeof parsed.value === 'string') secretValues[key] = parsed.value;
      } else if (parsed.value !== undefined) config[key] = parsed.value;
    }
    for (const field of this.spec.fields) {
      if (!fieldApplies(this.spec, field, config)) delete config[field.name];
    }
    const validation = validateConfig(this.spec, config);
    if (!validation.ok) {
      for (const problem of validation.problems) {
        if (!problems.some((p) => p.field === problem.field)) problems.push(problem);
      }
    }
    return { problems, config, secretValues };
  }

  private async submit(name: string, values: Readonly<Record<string, string>>): Promise<void> {
    if (this.saving) return;
    this.saving = true;
    await this.post({ type: 'busy', busy: true });
    try {
      const { problems, config, secretValues } = await this.check(name, values);
      if (problems.length > 0) {
        await this.post({ type: 'problems', problems });
        return;
      }
      const component: StackComponent = { name, type: this.spec.type, flavor: this.spec.flavor, config };
      await this.stacks.store.putComponent(component, this.previous?.name);
      if (this.previous && this.previous.name !== name) await this.secrets.rename(component, this.previous.name, name);
      for (const [field, value] of Object.entries(secretValues))
        await this.secrets.set(this.spec.type, name, field, value);
      this.stacks.refresh();
      this.panel.dispose();
      this.onSaved(component);
    } catch (error) {
      await this.post({ type: 'problems', problems: [{ field: '', message: (error as Error).message }] });
    } finally {
      this.saving = false;
      if (!this.disposed) await this.post({ type: 'busy', busy: false });
    }
  }

  /** Tries the values as typed, before anything is saved: typed secrets, else the stored ones. */
  private async testConnection(name: string, values: Readonly<Record<string, string>>): Promise<void> {
    const { problems, config, secretValues } = await this.check(name || 'unnamed', values);
    const blocking = problems.filter((p) => p.field !== 'name');
    if (blocking.length > 0) {
      await this.post({ type: 'problems', problems });
      await this.post({
        type: 'connectionResult',
        result: { state: 'failed', message: 'Fix the fields marked above first.' },
      });
      return;
    }
    await this.post({ type: 'connectionResult', result: { state: 'testing', message: 'Testing the connection...' } });
    const component: StackComponent = {
      name: name || 'unnamed',
      type: this.spec.type,
      flavor: this.spec.flavor,
      config,
    };
    const previous = this.previous;
    const result = await testConnection(
      component,
      async (field) =>
        secretValues[field] !== undefined
          ? secretValues[field]
          : previous
            ? this.secrets.get(previous.type, previous.name, field)
            : undefined,
      undefined,
      editorSignIns(),
    ).catch((error: unknown) => ({ ok: false, unsupported: false, message: (error as Error).message }));
    this.output.info(
      `Test connection (form) ${component.type}/${component.name}: ${result.ok ? 'ok' : 'failed'}: ${result.message}`,
    );
    if (this.disposed) return;
    const state = result.ok ? 'ok' : result.unsupported ? 'unavailable' : 'failed';
    await this.post({ type: 'connectionResult', result: { state, message: result.message } });
  }

  private async post(message: HostMessage): Promise<void> {
    await this.panel.webview.postMessage(message);
  }
}
