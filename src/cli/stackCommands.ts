// `stepops stacks ...`: the same stacks file and schemas as the extension. Secrets come from the
// environment: STEPOPS_SECRET_<COMPONENT>_<FIELD>, upper case, other characters as "_" (e.g.
// STEPOPS_SECRET_MY_REGISTRY_PASSWORD).
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/files/atomicWrite';
import { dockerEngineAnswers } from '../core/images/dockerEngine';
import { componentSummary, findFlavor } from '../core/stacks/flavors/flavorCatalog';
import { DEFAULT_STACK_NAME, componentTypeLabel, componentsOf } from '../core/stacks/model';
import { StackStore, defaultArtifactRoot, defaultStacksFile } from '../core/stacks/stackStore';
import { readWorkspaceConfig, writeActiveStack } from '../core/stacks/workspaceConfig';
import { exportZenmlStack, importZenmlStack } from '../core/stacks/zenmlInterop';
import { type CommandGroupSpec, type CommandSpec, UsageError, defineCommand, parseCommandLine } from './usage';

type Out = NodeJS.WritableStream;

export function cliStackStore(env: NodeJS.ProcessEnv = process.env): StackStore {
  return new StackStore(defaultStacksFile(env), async () => ({
    artifactRoot: defaultArtifactRoot(env),
    dockerEngineAvailable: await dockerEngineAnswers(),
  }));
}

