// `stepops components ...`: the stack components in the stacks file the extension uses, with the
// fields each flavor declares. Secret fields are never taken on the command line.
import { testConnection } from '../core/stacks/connectionTest';
import { FLAVORS, componentSummary, findFlavor } from '../core/stacks/flavors/flavorCatalog';
import { type ComponentConfig, type FlavorSpec, parseFieldInput } from '../core/stacks/flavors/fieldSpec';
import type { ComponentType } from '../core/stacks/model';
import { COMPONENT_TYPES } from '../core/stacks/stackFile';
import { type Subcommands, cliStackStore, reportDiagnostics, secretEnvName, subcommandOf } from './stackCommands';
import { type CommandGroupSpec, UsageError, defineCommand, parseCommandLine } from './usage';

type Out = NodeJS.WritableStream;

const TYPES = COMPONENT_TYPES.join(', ');

const COMPONENTS_LIST = defineCommand({
  name: 'components list',
  summary: 'List the registered components, the built-in ones included',
  arguments: [],
  options: {},
  examples: ['stepops components'],
});
const COMPONENTS_FLAVORS = defineCommand({
  name: 'components flavors',
  summary: "List every component flavor and its fields (required ones, defaults, secrets' variables)",
  arguments: [],
  options: {},
  examples: ['stepops components flavors'],
});
const COMPONENTS_REGISTER = defineCommand({
  name: 'components register',
  summary: 'Register a component (or replace one) of a flavor, checked against its fields',
  arguments: [{ name: 'TYPE' }, { name: 'FLAVOR' }, { name: 'NAME' }],
  options: {
    set: { type: 'string', multiple: true, value: 'FIELD=VALUE', description: 'A field of the flavor' },
  },
  details: [`TYPE is one of ${TYPES}. Secret fields come from $STEPOPS_SECRET_<NAME>_<FIELD>, never from --set.`],
  examples: [
    'stepops components register step_operator sagemaker sm \\\n' +
      '    --set role=arn:aws:iam::123456789012:role/SageMaker --set region=eu-west-1',
  ],
});
const COMPONENTS_DELETE = defineCommand({
  name: 'components delete',
  summary: 'Delete a component no stack uses',
  arguments: [{ name: 'TYPE' }, { name: 'NAME' }],
  options: {},
  examples: ['stepops components delete step_operator sm'],
});
const COMPONENTS_TEST = defineCommand({
  name: 'components test',
  summary: "Test a component's connection with the cheapest real call to its service",
  arguments: [{ name: 'TYPE' }, { name: 'NAME' }],
  options: {},
  details: ['Exits 0 when the call succeeds, 1 when it fails (with the reason and what to do).'],
  examples: ['stepops components test step_operator sm'],
});

const COMPONENT_SUBCOMMANDS: Subcommands = {
  list: { spec: COMPONENTS_LIST, run: listComponents },
  flavors: { spec: COMPONENTS_FLAVORS, run: listFlavors },
  register: { spec: COMPONENTS_REGISTER, run: registerComponent },
  delete: { spec: COMPONENTS_DELETE, run: deleteComponent },
  test: { spec: COMPONENTS_TEST, run: testComponent },
};

export const COMPONENTS: CommandGroupSpec = {
  name: 'components',
  summary: 'List components, or: flavors | register TYPE FLAVOR NAME --set k=v | delete | test',
  subcommands: Object.values(COMPONENT_SUBCOMMANDS).map((s) => s.spec),
  defaultSubcommand: 'list',
  examples: [
    'stepops components flavors',
    'stepops components register container_registry default local --set uri=127.0.0.1:5555/steps',
    'stepops components test container_registry local',
  ],
};

export async function componentsCommand(args: string[], out: Out): Promise<number> {
  const [sub, rest] = subcommandOf(COMPONENTS, COMPONENT_SUBCOMMANDS, args);
  return COMPONENT_SUBCOMMANDS[sub]!.run(rest, out);
}

