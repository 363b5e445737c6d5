// What Azure ML checks in a command job beyond its model (mlModelWalk.ts has checked that), and
// the plan the runner follows: the environment version it names exists (its image is what runs),
// the compute is one of the workspace's and can take the job (a cluster's maxNodeCount, a compute
// instance that is running), every ${{inputs.X}} and ${{outputs.X}} binding in the command is
// declared, data URIs point at the workspace's storage, modes fit their kinds, and the service's
// defaults are filled in (input mode ReadOnlyMount, output mode ReadWriteMount and path
// azureml://datastores/workspaceblobstore/paths/azureml/JOB/OUTPUT/, experiment "Default").
import { isDuration } from './mlModelWalk';
import type { FakeCompute } from './mlComputes';
import { maxNodes } from './mlComputes';
import { type BlobLocation, type DataScope, resolveDataUri } from './mlData';
import type { EnvironmentStore } from './mlEnvironments';
import { type ErrorDetail, mlError } from './mlErrors';
import type { CommandJobProperties } from './mlJobs';
import type { ArmReply, WorkspaceRef } from './resourceManager';

type Json = Record<string, unknown>;

export type PlannedInput =
  | { readonly kind: 'literal'; readonly name: string; readonly value: string }
  | {
      readonly kind: 'uri_folder' | 'uri_file';
      readonly name: string;
      readonly uri: string;
      readonly location: BlobLocation;
      readonly mode: 'ReadOnlyMount' | 'Download';
      /** Where the command finds it: the folder, or the file inside its folder. */
      readonly containerPath: string;
    };

export interface PlannedOutput {
  readonly name: string;
  readonly location: BlobLocation;
  readonly containerPath: string;
}

export interface JobPlan {
  readonly image: string;
  /** NAME:VERSION, for messages. */
  readonly environment: string;
  readonly compute: FakeCompute;
  /** The command with its bindings replaced by paths and values. */
  readonly command: string;
  readonly inputs: readonly PlannedInput[];
  readonly outputs: readonly PlannedOutput[];
  readonly timeoutSeconds?: number;
}

export interface RulesContext {
  readonly workspace: WorkspaceRef;
  readonly environments: EnvironmentStore;
  readonly computes: readonly FakeCompute[];
  readonly data: DataScope;
  /** The folder the command's bindings point into (depends on the run, so the job gives it). */
  readonly dataFolder: string;
}

const INPUT_MODES = ['ReadOnlyMount', 'Download'] as const;
const OUTPUT_MODES = ['ReadWriteMount', 'Upload'];
const READ_ONLY = ['status', 'parameters'];

/** The request's properties as the service keeps them: its defaults filled in, read-only ones dropped. */
export function withDefaults(properties: Json, jobName: string): CommandJobProperties & Json {
  const kept = Object.fromEntries(Object.entries(properties).filter(([k, v]) => !READ_ONLY.includes(k) && v !== null));
  const inputs = Object.fromEntries(
    Object.entries((kept.inputs ?? {}) as Record<string, Json>).map(([name, input]) => [
      name,
      input.jobInputType === 'literal' ? input : { mode: 'ReadOnlyMount', ...input },
    ]),
  );
  const outputs = Object.fromEntries(
    Object.entries((kept.outputs ?? {}) as Record<string, Json>).map(([name, output]) => [
      name,
      {
        mode: 'ReadWriteMount',
        uri: `azureml://datastores/workspaceblobstore/paths/azureml/${jobName}/${name}/`,
        ...output,
      },
    ]),
  );
  const resources = (kept.resources ?? {}) as Json;
  return {
    experimentName: 'Default',
    isArchived: false,
    tags: {},
    properties: {},
    environmentVariables: {},
    ...kept,
    inputs,
    outputs,
    resources: { instanceCount: 1, shmSize: '2g', properties: {}, ...resources },
  } as unknown as CommandJobProperties & Json;
}

