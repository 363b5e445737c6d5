import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Document } from 'yaml';
import { writeFileAtomic } from '../files/atomicWrite';
import { findFlavor } from './flavors/flavorCatalog';
import { validateConfig } from './flavors/fieldSpec';
import { loadYaml } from './loadYaml';
import { type ComponentType, DEFAULT_STACK_NAME, type Stack, type StackComponent, defaultStack } from './model';
import { type FileDiagnostic, type StackDefinition, parseStackFile, resolveStacks } from './stackFile';

const HEADER =
  '# stepops stacks, shared by the VS Code extension and the stepops CLI.\n' +
  "# Secrets are not stored here: the extension keeps them in VS Code's secret storage and the\n" +
  '# CLI reads them from environment variables named STEPOPS_SECRET_<COMPONENT>_<FIELD>.\n';

/** Where the user's stacks live: $STEPOPS_HOME/stacks.yaml, else the XDG config folder. */
export function defaultStacksFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STEPOPS_HOME) return path.join(env.STEPOPS_HOME, 'stacks.yaml');
  const config = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(config, 'stepops', 'stacks.yaml');
}

/**
 * The default stack's local artifact store: $STEPOPS_HOME/artifacts, else ~/.stepops/artifacts.
 * The extension and the CLI use the same folder, so either can read the other's outputs.
 */
export function defaultArtifactRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.STEPOPS_HOME ?? path.join(os.homedir(), '.stepops'), 'artifacts');
}

export interface StackCatalog {
  /** Every stack, the built-in default first unless the file redefines it. */
  readonly stacks: readonly Stack[];
  /** Every component: built-in ones and the file's. */
  readonly components: readonly StackComponent[];
  /** The built-in ones among them (not in the file; cannot be edited or deleted). */
  readonly builtInComponents: readonly StackComponent[];
  readonly definitions: readonly StackDefinition[];
  readonly diagnostics: readonly FileDiagnostic[];
  readonly writable: boolean;
  readonly file: string;
}

export class StackFileError extends Error {
  constructor(
    message: string,
    readonly diagnostics: readonly FileDiagnostic[] = [],
  ) {
    super(message);
    this.name = 'StackFileError';
  }
}

export interface BuiltInOptions {
  readonly artifactRoot: string;
  readonly dockerEngineAvailable: boolean;
}

export class StackStore {
  constructor(
    readonly file: string,
    private readonly builtIns: () => Promise<BuiltInOptions>,
  ) {}

  async read(): Promise<StackCatalog> {
    const text = await this.readText();
    const parsed = await parseStackFile(text ?? '');
    const builtIn = defaultStack(await this.builtIns());
    const builtInComponents = [builtIn.orchestrator, builtIn.artifactStore, ...builtIn.stepOperators];
    const unshadowed = builtInComponents.filter(
      (b) => !parsed.components.some((c) => c.type === b.type && c.name === b.name),
    );
    const components = [...unshadowed, ...parsed.components];
    const resolved = resolveStacks(parsed.stacks, components, builtIn);
    // The file may redefine a built-in component (say, local-docker with another base image);
    // the default stack then uses the file's definition.
    const effective = <T extends StackComponent>(c: T): StackComponent =>
      parsed.components.find((p) => p.type === c.type && p.name === c.name) ?? c;
    const defaultStackResolved: Stack = {
      ...builtIn,
      orchestrator: effective(builtIn.orchestrator),
      artifactStore: effective(builtIn.artifactStore),
      stepOperators: builtIn.stepOperators.map(effective),
    };
    const stacks = resolved.stacks.some((s) => s.name === DEFAULT_STACK_NAME)
      ? resolved.stacks
      : [defaultStackResolved, ...resolved.stacks];
    return {
      stacks,
      components,
      builtInComponents: unshadowed,
      definitions: parsed.stacks,
      diagnostics: [...parsed.diagnostics, ...resolved.diagnostics],
      writable: parsed.writable,
      file: this.file,
    };
  }