export function secretEnvName(component: string, field: string): string {
  return `STEPOPS_SECRET_${component}_${field}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

export function reportDiagnostics(
  file: string,
  diagnostics: readonly { message: string; line: number; column: number; severity: string }[],
): void {
  for (const d of diagnostics) process.stderr.write(`${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`);
}

/** A group's subcommands, each with its declaration and what it does. */
export type Subcommands = Record<
  string,
  { readonly spec: CommandSpec; run(args: string[], out: Out): Promise<number> }
>;

/** `stepops X --json` means `stepops X list --json`: options alone select the default subcommand. */
export function subcommandOf(group: CommandGroupSpec, subcommands: Subcommands, args: string[]): [string, string[]] {
  const [first, ...rest] = args;
  if (first === undefined || first.startsWith('-')) return [group.defaultSubcommand, args];
  if (!(first in subcommands))
    throw new UsageError(`unknown subcommand "${first}"; use ${Object.keys(subcommands).join(', ')}`, group.name);
  return [first, rest];
}

const STACKS_LIST = defineCommand({
  name: 'stacks list',
  summary: "List the stacks and their components; the folder's active one is marked",
  arguments: [],
  options: { json: { type: 'boolean', description: 'Print the stacks as a JSON array, each with "active"' } },
  examples: ['stepops stacks --json'],
});
const STACKS_USE = defineCommand({
  name: 'stacks use',
  summary: 'Make a stack the active one of this folder (writes .stepops/config.yaml)',
  arguments: [{ name: 'NAME' }],
  options: {},
  examples: ['stepops stacks use gpu'],
});
const STACKS_REGISTER = defineCommand({
  name: 'stacks register',
  summary: 'Register a stack (or replace one) from registered components',
  arguments: [{ name: 'NAME' }],
  options: {
    'step-operator': { type: 'string', multiple: true, value: 'NAME', description: 'A step operator of the stack' },
    'artifact-store': { type: 'string', value: 'NAME', description: 'Its artifact store (default: the local one)' },
    'container-registry': { type: 'string', value: 'NAME', description: 'Its container registry' },
  },
  examples: ['stepops stacks register gpu --step-operator sm --container-registry ecr'],
});
const STACKS_DELETE = defineCommand({
  name: 'stacks delete',
  summary: 'Delete a stack (its components stay registered)',
  arguments: [{ name: 'NAME' }],
  options: {},
  examples: ['stepops stacks delete gpu'],
});
const STACKS_IMPORT = defineCommand({
  name: 'stacks import',
  summary: 'Import a stack and its components from a `zenml stack export` file',
  arguments: [{ name: 'FILE' }],
  options: { name: { type: 'string', value: 'NAME', description: "The stack's name here (default: the file's)" } },
  examples: ['stepops stacks import gpu-stack.yaml --name gpu'],
});
const STACKS_EXPORT = defineCommand({
  name: 'stacks export',
  summary: 'Export a stack in the format `zenml stack import` reads',
  arguments: [{ name: 'NAME' }],
  options: { output: { type: 'string', short: 'o', value: 'FILE', description: 'Write to FILE instead of stdout' } },
  examples: ['stepops stacks export gpu -o gpu-stack.yaml'],
});

const STACK_SUBCOMMANDS: Subcommands = {
  list: { spec: STACKS_LIST, run: listStacks },
  use: { spec: STACKS_USE, run: useStack },
  register: { spec: STACKS_REGISTER, run: registerStack },
  delete: { spec: STACKS_DELETE, run: deleteStack },
  import: { spec: STACKS_IMPORT, run: importStack },
  export: { spec: STACKS_EXPORT, run: exportStack },
};

export const STACKS: CommandGroupSpec = {
  name: 'stacks',
  summary: 'List stacks, or: use NAME | register NAME | delete NAME | import FILE | export NAME',
  subcommands: Object.values(STACK_SUBCOMMANDS).map((s) => s.spec),
  defaultSubcommand: 'list',
  details: ['Stacks live in ~/.config/stepops/stacks.yaml (or $STEPOPS_HOME/stacks.yaml), shared with the extension.'],
  examples: ['stepops stacks', 'stepops stacks register gpu --step-operator sm', 'stepops stacks use gpu'],
};

export async function stacksCommand(args: string[], out: Out): Promise<number> {
  const [sub, rest] = subcommandOf(STACKS, STACK_SUBCOMMANDS, args);
  return STACK_SUBCOMMANDS[sub]!.run(rest, out);
}

async function listStacks(args: string[], out: Out): Promise<number> {
  const { values } = parseCommandLine(STACKS_LIST, args);
  const catalog = await cliStackStore().read();
  const active = (await readWorkspaceConfig(process.cwd())).activeStack ?? DEFAULT_STACK_NAME;
  reportDiagnostics(catalog.file, catalog.diagnostics);
  if (values.json) {
    out.write(
      `${JSON.stringify(
        catalog.stacks.map((s) => ({ ...s, active: s.name === active })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  for (const stack of catalog.stacks) {
    out.write(`${stack.name}${stack.name === active ? '  (active)' : ''}\n`);
    for (const c of componentsOf(stack)) {
      const summary = componentSummary(findFlavor(c.type, c.flavor), c.config);
      out.write(
        `  ${componentTypeLabel(c.type).padEnd(20)} ${c.name.padEnd(16)} ${c.flavor}${summary ? `  ${summary}` : ''}\n`,
      );
    }
  }
  return 0;
}

async function useStack(args: string[], out: Out): Promise<number> {
  const [name] = parseCommandLine(STACKS_USE, args).positionals as [string];
  const stacks = (await cliStackStore().read()).stacks;
  if (!stacks.some((s) => s.name === name)) {
    throw new Error(`no stack named "${name}"; known: ${stacks.map((s) => s.name).join(', ')}`);
  }
  const cwd = process.cwd();
  await writeActiveStack(cwd, name);
  out.write(`Active stack in ${cwd}: ${name}\n`);
  return 0;
}

async function registerStack(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseCommandLine(STACKS_REGISTER, args);
  const [name] = positionals as [string];
  const store = cliStackStore();
  await store.putStack({
    name,
    orchestrator: 'embedded',
    ...(values['artifact-store'] ? { artifact_store: values['artifact-store'] } : {}),
    ...(values['container-registry'] ? { container_registry: values['container-registry'] } : {}),
    step_operators: values['step-operator'] ?? [],
  });
  out.write(`Registered stack "${name}" in ${store.file}\n`);
  return 0;
}

async function deleteStack(args: string[], out: Out): Promise<number> {
  const [name] = parseCommandLine(STACKS_DELETE, args).positionals as [string];
  await cliStackStore().removeStack(name);
  out.write(`Deleted stack "${name}"\n`);
  return 0;
}

async function importStack(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseCommandLine(STACKS_IMPORT, args);
  const [file] = positionals as [string];
  const store = cliStackStore();
  const report = await importZenmlStack(await readFile(file, 'utf8'), values.name);
  const existing = new Set((await store.read()).components.map((c) => `${c.type}/${c.name}`));
  for (const component of report.components) {
    if (existing.has(`${component.type}/${component.name}`)) {
      out.write(`  kept the registered ${component.type} "${component.name}"\n`);
    } else {
      await store.putComponent(component);
    }
  }
  await store.putStack(report.stack);
  out.write(`Imported stack "${report.stackName}" with ${report.components.length} component(s)\n`);
  for (const note of report.notes) out.write(`  note: ${note}\n`);
  return 0;
}

async function exportStack(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseCommandLine(STACKS_EXPORT, args);
  const [name] = positionals as [string];
  const stacks = (await cliStackStore().read()).stacks;
  const stack = stacks.find((s) => s.name === name);
  if (!stack) throw new Error(`no stack named "${name}"; known: ${stacks.map((s) => s.name).join(', ')}`);
  const { yaml, notes } = await exportZenmlStack(stack);
  if (values.output) await writeFileAtomic(values.output, yaml);
  else out.write(yaml);
  for (const note of notes) process.stderr.write(`note: ${note}\n`);
  return 0;
}
