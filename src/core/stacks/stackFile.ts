// The user's stacks file: human-readable YAML shared by the extension and the CLI.
//
//   version: 1
//   components:
//     step_operator:
//       sagemaker-gpu:
//         flavor: sagemaker
//         config: { role: arn:aws:iam::123456789012:role/SageMaker, region: eu-west-1 }
//   stacks:
//     gpu:
//       orchestrator: embedded
//       artifact_store: local
//       step_operators: [sagemaker-gpu]
//
// Parsing keeps the YAML document (comments, key order, unknown keys) so that edits touch only
// what changed. A malformed file yields diagnostics with line and column and is never rewritten.
import type { Document } from 'yaml';
import * as z from 'zod/mini';
import { findFlavor } from './flavors/flavorCatalog';
import { validateConfig } from './flavors/fieldSpec';
import { loadYaml } from './loadYaml';
import type { ComponentType, Stack, StackComponent } from './model';

export const COMPONENT_TYPES: readonly ComponentType[] = [
  'orchestrator',
  'artifact_store',
  'container_registry',
  'step_operator',
];

export interface FileDiagnostic {
  readonly message: string;
  /** One-based, as editors and compilers print them. */
  readonly line: number;
  readonly column: number;
  readonly severity: 'error' | 'warning';
}

/** A stack as written in the file: component names by type. */
export interface StackDefinition {
  readonly name: string;
  /** What the stack is for, in the user's words (ZenML stacks have one too). */
  readonly description?: string;
  readonly orchestrator?: string;
  readonly artifact_store?: string;
  readonly container_registry?: string;
  readonly step_operators: readonly string[];
}

export interface StackFileContents {
  readonly components: readonly StackComponent[];
  readonly stacks: readonly StackDefinition[];
  readonly diagnostics: readonly FileDiagnostic[];
  /** False when the YAML itself does not parse: nothing may be written until it is fixed. */
  readonly writable: boolean;
}

const NAME_RULE = 'names are 1-64 letters, digits, _ . -, starting with a letter or digit';
const NAME = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, NAME_RULE));

const componentEntry = z.looseObject({
  flavor: z.string().check(z.minLength(1, 'flavor is required')),
  config: z.optional(z.record(z.string(), z.unknown())),
});

const stackEntry = z.looseObject({
  description: z.optional(z.string()),
  orchestrator: z.optional(NAME),
  artifact_store: z.optional(NAME),
  container_registry: z.optional(NAME),
  step_operators: z.optional(z.array(NAME)),
});

const fileShape = z.looseObject({
  version: z.optional(z.literal(1, { error: 'version must be 1 (this file may be from a newer stepops)' })),
  components: z.optional(z.record(z.string(), z.nullable(z.record(z.string(), z.unknown())))),
  stacks: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});

