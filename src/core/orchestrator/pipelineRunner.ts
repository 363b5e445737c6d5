// Runs a pipeline's steps in the order its body calls them, each through the StepRunner, with
// every output that feeds a later input passed as that input (through the artifact store).
// Works from the static DAG discovery found, so it supports pipelines whose step calls and
// data flow are plain: calls at the top level of the body or in if/for/with blocks, arguments
// that are earlier outputs, pipeline parameters or literals. Anything computed at run time is
// refused with the argument that made it so.
import path from 'node:path';
import { type DiscoveredPipeline, type DiscoveredStep, type LiteralValue, calledStepName } from '../python/model';
import type { LocatedStep } from '../python/stepIndex';
import { type RunRecord, outputUri } from '../runs/runRecord';
import { type Stack, localOperatorOf } from '../stacks/model';
import { RunPlanError, canRunOn, planStepRun } from './planRun';
import type { RunOptions, StepRunner } from './stepRunner';

export interface PipelinePlanInput {
  readonly projectRoot: string;
  readonly pipeline: DiscoveredPipeline;
  /** Absolute path of the pipeline's file (to prefer steps from the modules it imports). */
  readonly pipelineFile: string;
  readonly steps: readonly LocatedStep[];
  readonly stack: Stack;
  readonly allStacks: readonly Stack[];
  /** Values for the pipeline's own parameters; defaults fill the rest. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Run steps whose operator this version cannot use (a cloud one) on the local operator. */
  readonly fallbackToLocal?: boolean;
  /** Overrides every step's base image (tests, air-gapped machines). */
  readonly baseImage?: string;
}

export interface PlannedCall {
  readonly step: LocatedStep;
  readonly operatorName?: string;
  readonly parameters: Record<string, unknown>;
  /** Parameter -> index of the earlier call (and which of its outputs) that feeds it. */
  readonly upstream: Record<string, { readonly call: number; readonly output?: number }>;
  readonly note?: string;
}

export function planPipeline(input: PipelinePlanInput): PlannedCall[] {
  const pipelineParameters: Record<string, unknown> = {};
  for (const parameter of input.pipeline.parameters) {
    if (parameter.defaultValue !== undefined)
      pipelineParameters[parameter.name] = literal(
        parameter.defaultLiteral,
        parameter.defaultValue,
        `the default of ${parameter.name}`,
      );
  }
  Object.assign(pipelineParameters, input.parameters ?? {});
  if (input.pipeline.calls.length === 0)
    throw new RunPlanError(`Pipeline "${input.pipeline.name}" calls no steps that discovery can see.`);

  return input.pipeline.calls.map((call, index) => {
    const name = calledStepName(call);
    const step = findStep(name, call.resolved?.kind === 'imported' ? call.resolved.module : undefined, input);
    const parameters: Record<string, unknown> = {};
    const upstream: PlannedCall['upstream'] = {};
    for (const argument of call.inputs) {
      const parameterName =
        typeof argument.parameter === 'string'
          ? argument.parameter
          : step.step.parameters.filter((p) => p.kind === 'positional')[argument.parameter]?.name;
      if (!parameterName)
        throw new RunPlanError(
          `${name}() gets more positional arguments than it has parameters (call ${index + 1} in ${input.pipeline.name}).`,
        );
      if (argument.fromCall)
        upstream[parameterName] = {
          call: argument.fromCall.index,
          ...(argument.fromCall.output !== undefined ? { output: argument.fromCall.output } : {}),
        };
      else if (argument.fromPipelineParameter) {
        if (!(argument.fromPipelineParameter in pipelineParameters)) {
          throw new RunPlanError(
            `Pipeline parameter "${argument.fromPipelineParameter}" has no default; give it a value to run ${input.pipeline.name}.`,
          );
        }
        parameters[parameterName] = pipelineParameters[argument.fromPipelineParameter];
      } else
        parameters[parameterName] = literal(
          argument.value,
          argument.expression,
          `argument ${parameterName} of ${name}()`,
        );
    }
    const operator = operatorFor(step.step, input);
    return { step, parameters, upstream, ...operator };
  });
}