function componentType(type: string, command: string): ComponentType {
  if (!COMPONENT_TYPES.includes(type as ComponentType))
    throw new UsageError(`unknown component type "${type}"; use one of ${TYPES}`, command);
  return type as ComponentType;
}

async function listComponents(args: string[], out: Out): Promise<number> {
  parseCommandLine(COMPONENTS_LIST, args);
  const catalog = await cliStackStore().read();
  reportDiagnostics(catalog.file, catalog.diagnostics);
  for (const c of catalog.components) {
    const summary = componentSummary(findFlavor(c.type, c.flavor), c.config);
    out.write(`${c.type.padEnd(19)} ${c.name.padEnd(18)} ${c.flavor.padEnd(13)} ${summary}`.trimEnd() + '\n');
  }
  return 0;
}

async function listFlavors(args: string[], out: Out): Promise<number> {
  parseCommandLine(COMPONENTS_FLAVORS, args);
  for (const spec of FLAVORS) {
    out.write(`${spec.type} ${spec.flavor}: ${spec.displayName}\n`);
    for (const field of spec.fields) {
      const notes = [
        field.required ? 'required' : '',
        field.default !== undefined ? `default ${String(field.default)}` : '',
        field.kind === 'secret' ? `secret: $${secretEnvName('<name>', field.name)}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      out.write(`    ${field.name.padEnd(26)} ${field.kind.padEnd(11)} ${notes}`.trimEnd() + '\n');
    }
  }
  return 0;
}

function configFrom(spec: FlavorSpec, name: string, assignments: readonly string[]): ComponentConfig {
  const config: ComponentConfig = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    const key = assignment.slice(0, eq);
    const field = spec.fields.find((f) => f.name === key);
    if (eq <= 0 || !field) {
      const fields = spec.fields.map((f) => f.name).join(', ');
      throw new UsageError(
        `--set ${assignment}: expected FIELD=VALUE with a ${spec.displayName} field (${fields})`,
        COMPONENTS_REGISTER.name,
      );
    }
    if (field.kind === 'secret')
      throw new Error(`${key} is a secret: set $${secretEnvName(name, key)} instead of passing it on the command line`);
    const parsed = parseFieldInput(field, assignment.slice(eq + 1));
    if (parsed.error) throw new Error(parsed.error);
    if (parsed.value !== undefined) config[key] = parsed.value;
  }
  return config;
}

async function registerComponent(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseCommandLine(COMPONENTS_REGISTER, args);
  const [typeName, flavor, name] = positionals as [string, string, string];
  const type = componentType(typeName, COMPONENTS_REGISTER.name);
  const spec = findFlavor(type, flavor);
  if (!spec)
    throw new UsageError(
      `unknown ${type} flavor "${flavor}"; "stepops components flavors" lists them`,
      COMPONENTS_REGISTER.name,
    );
  const store = cliStackStore();
  await store.putComponent({ name, type, flavor, config: configFrom(spec, name, values.set ?? []) });
  out.write(`Registered ${spec.displayName} ${type.replace('_', ' ')} "${name}" in ${store.file}\n`);
  return 0;
}

async function deleteComponent(args: string[], out: Out): Promise<number> {
  const [typeName, name] = parseCommandLine(COMPONENTS_DELETE, args).positionals as [string, string];
  const type = componentType(typeName, COMPONENTS_DELETE.name);
  await cliStackStore().removeComponent(type, name);
  out.write(`Deleted ${type} "${name}"\n`);
  return 0;
}

async function testComponent(args: string[], out: Out): Promise<number> {
  const [typeName, name] = parseCommandLine(COMPONENTS_TEST, args).positionals as [string, string];
  const type = componentType(typeName, COMPONENTS_TEST.name);
  const component = (await cliStackStore().read()).components.find((c) => c.type === type && c.name === name);
  if (!component) throw new Error(`no ${type} named "${name}"; "stepops components" lists them`);
  const result = await testConnection(component, async (field) => process.env[secretEnvName(component.name, field)]);
  out.write(`${result.ok ? 'ok' : result.unsupported ? 'not available' : 'failed'}: ${result.message}\n`);
  return result.ok ? 0 : 1;
}
