// Import of stacks exported with `zenml stack export`, and export of ours in the same shape:
//
//   zenml_version: 0.68.1
//   stack_name: aws_stack
//   components:
//     artifact_store: { flavor: s3, name: s3_store, configuration: { path: s3://bucket } }
//     step_operator:  { flavor: sagemaker, name: sm, configuration: { role: arn:..., instance_type: ml.m5.large } }
//
// Older exports put the configuration keys next to flavor and name instead of under
// `configuration`; both are read. What has no counterpart here is reported, not dropped silently.
import { findFlavor } from './flavors/flavorCatalog';
import { validateConfig } from './flavors/fieldSpec';
import { loadYaml } from './loadYaml';
import type { ComponentType, Stack, StackComponent } from './model';
import type { StackDefinition } from './stackFile';
import { COMPONENT_TYPES } from './stackFile';

/** ZenML flavor -> ours, per component type. Absent means "no counterpart". */
const IMPORT_FLAVORS: Record<ComponentType, Record<string, string>> = {
  orchestrator: { local: 'embedded', default: 'embedded', local_docker: 'embedded' },
  artifact_store: { local: 'local', default: 'local', s3: 's3', gcp: 'gcp', gcs: 'gcp', azure: 'azure' },
  container_registry: {
    aws: 'aws',
    gcp: 'gcp',
    azure: 'azure',
    default: 'default',
    dockerhub: 'default',
    github: 'default',
  },
  step_operator: { sagemaker: 'sagemaker', vertex: 'vertex', azureml: 'azureml' },
};

/** Ours -> ZenML's; the embedded orchestrator exports as ZenML's local one. */
const EXPORT_FLAVORS: Record<ComponentType, Record<string, string>> = {
  orchestrator: { embedded: 'local' },
  artifact_store: { local: 'local', s3: 's3', gcp: 'gcp', azure: 'azure' },
  container_registry: { aws: 'aws', gcp: 'gcp', azure: 'azure', default: 'default' },
  step_operator: { sagemaker: 'sagemaker', vertex: 'vertex', azureml: 'azureml' },
};

/** Keys of a component entry that are not configuration in older, flat exports. */
const ENTRY_KEYS = new Set([
  'flavor',
  'name',
  'id',
  'configuration',
  'type',
  'labels',
  'connector',
  'connector_resource_id',
]);

export interface ImportReport {
  readonly stackName: string;
  /** Components that map and validate, ready to store. */
  readonly components: readonly StackComponent[];
  readonly stack: StackDefinition;
  /** What was not imported, or imported differently, and why. */
  readonly notes: readonly string[];
}

export async function importZenmlStack(text: string, nameOverride?: string): Promise<ImportReport> {
  const { parse } = await loadYaml();
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new Error(`The file is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof data !== 'object' || data === null || typeof (data as { components?: unknown }).components !== 'object') {
    throw new Error('This is not a `zenml stack export` file: it has no "components" mapping.');
  }
  const root = data as { stack_name?: unknown; components: Record<string, unknown> };
  const stackName = sanitizeName(nameOverride ?? (typeof root.stack_name === 'string' ? root.stack_name : 'imported'));
  const notes: string[] = [];
  const components: StackComponent[] = [];
  const stack: { -readonly [K in keyof StackDefinition]: StackDefinition[K] } = { name: stackName, step_operators: [] };

  for (const [type, raw] of Object.entries(root.components ?? {})) {
    // ZenML exports one component per type; accept a list too, as hand-written files may have.
    for (const entry of Array.isArray(raw) ? raw : [raw]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const component = entry as Record<string, unknown>;
      const zenmlFlavor = String(component.flavor ?? '');
      const label = `${type} "${String(component.name ?? '?')}" (${zenmlFlavor || 'no flavor'})`;
      if (!COMPONENT_TYPES.includes(type as ComponentType)) {
        notes.push(`Skipped ${label}: stepops has no ${type} components.`);
        continue;
      }
      const componentType = type as ComponentType;
      const flavor = IMPORT_FLAVORS[componentType][zenmlFlavor];
      if (!flavor) {
        notes.push(
          componentType === 'orchestrator'
            ? `Replaced ${label} with the embedded orchestrator: stepops drives runs itself.`
            : `Skipped ${label}: no stepops ${type} flavor corresponds to "${zenmlFlavor}".`,
        );
        continue;
      }
      if (componentType === 'orchestrator') continue; // the built-in embedded orchestrator serves
      const spec = findFlavor(componentType, flavor)!;
      const configuration = configurationOf(component);
      const known = new Set(spec.fields.map((f) => f.name));
      const dropped = Object.keys(configuration).filter(
        (k) => !known.has(k) || spec.fields.find((f) => f.name === k)?.kind === 'secret',
      );
      for (const key of dropped) delete configuration[key];
      if (dropped.length > 0)
        notes.push(`${label}: left out ${dropped.join(', ')} (not a stepops field, or a secret).`);
      const name = sanitizeName(String(component.name ?? `${stackName}-${type}`));
      const validation = validateConfig(spec, configuration);
      if (!validation.ok) {
        notes.push(
          `Skipped ${label}: ${validation.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}. Register it by hand with those fields.`,
        );
        continue;
      }
      components.push({ name, type: componentType, flavor, config: validation.config });
      if (componentType === 'step_operator') stack.step_operators = [...stack.step_operators, name];
      else if (componentType === 'artifact_store') stack.artifact_store = name;
      else stack.container_registry = name;
    }
  }
  return { stackName, components, stack, notes };
}

function configurationOf(component: Record<string, unknown>): Record<string, unknown> {
  if (typeof component.configuration === 'object' && component.configuration !== null) {
    return { ...(component.configuration as Record<string, unknown>) };
  }
  return Object.fromEntries(Object.entries(component).filter(([key]) => !ENTRY_KEYS.has(key)));
}

function sanitizeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (cleaned || 'imported').slice(0, 64);
}

export interface ExportResult {
  readonly yaml: string;
  readonly notes: readonly string[];
}

/** Our stack in `zenml stack import`'s shape. ZenML stacks hold one step operator each. */
export async function exportZenmlStack(stack: Stack): Promise<ExportResult> {
  const { stringify } = await loadYaml();
  const notes: string[] = [];
  const components: Record<string, unknown> = {};
  const put = (component: StackComponent): void => {
    const flavor = EXPORT_FLAVORS[component.type][component.flavor];
    if (!flavor) {
      notes.push(`Left out ${component.type} "${component.name}": ZenML has no "${component.flavor}" flavor.`);
      return;
    }
    if (components[component.type]) {
      notes.push(`Left out ${component.type} "${component.name}": a ZenML stack has one ${component.type}.`);
      return;
    }
    components[component.type] = { flavor, name: component.name, configuration: { ...component.config } };
  };
  put(stack.orchestrator);
  put(stack.artifactStore);
  if (stack.containerRegistry) put(stack.containerRegistry);
  for (const operator of stack.stepOperators) put(operator);
  const yaml = stringify({ stack_name: stack.name, components }, { lineWidth: 0 });
  return { yaml: `# Exported by stepops for \`zenml stack import ${stack.name} FILE\`\n${yaml}`, notes };
}