/** The runner's plan, or Azure ML's refusal naming every problem. */
export function planJob(
  job: { name: string; properties: CommandJobProperties },
  ctx: RulesContext,
): JobPlan | ArmReply {
  const problems: ErrorDetail[] = [];
  const p = job.properties;
  const problem = (target: string, message: string) => problems.push({ code: 'UserError', message, target });
  const environment = ctx.environments.byId(ctx.workspace, p.environmentId);
  if ('problem' in environment) problem('properties.environmentId', environment.problem);
  const compute = computeOf(p, ctx, problem);
  checkResources(p, compute, problem);
  const inputs = planInputs(p, ctx, problem);
  const outputs = planOutputs(p, ctx, problem);
  const command = bindCommand(p.command, inputs, outputs, problem);
  const timeout = p.limits?.timeout;
  const timeoutSeconds = timeout === undefined ? undefined : durationSeconds(timeout);
  if (timeoutSeconds !== undefined && timeoutSeconds <= 0)
    problem('properties.limits.timeout', `'${timeout}' must be longer than zero.`);
  if (problems.length > 0 || 'problem' in environment || !compute) {
    const lines = problems.map((d) => `${d.target}: ${d.message}`).join(' ');
    return mlError(400, 'UserError', `The job '${job.name}' cannot run: ${lines}`, problems);
  }
  return {
    image: environment.image,
    environment: `${environment.name}:${environment.version}`,
    compute,
    command,
    inputs,
    outputs,
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
  };
}

type Problem = (target: string, message: string) => void;

function computeOf(p: CommandJobProperties, ctx: RulesContext, problem: Problem): FakeCompute | undefined {
  const names = ctx.computes.map((c) => c.name).join(', ') || 'none';
  if (!p.computeId) {
    problem(
      'properties.computeId',
      `a command job needs a compute target in api-version 2022-10-01 (serverless compute came with 2023-04-01-preview): set it to ${ctx.workspace.id}/computes/NAME (this workspace's computes: ${names}).`,
    );
    return undefined;
  }
  const prefix = `${ctx.workspace.id}/computes/`.toLowerCase();
  const name = p.computeId.toLowerCase().startsWith(prefix) ? p.computeId.slice(prefix.length) : undefined;
  if (!name || name.includes('/')) {
    problem(
      'properties.computeId',
      `'${p.computeId}' is not the ARM id of a compute of this workspace: expected ${prefix}NAME.`,
    );
    return undefined;
  }
  const compute = ctx.computes.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!compute) {
    problem(
      'properties.computeId',
      `The compute '${name}' does not exist in workspace '${ctx.workspace.name}' (its computes: ${names}).`,
    );
    return undefined;
  }
  if (compute.kind === 'ComputeInstance' && (compute.state ?? 'Running') !== 'Running') {
    problem(
      'properties.computeId',
      `The compute instance '${compute.name}' is ${compute.state}: start it (az ml compute start --name ${compute.name}) or use a cluster.`,
    );
  }
  return compute;
}

function checkResources(p: CommandJobProperties, compute: FakeCompute | undefined, problem: Problem): void {
  const count = p.resources.instanceCount;
  if (!Number.isInteger(count) || count < 1)
    problem('properties.resources.instanceCount', `${count} is not a whole number of nodes (1 or more).`);
  else if (compute && count > maxNodes(compute)) {
    problem(
      'properties.resources.instanceCount',
      compute.kind === 'AmlCompute'
        ? `${count} nodes asked for, but the cluster '${compute.name}' has at most ${maxNodes(compute)} (its maxNodeCount).`
        : `a compute instance is one node; ${count} were asked for (use a compute cluster).`,
    );
  }
  if (!/^\d+[bkmg]?$/i.test(p.resources.shmSize))
    problem('properties.resources.shmSize', `'${p.resources.shmSize}' is not a size such as 2g.`);
  const perNode = p.distribution?.processCountPerInstance;
  if (perNode !== undefined && (!Number.isInteger(perNode) || (perNode as number) < 1)) {
    problem(
      'properties.distribution.processCountPerInstance',
      `${String(perNode)} is not a whole number of processes (1 or more).`,
    );
  }
}

