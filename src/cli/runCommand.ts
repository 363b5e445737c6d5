// `stepops run FILE:STEP` (a step, or a pipeline step by step): the embedded orchestrator from a
// terminal, on the folder's active stack or the one --stack names.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { planStepRun, withRegistryCredentials } from '../core/orchestrator/planRun';
import { planPipeline, runPipeline } from '../core/orchestrator/pipelineRunner';
import { parametersFromRunConfig } from '../core/orchestrator/runConfig';
import { resolveUpstreamInputs } from '../core/orchestrator/upstreamInputs';
import { discoverPythonSource } from '../core/python/discovery';
import type { DiscoveredPipeline, DiscoveredStep } from '../core/python/model';
import { loadPythonParser } from '../core/python/pythonParser';
import { readPythonSource } from '../core/python/pythonSource';
import { StepIndex } from '../core/python/stepIndex';
import { DEFAULT_STACK_NAME, type Stack } from '../core/stacks/model';
import { defaultArtifactRoot } from '../core/stacks/stackStore';
import { readWorkspaceConfig } from '../core/stacks/workspaceConfig';
import { EXIT_CANCELLED, type Out, finish, interruptHandling, printer, projectRunner } from './runOutput';
import { cliStackStore, secretEnvName } from './stackCommands';
import { type OptionValues, UsageError, defineCommand, parseCommandLine } from './usage';

export const RUN = defineCommand({
  name: 'run',
  summary: 'Run a step, or a pipeline step by step, in a container on a step operator',
  arguments: [{ name: 'FILE:STEP' }],
  options: {
    stack: {
      type: 'string',
      value: 'NAME',
      description: "The stack to run on, instead of the folder's active one (.stepops/config.yaml)",
    },
    operator: {
      type: 'string',
      value: 'NAME',
      description: "A step's operator, instead of the one it names (else the stack's local one)",
    },
    param: {
      type: 'string',
      multiple: true,
      value: 'NAME=VALUE',
      description: 'A parameter value, read as JSON, else as a string',
    },
    config: {
      type: 'string',
      value: 'FILE',
      description: "A step's parameters from a ZenML run configuration (YAML); --param wins over it",
    },
    'local-fallback': {
      type: 'boolean',
      description: 'Pipelines: run the steps whose operator this version cannot use yet on the local one',
    },
    'base-image': {
      type: 'string',
      value: 'IMAGE',
      description: "The container's base image, instead of the operator's",
    },
    project: { type: 'string', value: 'DIR', description: 'The project folder (default: the current folder)' },
  },
  details: [
    'FILE:STEP names a @step or a @pipeline function in FILE. A pipeline runs the steps its body\n' +
      'calls, in order, each output passed to the steps that take it.',
    'Log lines go to stdout, stages to stderr. Exit codes: 0 succeeded, 1 failed, 2 usage error,\n' +
      '130 cancelled (the first Ctrl+C cancels the job; a second one detaches and leaves it running).',
  ],
  examples: [
    'stepops run churn/steps/loader.py:load_customers',
    'stepops run churn/steps/trainer.py:train_model --stack gpu --param epochs=50',
    'stepops run churn/pipeline.py:churn_pipeline --local-fallback',
  ],
});

type RunValues = OptionValues<typeof RUN.options>;