function findStep(name: string, module: string | undefined, input: PipelinePlanInput): LocatedStep {
  const candidates = input.steps.filter((s) => s.step.name === name);
  if (candidates.length === 0)
    throw new RunPlanError(`"${name}" is called by ${input.pipeline.name} but is not a ZenML step in this workspace.`);
  if (candidates.length === 1 || !module) return candidates[0]!;
  // "from .steps.loader import x" in churn/pipeline.py means churn/steps/loader.py.
  const base = path.dirname(input.pipelineFile);
  const relative = module
    .replace(/^\.+/, (dots) => '../'.repeat(dots.length - 1))
    .split('.')
    .join('/');
  const expected = path.resolve(base, `${relative}.py`);
  return candidates.find((c) => c.file === expected) ?? candidates[0]!;
}

/**
 * The operator a pipeline step runs on: the one it names, from the pipeline's stack only, since
 * the run's store and registry are that stack's (another stack's operator would be refused by
 * its stack rules halfway through the pipeline). Otherwise the local fallback, when asked for.
 */
function operatorFor(step: DiscoveredStep, input: PipelinePlanInput): { operatorName?: string; note?: string } {
  if (step.operator.kind !== 'named') return {};
  const wanted = step.operator.name;
  const operator = input.stack.stepOperators.find((o) => o.name === wanted);
  if (operator && canRunOn(operator)) return { operatorName: wanted };
  const elsewhere = input.allStacks
    .filter((s) => s.name !== input.stack.name && s.stepOperators.some((o) => o.name === wanted))
    .map((s) => s.name);
  if (!input.fallbackToLocal) {
    const which = operator
      ? `is a ${operator.flavor} operator this version cannot run yet`
      : elsewhere.length > 0
        ? `is in stack ${elsewhere.join(', ')}, not in ${input.stack.name} (run the pipeline on that stack)`
        : 'no stack has';
    throw new RunPlanError(
      `${step.name} asks for step operator "${wanted}", which ${which}. ` +
        'Run the pipeline with the local fallback to run it in a local container instead.',
    );
  }
  const where = !operator && elsewhere.length > 0 ? ` (in stack ${elsewhere.join(', ')}, not ${input.stack.name})` : '';
  return { note: `${step.name} asks for "${wanted}"${where}; running it locally instead.` };
}

/** A literal the parser evaluated; anything computed at run time (a `$expression` anywhere) is refused. */
function literal(value: LiteralValue | undefined, expression: string, what: string): unknown {
  if (value === undefined || containsExpression(value)) {
    throw new RunPlanError(
      `${what} is "${expression}", which is computed at run time; the embedded orchestrator runs pipelines whose arguments are step outputs, pipeline parameters or literals.`,
    );
  }
  return value;
}

function containsExpression(value: LiteralValue): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(containsExpression);
  return '$expression' in value || Object.values(value).some(containsExpression);
}

export interface PipelineRunResult {
  readonly runs: readonly RunRecord[];
  readonly outcome: 'succeeded' | 'failed' | 'cancelled';
}

/** Runs planned calls in order; stops at the first step that does not succeed. */
export async function runPipeline(
  runner: StepRunner,
  plan: readonly PlannedCall[],
  /** `artifactRoot`: where runs recorded before artifact stores were staged kept their outputs. */
  input: PipelinePlanInput & { readonly artifactRoot: string },
  options: RunOptions & { readonly onStep?: (index: number, call: PlannedCall) => void } = {},
): Promise<PipelineRunResult> {
  const runs: RunRecord[] = [];
  for (const [index, call] of plan.entries()) {
    options.onStep?.(index, call);
    const inputs: Record<string, string> = {};
    for (const [parameter, source] of Object.entries(call.upstream)) {
      const producer = runs[source.call]!;
      const output = source.output === undefined ? 'output' : `output_${source.output}`;
      inputs[parameter] = outputUri(producer, output, input.artifactRoot);
    }
    const localName = localOperatorOf(input.stack)?.name;
    const request = planStepRun({
      projectRoot: input.projectRoot,
      file: path.relative(input.projectRoot, call.step.file),
      step: call.step.step,
      stack: input.stack,
      allStacks: input.allStacks,
      ...(call.operatorName ? { operatorName: call.operatorName } : localName ? { operatorName: localName } : {}),
      parameters: call.parameters,
      inputs,
      pipelineName: input.pipeline.name,
    });
    const record = await runner.run(input.baseImage ? { ...request, baseImage: input.baseImage } : request, options);
    runs.push(record);
    if (record.state !== 'succeeded') return { runs, outcome: record.state === 'cancelled' ? 'cancelled' : 'failed' };
  }
  return { runs, outcome: 'succeeded' };
}