function planInputs(p: CommandJobProperties, ctx: RulesContext, problem: Problem): PlannedInput[] {
  return Object.entries(p.inputs).flatMap(([name, input]): PlannedInput[] => {
    const target = `properties.inputs.${name}`;
    if (input.jobInputType === 'literal') return [{ kind: 'literal', name, value: String(input.value ?? '') }];
    if (input.jobInputType !== 'uri_folder' && input.jobInputType !== 'uri_file') {
      problem(target, `inputs of type ${input.jobInputType} are not emulated (uri_folder, uri_file and literal are).`);
      return [];
    }
    const mode = input.mode ?? 'ReadOnlyMount';
    const known = INPUT_MODES.find((m) => m.toLowerCase() === mode.toLowerCase());
    if (!known) {
      problem(
        `${target}.mode`,
        `mode ${mode} is not emulated for ${input.jobInputType} inputs (ReadOnlyMount and Download are).`,
      );
      return [];
    }
    const location = resolveDataUri(input.uri!, ctx.data);
    if ('problem' in location) {
      problem(`${target}.uri`, location.problem);
      return [];
    }
    const folder = `${ctx.dataFolder}/INPUT_${name}`;
    const file = location.path.split('/').at(-1) ?? '';
    if (input.jobInputType === 'uri_file' && !file) {
      problem(`${target}.uri`, `'${input.uri}' names a folder, not a file (use uri_folder).`);
      return [];
    }
    const containerPath = input.jobInputType === 'uri_file' ? `${folder}/${file}` : folder;
    return [{ kind: input.jobInputType, name, uri: input.uri!, location, mode: known, containerPath }];
  });
}

function planOutputs(p: CommandJobProperties, ctx: RulesContext, problem: Problem): PlannedOutput[] {
  return Object.entries(p.outputs).flatMap(([name, output]): PlannedOutput[] => {
    const target = `properties.outputs.${name}`;
    if (output.jobOutputType !== 'uri_folder') {
      problem(target, `outputs of type ${output.jobOutputType} are not emulated (uri_folder is).`);
      return [];
    }
    if (!OUTPUT_MODES.some((m) => m.toLowerCase() === (output.mode ?? '').toLowerCase())) {
      problem(`${target}.mode`, `mode ${output.mode} is not one for outputs (ReadWriteMount, Upload).`);
      return [];
    }
    const location = resolveDataUri(output.uri!, ctx.data);
    if ('problem' in location) {
      problem(`${target}.uri`, location.problem);
      return [];
    }
    return [{ name, location, containerPath: `${ctx.dataFolder}/${name}` }];
  });
}

/** ${{inputs.X}} / ${{outputs.X}} replaced (spaces inside the braces allowed); unknown ones reported. */
function bindCommand(command: string, inputs: PlannedInput[], outputs: PlannedOutput[], problem: Problem): string {
  return command.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (binding, expression: string) => {
    const [kind, name, ...rest] = expression.split('.');
    const input = kind === 'inputs' && rest.length === 0 ? inputs.find((i) => i.name === name) : undefined;
    if (input) return input.kind === 'literal' ? input.value : input.containerPath;
    const output = kind === 'outputs' && rest.length === 0 ? outputs.find((o) => o.name === name) : undefined;
    if (output) return output.containerPath;
    problem(
      'properties.command',
      `the binding ${binding} names no declared ${kind === 'outputs' ? 'output' : 'input'} (inputs: ${inputs.map((i) => i.name).join(', ') || 'none'}; outputs: ${outputs.map((o) => o.name).join(', ') || 'none'}).`,
    );
    return binding;
  });
}

/** An ISO 8601 duration in seconds (P1DT2H3M4.5S), as limits.timeout carries it. */
export function durationSeconds(duration: string): number {
  if (!isDuration(duration)) return Number.NaN;
  const [date, time = ''] = duration.split('T');
  return (
    Number(/(\d+)W/.exec(date!)?.[1] ?? 0) * 604_800 +
    Number(/(\d+)D/.exec(date!)?.[1] ?? 0) * 86_400 +
    Number(/(\d+)H/.exec(time)?.[1] ?? 0) * 3_600 +
    Number(/(\d+)M/.exec(time)?.[1] ?? 0) * 60 +
    Number(/([\d.]+)S/.exec(time)?.[1] ?? 0)
  );
}