  /** Adds or replaces a component after validating its config against its flavor. */
  async putComponent(component: StackComponent, previousName?: string): Promise<void> {
    const spec = findFlavor(component.type, component.flavor);
    if (!spec) throw new StackFileError(`Unknown ${component.type} flavor "${component.flavor}".`);
    const validation = validateConfig(spec, component.config);
    if (!validation.ok) {
      throw new StackFileError(
        `${spec.displayName} "${component.name}" is not valid: ${validation.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      );
    }
    await this.edit((document) => {
      if (previousName && previousName !== component.name) {
        document.deleteIn(['components', component.type, previousName]);
        renameReferences(document, component.type, previousName, component.name);
      }
      const existing = document.getIn(['components', component.type, component.name]);
      if (existing) document.setIn(['components', component.type, component.name, 'flavor'], component.flavor);
      else
        document.setIn(
          ['components', component.type, component.name],
          document.createNode({ flavor: component.flavor }),
        );
      // Replace config key by key so that comments on untouched keys survive.
      const configPath = ['components', component.type, component.name, 'config'];
      const current =
        (document.getIn(configPath) as { toJSON?: () => Record<string, unknown> } | undefined)?.toJSON?.() ?? {};
      for (const key of Object.keys(current)) if (!(key in validation.config)) document.deleteIn([...configPath, key]);
      for (const [key, value] of Object.entries(validation.config)) {
        if (JSON.stringify(current[key]) !== JSON.stringify(value))
          document.setIn([...configPath, key], document.createNode(value));
      }
      if (Object.keys(validation.config).length === 0) document.setIn(configPath, document.createNode({}));
    });
  }

  async removeComponent(type: ComponentType, name: string): Promise<void> {
    const catalog = await this.read();
    const users = catalog.definitions.filter((s) => referencesOf(s, type).includes(name)).map((s) => s.name);
    if (users.length > 0) {
      throw new StackFileError(
        `${name} is used by stack${users.length > 1 ? 's' : ''} ${users.join(', ')}; remove it from them first.`,
      );
    }
    await this.edit((document) => {
      if (!document.hasIn(['components', type, name]))
        throw new StackFileError(`There is no ${type} named "${name}" in ${this.file}.`);
      document.deleteIn(['components', type, name]);
    });
  }

  async putStack(definition: StackDefinition, previousName?: string): Promise<void> {
    const catalog = await this.read();
    for (const [type, names] of [
      ['orchestrator', definition.orchestrator ? [definition.orchestrator] : []],
      ['artifact_store', definition.artifact_store ? [definition.artifact_store] : []],
      ['container_registry', definition.container_registry ? [definition.container_registry] : []],
      ['step_operator', definition.step_operators],
    ] as const) {
      for (const name of names) {
        if (!catalog.components.some((c) => c.type === type && c.name === name)) {
          throw new StackFileError(`Stack "${definition.name}" refers to ${type} "${name}", which is not registered.`);
        }
      }
    }
    await this.edit((document) => {
      // A caller that does not know the description (an edit form without the field) keeps it.
      const kept = document.getIn(['stacks', previousName ?? definition.name, 'description']);
      const description = definition.description ?? (typeof kept === 'string' ? kept : undefined);
      if (previousName && previousName !== definition.name) document.deleteIn(['stacks', previousName]);
      const entry: Record<string, unknown> = {};
      if (description) entry.description = description;
      if (definition.orchestrator) entry.orchestrator = definition.orchestrator;
      if (definition.artifact_store) entry.artifact_store = definition.artifact_store;
      if (definition.container_registry) entry.container_registry = definition.container_registry;
      entry.step_operators = [...definition.step_operators];
      document.setIn(['stacks', definition.name], document.createNode(entry));
    });
  }

  async removeStack(name: string): Promise<void> {
    await this.edit((document) => {
      if (!document.hasIn(['stacks', name]))
        throw new StackFileError(`There is no stack named "${name}" in ${this.file}.`);
      document.deleteIn(['stacks', name]);
    });
  }

  /**
   * Applies a change to the file's YAML document and writes it atomically. Refuses when the file
   * does not parse: the user's text is never replaced by ours.
   */
  private async edit(change: (document: Document) => void): Promise<void> {
    const text = await this.readText();
    const { parseDocument } = await loadYaml();
    const document = text === undefined ? parseDocument(`${HEADER}version: 1\n`) : parseDocument(text);
    if (document.errors.length > 0) {
      const parsed = await parseStackFile(text ?? '');
      throw new StackFileError(
        `${this.file} has syntax errors; fix them first (nothing was changed): ${parsed.diagnostics
          .map((d) => `line ${d.line}, column ${d.column}: ${d.message}`)
          .join('; ')}`,
        parsed.diagnostics,
      );
    }
    if (!document.has('version')) document.set('version', 1);
    change(document);
    await writeFileAtomic(this.file, document.toString({ lineWidth: 0 }));
  }

  private async readText(): Promise<string | undefined> {
    try {
      return await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

function referencesOf(stack: StackDefinition, type: ComponentType): readonly string[] {
  switch (type) {
    case 'orchestrator':
      return stack.orchestrator ? [stack.orchestrator] : [];
    case 'artifact_store':
      return stack.artifact_store ? [stack.artifact_store] : [];
    case 'container_registry':
      return stack.container_registry ? [stack.container_registry] : [];
    case 'step_operator':
      return stack.step_operators;
  }
}

function renameReferences(document: Document, type: ComponentType, from: string, to: string): void {
  const stacks = document.get('stacks') as { items?: { key: { value?: unknown } }[] } | undefined;
  for (const item of stacks?.items ?? []) {
    const stackName = String(item.key.value);
    if (type === 'step_operator') {
      const list = (
        document.getIn(['stacks', stackName, 'step_operators']) as { toJSON?: () => string[] } | undefined
      )?.toJSON?.();
      if (list?.includes(from))
        document.setIn(
          ['stacks', stackName, 'step_operators'],
          document.createNode(list.map((n) => (n === from ? to : n))),
        );
    } else if (document.getIn(['stacks', stackName, type]) === from) {
      document.setIn(['stacks', stackName, type], to);
    }
  }
}