export async function parseStackFile(text: string): Promise<StackFileContents & { readonly document: Document }> {
  const { isMap, LineCounter, parseDocument } = await loadYaml();
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: false, uniqueKeys: true });
  const diagnostics: FileDiagnostic[] = [];
  const at = (
    path: readonly (string | number)[],
    message: string,
    severity: FileDiagnostic['severity'] = 'error',
  ): void => {
    const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0] ?? keyOffset(document, path) ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    diagnostics.push({ message, line, column: col, severity });
  };

  for (const error of document.errors) {
    const [line, column] = [error.linePos?.[0]?.line ?? 1, error.linePos?.[0]?.col ?? 1];
    diagnostics.push({ message: error.message.split('\n')[0]!, line, column, severity: 'error' });
  }
  if (document.errors.length > 0) return { document, components: [], stacks: [], diagnostics, writable: false };

  const data: unknown = document.toJS() ?? {};
  const shape = fileShape.safeParse(data);
  if (!shape.success) {
    for (const issue of shape.error.issues) at(issue.path as (string | number)[], issue.message);
    return {
      document,
      components: [],
      stacks: [],
      diagnostics,
      writable: isMap(document.contents) || document.contents === null,
    };
  }

  const components: StackComponent[] = [];
  for (const [type, entries] of Object.entries(shape.data.components ?? {})) {
    if (!COMPONENT_TYPES.includes(type as ComponentType)) {
      at(
        ['components', type],
        `unknown component type "${type}"; expected one of ${COMPONENT_TYPES.join(', ')}`,
        'warning',
      );
      continue;
    }
    for (const [name, raw] of Object.entries(entries ?? {})) {
      const path = ['components', type, name];
      if (!NAME.safeParse(name).success) {
        at(path, `component name "${name}": ${NAME_RULE}`);
        continue;
      }
      const entry = componentEntry.safeParse(raw);
      if (!entry.success) {
        for (const issue of entry.error.issues) at([...path, ...(issue.path as string[])], issue.message);
        continue;
      }
      const spec = findFlavor(type as ComponentType, entry.data.flavor);
      const config = entry.data.config ?? {};
      if (!spec) {
        at([...path, 'flavor'], `unknown ${type} flavor "${entry.data.flavor}"`);
        continue;
      }
      const validation = validateConfig(spec, config);
      if (!validation.ok) {
        for (const problem of validation.problems)
          at([...path, 'config', ...problem.field.split('.')], `${name}: ${problem.message}`);
        continue;
      }
      components.push({ name, type: type as ComponentType, flavor: spec.flavor, config: validation.config });
    }
  }

  const stacks: StackDefinition[] = [];
  for (const [name, raw] of Object.entries(shape.data.stacks ?? {})) {
    const path = ['stacks', name];
    const entry = stackEntry.safeParse(raw ?? {});
    if (!NAME.safeParse(name).success || !entry.success) {
      at(path, entry.success ? `stack name "${name}": ${NAME_RULE}` : entry.error.issues[0]!.message);
      continue;
    }
    stacks.push({
      name,
      ...(entry.data.description ? { description: entry.data.description } : {}),
      ...(entry.data.orchestrator ? { orchestrator: entry.data.orchestrator } : {}),
      ...(entry.data.artifact_store ? { artifact_store: entry.data.artifact_store } : {}),
      ...(entry.data.container_registry ? { container_registry: entry.data.container_registry } : {}),
      step_operators: entry.data.step_operators ?? [],
    });
  }
  return { document, components, stacks, diagnostics, writable: true };
}

function keyOffset(document: Document, path: readonly (string | number)[]): number | undefined {
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const node = document.getIn(path.slice(0, depth + 1), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return node.range[0];
  }
  return undefined;
}

export interface ResolvedStacks {
  readonly stacks: readonly Stack[];
  readonly diagnostics: readonly FileDiagnostic[];
}

/** Builds stacks from their definitions, reporting references to components that do not exist. */
export function resolveStacks(
  definitions: readonly StackDefinition[],
  components: readonly StackComponent[],
  builtIn: { readonly orchestrator: StackComponent; readonly artifactStore: StackComponent },
): ResolvedStacks {
  const diagnostics: FileDiagnostic[] = [];
  const find = (type: ComponentType, name: string | undefined): StackComponent | undefined =>
    name === undefined ? undefined : components.find((c) => c.type === type && c.name === name);
  const stacks: Stack[] = [];
  for (const definition of definitions) {
    const missing: string[] = [];
    const lookup = (type: ComponentType, name: string | undefined): StackComponent | undefined => {
      const found = find(type, name);
      if (name !== undefined && !found) missing.push(`${type} "${name}"`);
      return found;
    };
    const orchestrator = lookup('orchestrator', definition.orchestrator) ?? builtIn.orchestrator;
    const artifactStore = lookup('artifact_store', definition.artifact_store) ?? builtIn.artifactStore;
    const containerRegistry = lookup('container_registry', definition.container_registry);
    const stepOperators = definition.step_operators
      .map((name) => lookup('step_operator', name))
      .filter((c): c is StackComponent => c !== undefined);
    if (missing.length > 0) {
      diagnostics.push({
        message: `stack "${definition.name}" refers to missing ${missing.join(', ')}`,
        line: 1,
        column: 1,
        severity: 'warning',
      });
    }
    stacks.push({
      name: definition.name,
      orchestrator,
      artifactStore,
      ...(containerRegistry ? { containerRegistry } : {}),
      stepOperators,
    });
  }
  return { stacks, diagnostics };
}
