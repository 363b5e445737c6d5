// `stepops stacks ...` and `stepops components ...`: the same stacks file and schemas as the
// extension. Secrets come from the environment: STEPOPS_SECRET_<COMPONENT>_<FIELD>, upper case,
// other characters as "_" (e.g. STEPOPS_SECRET_MY_REGISTRY_PASSWORD).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../core/files/atomicWrite';
import { dockerEngineAnswers } from '../core/images/dockerEngine';
import { testConnection } from '../core/stacks/connectionTest';
import { FLAVORS, componentSummary, findFlavor } from '../core/stacks/flavors/flavorCatalog';
import { type ComponentConfig, parseFieldInput } from '../core/stacks/flavors/fieldSpec';
import { type ComponentType, DEFAULT_STACK_NAME, componentTypeLabel, componentsOf } from '../core/stacks/model';
import { COMPONENT_TYPES } from '../core/stacks/stackFile';
import { StackStore, defaultArtifactRoot, defaultStacksFile } from '../core/stacks/stackStore';
import { readWorkspaceConfig, writeActiveStack } from '../core/stacks/workspaceConfig';
import { exportZenmlStack, importZenmlStack } from '../core/stacks/zenmlInterop';

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

/** `stepops X --json` means `stepops X list --json`: options alone select the listing. */
function subcommand(args: string[]): [string, string[]] {
  return args[0] === undefined || args[0].startsWith('-') ? ['list', args] : [args[0], args.slice(1)];
}

export async function stacksCommand(args: string[], out: Out): Promise<number> {
  const [sub, rest] = subcommand(args);
  const store = cliStackStore();
  const cwd = process.cwd();
  switch (sub) {
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
      const catalog = await store.read();
      const active = (await readWorkspaceConfig(cwd)).activeStack ?? DEFAULT_STACK_NAME;
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
    case 'use': {
      const [name] = parseArgs({ args: rest, allowPositionals: true }).positionals;
      if (!name) throw new Error('usage: stepops stacks use NAME');
      const stacks = (await store.read()).stacks;
      if (!stacks.some((s) => s.name === name)) {
        throw new Error(`no stack named "${name}"; known: ${stacks.map((s) => s.name).join(', ')}`);
      }
      await writeActiveStack(cwd, name);
      out.write(`Active stack in ${cwd}: ${name}\n`);
      return 0;
    }
    case 'register': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          'step-operator': { type: 'string', multiple: true },
          'artifact-store': { type: 'string' },
          'container-registry': { type: 'string' },
        },
      });
      const [name] = positionals;
      if (!name)
        throw new Error(
          'usage: stepops stacks register NAME [--step-operator OP]... [--artifact-store S] [--container-registry R]',
        );
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
    case 'delete': {
      const [name] = parseArgs({ args: rest, allowPositionals: true }).positionals;
      if (!name) throw new Error('usage: stepops stacks delete NAME');
      await store.removeStack(name);
      out.write(`Deleted stack "${name}"\n`);
      return 0;
    }
    case 'import': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { name: { type: 'string' } },
      });
      const [file] = positionals;
      if (!file) throw new Error('usage: stepops stacks import FILE [--name NAME]   (a `zenml stack export` file)');
      const report = importZenmlStack(await readFile(file, 'utf8'), values.name);
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
    case 'export': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { output: { type: 'string', short: 'o' } },
      });
      const [name] = positionals;
      const stack = (await store.read()).stacks.find((s) => s.name === name);
      if (!stack) throw new Error(`usage: stepops stacks export NAME [-o FILE]; no stack named "${name ?? ''}"`);
      const { yaml, notes } = exportZenmlStack(stack);
      if (values.output) await writeFileAtomic(values.output, yaml);
      else out.write(yaml);
      for (const note of notes) process.stderr.write(`note: ${note}\n`);
      return 0;
    }
    default:
      throw new Error(`unknown subcommand "${sub}"; use list, use, register, delete, import or export`);
  }
}

export async function componentsCommand(args: string[], out: Out): Promise<number> {
  const [sub, rest] = subcommand(args);
  const store = cliStackStore();
  switch (sub) {
    case 'list': {
      const catalog = await store.read();
      reportDiagnostics(catalog.file, catalog.diagnostics);
      for (const c of catalog.components) {
        const summary = componentSummary(findFlavor(c.type, c.flavor), c.config);
        out.write(`${c.type.padEnd(19)} ${c.name.padEnd(18)} ${c.flavor.padEnd(13)} ${summary}\n`.trimEnd() + '\n');
      }
      return 0;
    }
    case 'flavors': {
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
          out.write(`    ${field.name.padEnd(26)} ${field.kind.padEnd(11)} ${notes}\n`.trimEnd() + '\n');
        }
      }
      return 0;
    }
    case 'register': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { set: { type: 'string', multiple: true } },
      });
      const [type, flavor, name] = positionals;
      if (!type || !flavor || !name)
        throw new Error('usage: stepops components register TYPE FLAVOR NAME [--set field=value]...');
      if (!COMPONENT_TYPES.includes(type as ComponentType))
        throw new Error(`unknown component type "${type}"; use one of ${COMPONENT_TYPES.join(', ')}`);
      const spec = findFlavor(type as ComponentType, flavor);
      if (!spec) throw new Error(`unknown ${type} flavor "${flavor}"; run "stepops components flavors" for the list`);
      const config: ComponentConfig = {};
      for (const assignment of values.set ?? []) {
        const eq = assignment.indexOf('=');
        const key = assignment.slice(0, eq);
        const field = spec.fields.find((f) => f.name === key);
        if (eq <= 0 || !field)
          throw new Error(`--set ${assignment}: expected field=value with a ${spec.displayName} field`);
        if (field.kind === 'secret')
          throw new Error(
            `${key} is a secret: set $${secretEnvName(name, key)} instead of passing it on the command line`,
          );
        const parsed = parseFieldInput(field, assignment.slice(eq + 1));
        if (parsed.error) throw new Error(parsed.error);
        if (parsed.value !== undefined) config[key] = parsed.value;
      }
      await store.putComponent({ name, type: type as ComponentType, flavor, config });
      out.write(`Registered ${spec.displayName} ${type.replace('_', ' ')} "${name}" in ${store.file}\n`);
      return 0;
    }
    case 'delete': {
      const [type, name] = parseArgs({ args: rest, allowPositionals: true }).positionals;
      if (!type || !name) throw new Error('usage: stepops components delete TYPE NAME');
      await store.removeComponent(type as ComponentType, name);
      out.write(`Deleted ${type} "${name}"\n`);
      return 0;
    }
    case 'test': {
      const [type, name] = parseArgs({ args: rest, allowPositionals: true }).positionals;
      const component = (await store.read()).components.find((c) => c.type === type && c.name === name);
      if (!component)
        throw new Error(`usage: stepops components test TYPE NAME; no ${type ?? 'component'} named "${name ?? ''}"`);
      const result = await testConnection(
        component,
        async (field) => process.env[secretEnvName(component.name, field)],
      );
      out.write(`${result.ok ? 'ok' : result.unsupported ? 'not available' : 'failed'}: ${result.message}\n`);
      return result.ok ? 0 : 1;
    }
    default:
      throw new Error(`unknown subcommand "${sub}"; use list, flavors, register, delete or test`);
  }
}

function reportDiagnostics(
  file: string,
  diagnostics: readonly { message: string; line: number; column: number; severity: string }[],
): void {
  for (const d of diagnostics) process.stderr.write(`${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`);
}