export async function runCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseCommandLine(RUN, args);
  const target = positionals[0]!;
  const colon = target.lastIndexOf(':');
  if (colon <= 0 || colon === target.length - 1)
    throw new UsageError(`"${target}" is not FILE:STEP (a Python file, a colon, a step or pipeline name)`);
  const projectRoot = path.resolve(values.project ?? process.cwd());
  const file = path.relative(projectRoot, path.resolve(target.slice(0, colon)));
  const name = target.slice(colon + 1);
  const source = await readPythonSource(path.join(projectRoot, file));
  if (!source) throw new Error(`${file}: no such file (or it cannot be read).`);
  if (!source.ok) throw new Error(`${file}: ${source.message}`);
  const model = discoverPythonSource(await loadPythonParser(), source.text);
  const pipeline = model.pipelines.find((p) => p.name === name);
  if (pipeline) return runPipelineFromCli(projectRoot, file, pipeline, values, out);
  const step = model.steps.find((s) => s.name === name);
  if (!step) {
    const known = [...model.steps, ...model.pipelines].map((s) => s.name).join(', ') || 'none';
    throw new Error(`${file} has no ZenML step or pipeline named "${name}" (there: ${known})`);
  }
  if (values['local-fallback'])
    throw new UsageError('--local-fallback is for pipelines; run a single step locally with --operator local-docker');
  return runStepFromCli(projectRoot, file, step, values, out);
}

/**
 * The stack named by --stack (which must exist), else the folder's active one. An active stack
 * that is no longer registered falls back to the default one, as in the editor, with a note.
 */
async function chooseStack(projectRoot: string, requested: string | undefined): Promise<[Stack, readonly Stack[]]> {
  const { stacks } = await cliStackStore().read();
  const known = stacks.map((s) => s.name).join(', ');
  const named = (name: string): Stack | undefined => stacks.find((s) => s.name === name);
  if (requested !== undefined) {
    const stack = named(requested);
    if (!stack)
      throw new Error(
        `--stack ${requested}: no stack has that name; known stacks: ${known} ("stepops stacks" lists them)`,
      );
    return [stack, stacks];
  }
  const active = (await readWorkspaceConfig(projectRoot)).activeStack ?? DEFAULT_STACK_NAME;
  const stack = named(active) ?? named(DEFAULT_STACK_NAME) ?? stacks[0]!;
  if (stack.name !== active) {
    process.stderr.write(
      `stepops: note: the folder's active stack "${active}" is not registered (known: ${known}); using "${stack.name}". ` +
        'Choose one with "stepops stacks use NAME" or --stack NAME.\n',
    );
  }
  return [stack, stacks];
}

function parseParam(assignment: string): [string, unknown] {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param ${assignment}: expected NAME=VALUE`);
  const raw = assignment.slice(eq + 1);
  try {
    return [assignment.slice(0, eq), JSON.parse(raw)];
  } catch {
    return [assignment.slice(0, eq), raw]; // not JSON: a plain string
  }
}

async function stepParameters(step: DiscoveredStep, values: RunValues): Promise<Record<string, unknown>> {
  const fromConfig = values.config
    ? await parametersFromRunConfig(
        await readFile(values.config, 'utf8'),
        step.name,
        step.parameters.map((p) => p.name),
      )
    : {};
  return { ...fromConfig, ...Object.fromEntries((values.param ?? []).map(parseParam)) };
}

async function runStepFromCli(
  projectRoot: string,
  file: string,
  step: DiscoveredStep,
  values: RunValues,
  out: Out,
): Promise<number> {
  const [stack, allStacks] = await chooseStack(projectRoot, values.stack);
  const { runner, store } = projectRunner(projectRoot);
  const parameters = await stepParameters(step, values);
  const upstream = await upstreamInputs(projectRoot, step, parameters, await store.list());
  const planned = planStepRun({
    projectRoot,
    file,
    step,
    stack,
    allStacks,
    ...(values.operator ? { operatorName: values.operator } : {}),
    parameters,
    inputs: upstream.inputs,
  });
  const request = await withRegistryCredentials(
    planned,
    stack,
    async (name, field) => process.env[secretEnvName(name, field)],
  );
  const detach = new AbortController();
  let runId: string | undefined;
  const print = printer(out);
  const stop = interruptHandling(() => {
    if (runId) void runner.cancel(runId);
  }, detach);
  try {
    const record = await runner.run(
      { ...request, ...(values['base-image'] ? { baseImage: values['base-image'] } : {}) },
      {
        signal: detach.signal,
        onEvent: (event) => {
          if (event.type === 'state' && !runId) {
            runId = event.record.id;
            process.stderr.write(
              `stepops: run ${runId} of ${step.name} on ${request.operator.name} (stack ${stack.name})\n`,
            );
            for (const source of upstream.sources) process.stderr.write(`stepops: input ${source}\n`);
          }
          print(event);
        },
      },
    );
    return finish(record);
  } finally {
    stop();
  }
}

/**
 * A step's inputs that a pipeline feeds from another step: that step's latest successful output,
 * as in the editor. One that is neither given nor produced yet is refused before anything is built.
 */
async function upstreamInputs(
  projectRoot: string,
  step: DiscoveredStep,
  parameters: Record<string, unknown>,
  runs: Parameters<typeof resolveUpstreamInputs>[2],
): Promise<{ inputs: Record<string, string>; sources: string[] }> {
  const index = new StepIndex(await loadPythonParser());
  await index.scan(projectRoot);
  const resolved = resolveUpstreamInputs(step, index.pipelines(), runs, defaultArtifactRoot(), parameters);
  if (resolved.missing.length > 0) {
    const needs = resolved.missing.map((m) =>
      m.upstream
        ? `"${m.parameter}" (the output of ${m.upstream}, which has no successful run yet: run it first)`
        : `"${m.parameter}" (give it with --param ${m.parameter}=VALUE)`,
    );
    throw new Error(`${step.name} needs ${needs.join(' and ')}.`);
  }
  return resolved;
}

async function runPipelineFromCli(
  projectRoot: string,
  file: string,
  pipeline: DiscoveredPipeline,
  values: RunValues,
  out: Out,
): Promise<number> {
  if (values.operator)
    throw new UsageError('--operator is for a single step; each step of a pipeline runs on the operator it names');
  if (values.config) throw new UsageError('--config is for a single step; give pipeline parameters with --param');
  const [stack, allStacks] = await chooseStack(projectRoot, values.stack);
  const index = new StepIndex(await loadPythonParser());
  await index.scan(projectRoot);
  const input = {
    projectRoot,
    pipeline,
    pipelineFile: path.join(projectRoot, file),
    steps: index.steps(),
    stack,
    allStacks,
    parameters: Object.fromEntries((values.param ?? []).map(parseParam)),
    fallbackToLocal: Boolean(values['local-fallback']),
    ...(values['base-image'] ? { baseImage: values['base-image'] } : {}),
  };
  const plan = planPipeline(input);
  const steps = `${plan.length} step${plan.length === 1 ? '' : 's'}`;
  process.stderr.write(`stepops: pipeline ${pipeline.name}: ${steps} on stack ${stack.name}\n`);
  const { runner } = projectRunner(projectRoot);
  const detach = new AbortController();
  let current: string | undefined;
  const stop = interruptHandling(() => {
    if (current) void runner.cancel(current);
  }, detach);
  const print = printer(out);
  try {
    const result = await runPipeline(
      runner,
      plan,
      { ...input, artifactRoot: defaultArtifactRoot() },
      {
        signal: detach.signal,
        onStep: (i, call) => {
          process.stderr.write(
            `stepops: pipeline ${pipeline.name}: step ${i + 1}/${plan.length} ${call.step.step.name}\n`,
          );
          if (call.note) process.stderr.write(`stepops: note: ${call.note}\n`);
        },
        onEvent: (event) => {
          if (event.type === 'state') current = event.record.id;
          print(event);
        },
      },
    );
    const last = result.runs[result.runs.length - 1]!;
    process.stderr.write(
      `stepops: pipeline ${pipeline.name} ${result.outcome} (${result.runs.length}/${plan.length} steps)\n`,
    );
    return result.outcome === 'cancelled' ? EXIT_CANCELLED : finish(last);
  } finally {
    stop();
  }
}
