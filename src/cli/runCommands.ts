// `stepops run FILE:STEP`, `stepops runs`, `stepops logs RUN [--follow]`, `stepops cancel RUN`:
// the embedded orchestrator from a terminal. Logs go to stdout, stages to stderr; the exit code
// is the step's outcome (0 succeeded, 1 failed, 130 cancelled or detached).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { planStepRun, withRegistryCredentials } from '../core/orchestrator/planRun';
import { planPipeline, runPipeline } from '../core/orchestrator/pipelineRunner';
import { parametersFromRunConfig } from '../core/orchestrator/runConfig';
import { createProjectRunner } from '../core/orchestrator/projectRunner';
import type { RunEvent } from '../core/orchestrator/stepRunner';
import { discoverPythonSource } from '../core/python/discovery';
import type { DiscoveredPipeline } from '../core/python/model';
import { loadPythonParser } from '../core/python/pythonParser';
import { StepIndex } from '../core/python/stepIndex';
import { type RunRecord, durationMs, isFinished } from '../core/runs/runRecord';
import { DEFAULT_STACK_NAME } from '../core/stacks/model';
import { defaultArtifactRoot } from '../core/stacks/stackStore';
import { readWorkspaceConfig } from '../core/stacks/workspaceConfig';
import { cliStackStore, secretEnvName } from './stackCommands';

type Out = NodeJS.WritableStream;

export const EXIT_FAILED = 1;
export const EXIT_CANCELLED = 130;

/** The runtime package: beside the bundle (dist/../runtime) or, from sources, at the repo root. */
function runtimeRoot(): string {
  const candidates = [path.resolve(__dirname, '..', 'runtime'), path.resolve(__dirname, '..', '..', 'runtime')];
  return candidates.find((c) => existsSync(path.join(c, 'stepops_runtime', '__main__.py'))) ?? candidates[0]!;
}

function runner(projectRoot: string): ReturnType<typeof createProjectRunner> {
  return createProjectRunner({ projectRoot, artifactRoot: defaultArtifactRoot(), runtimeRoot: runtimeRoot() });
}

function parseParam(assignment: string): [string, unknown] {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new Error(`--param ${assignment}: expected name=value`);
  const raw = assignment.slice(eq + 1);
  try {
    return [assignment.slice(0, eq), JSON.parse(raw)];
  } catch {
    return [assignment.slice(0, eq), raw]; // not JSON: a plain string
  }
}

function printer(out: Out): (event: RunEvent) => void {
  let lastState = '';
  return (event) => {
    if (event.type === 'logs') {
      for (const line of event.lines) out.write(`${line.text}\n`);
    } else if (event.type === 'state' && event.record.state !== lastState) {
      lastState = event.record.state;
      const extra =
        event.record.state === 'submitting' && event.record.image
          ? ` ${event.record.image.reference}${event.record.image.built ? '' : ' (reused, nothing built)'}`
          : '';
      process.stderr.write(`stepops: ${event.record.state}${extra}\n`);
    }
  };
}

function finish(record: RunRecord): number {
  const seconds = ((durationMs(record) ?? 0) / 1000).toFixed(1);
  if (record.state === 'succeeded') {
    const outputs = Object.entries(record.outputs ?? {}).map(([name, o]) => `${name}=${o.preview}`);
    process.stderr.write(
      `stepops: ${record.step.name} succeeded in ${seconds} s${outputs.length ? `: ${outputs.join(', ')}` : ''}\n`,
    );
    return 0;
  }
  if (record.state === 'cancelled') {
    process.stderr.write(`stepops: ${record.step.name} was cancelled\n`);
    return EXIT_CANCELLED;
  }
  if (!isFinished(record.state)) {
    process.stderr.write(
      `stepops: stopped following ${record.id}; it is still ${record.state}. Reattach with: stepops logs ${record.id} --follow\n`,
    );
    return EXIT_CANCELLED;
  }
  process.stderr.write(
    `stepops: ${record.step.name} failed at ${record.failure?.stage ?? 'an unknown stage'}: ${record.failure?.reason ?? 'no reason given'}\n`,
  );
  return EXIT_FAILED;
}

/** First Ctrl+C cancels the job; a second one stops following and leaves it running. */
function interruptHandling(onCancel: () => void, detach: AbortController): () => void {
  let interrupts = 0;
  const handler = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('stepops: cancelling (Ctrl+C again to detach and leave the job running)\n');
      onCancel();
    } else detach.abort();
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

export async function runCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      operator: { type: 'string' },
      param: { type: 'string', multiple: true },
      project: { type: 'string' },
      'base-image': { type: 'string' },
      'local-fallback': { type: 'boolean' },
      config: { type: 'string' },
    },
  });
  const target = positionals[0];
  const colon = target?.lastIndexOf(':') ?? -1;
  if (!target || colon <= 0)
    throw new Error('usage: stepops run FILE:STEP [--operator NAME] [--param name=value]... [--project DIR]');
  const projectRoot = path.resolve(values.project ?? process.cwd());
  const file = path.relative(projectRoot, path.resolve(target.slice(0, colon)));
  const stepName = target.slice(colon + 1);
  const text = await readFile(path.join(projectRoot, file), 'utf8');
  const model = discoverPythonSource(await loadPythonParser(), text);
  const pipeline = model.pipelines.find((p) => p.name === stepName);
  if (pipeline) return runPipelineFromCli(projectRoot, file, pipeline, values, out);
  const step = model.steps.find((s) => s.name === stepName);
  if (!step) {
    const known = model.steps.map((s) => s.name).join(', ') || 'none';
    throw new Error(`${file} has no ZenML step named "${stepName}" (steps there: ${known})`);
  }
  const catalog = await cliStackStore().read();
  const activeName = (await readWorkspaceConfig(projectRoot)).activeStack ?? DEFAULT_STACK_NAME;
  const stack = catalog.stacks.find((s) => s.name === activeName) ?? catalog.stacks[0]!;
  const planned = planStepRun({
    projectRoot,
    file,
    step,
    stack,
    allStacks: catalog.stacks,
    ...(values.operator ? { operatorName: values.operator } : {}),
    parameters: {
      // A ZenML run configuration first; --param values override it.
      ...(values.config
        ? parametersFromRunConfig(
            await readFile(values.config, 'utf8'),
            step.name,
            step.parameters.map((p) => p.name),
          )
        : {}),
      ...Object.fromEntries((values.param ?? []).map(parseParam)),
    },
  });
  const request = await withRegistryCredentials(
    planned,
    stack,
    async (name) => process.env[secretEnvName(name, 'password')],
  );
  const { runner: stepRunner } = runner(projectRoot);
  const detach = new AbortController();
  let runId: string | undefined;
  const print = printer(out);
  const stop = interruptHandling(() => {
    if (runId) void stepRunner.cancel(runId);
  }, detach);
  try {
    const record = await stepRunner.run(
      { ...request, ...(values['base-image'] ? { baseImage: values['base-image'] } : {}) },
      {
        signal: detach.signal,
        onEvent: (event) => {
          if (event.type === 'state' && !runId) {
            runId = event.record.id;
            process.stderr.write(
              `stepops: run ${runId} of ${stepName} on ${request.operator.name} (stack ${stack.name})\n`,
            );
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

async function runPipelineFromCli(
  projectRoot: string,
  file: string,
  pipeline: DiscoveredPipeline,
  values: { param?: string[]; 'base-image'?: string; 'local-fallback'?: boolean },
  out: Out,
): Promise<number> {
  const index = new StepIndex(await loadPythonParser());
  await index.scan(projectRoot);
  const catalog = await cliStackStore().read();
  const activeName = (await readWorkspaceConfig(projectRoot)).activeStack ?? DEFAULT_STACK_NAME;
  const stack = catalog.stacks.find((s) => s.name === activeName) ?? catalog.stacks[0]!;
  const input = {
    projectRoot,
    pipeline,
    pipelineFile: path.join(projectRoot, file),
    steps: index.steps(),
    stack,
    allStacks: catalog.stacks,
    parameters: Object.fromEntries((values.param ?? []).map(parseParam)),
    fallbackToLocal: Boolean(values['local-fallback']),
    ...(values['base-image'] ? { baseImage: values['base-image'] } : {}),
  };
  const plan = planPipeline(input);
  const { runner: stepRunner } = runner(projectRoot);
  const detach = new AbortController();
  let current: string | undefined;
  const stop = interruptHandling(() => {
    if (current) void stepRunner.cancel(current);
  }, detach);
  const print = printer(out);
  try {
    const result = await runPipeline(
      stepRunner,
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

export async function runsCommand(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, project: { type: 'string' } } });
  const { store } = runner(path.resolve(values.project ?? process.cwd()));
  const records = await store.list();
  if (values.json) {
    out.write(`${JSON.stringify(records, null, 2)}\n`);
    return 0;
  }
  if (records.length === 0) {
    out.write('No runs in this project yet. Start one with: stepops run FILE:STEP\n');
    return 0;
  }
  for (const r of records) {
    const seconds = ((durationMs(r) ?? 0) / 1000).toFixed(1);
    out.write(
      `${r.id.padEnd(44)} ${r.state.padEnd(10)} ${r.operator.name.padEnd(14)} ${`${seconds}s`.padStart(8)}  ${r.image?.reference ?? ''}\n`,
    );
  }
  return 0;
}

export async function logsCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { follow: { type: 'boolean', short: 'f' }, project: { type: 'string' } },
  });
  const id = positionals[0];
  if (!id) throw new Error('usage: stepops logs RUN [--follow]');
  const { runner: stepRunner, store } = runner(path.resolve(values.project ?? process.cwd()));
  const record = await store.get(id);
  if (!record) throw new Error(`no run "${id}" in this project; "stepops runs" lists them`);
  if (!values.follow || isFinished(record.state)) {
    // Up to the saved cursor: a follower may have written lines it had not yet recorded.
    out.write(await store.readLogs(id, record.logBytes));
    return values.follow ? finish(record) : 0;
  }
  // Up to the saved cursor; following then rewinds the file to it and appends from there.
  out.write(await store.readLogs(id, record.logBytes ?? 0));
  const detach = new AbortController();
  const stop = interruptHandling(() => void stepRunner.cancel(id), detach);
  try {
    return finish(await stepRunner.follow(record, { signal: detach.signal, onEvent: printer(out) }));
  } finally {
    stop();
  }
}

export async function cancelCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { project: { type: 'string' } } });
  const id = positionals[0];
  if (!id) throw new Error('usage: stepops cancel RUN');
  const { runner: stepRunner } = runner(path.resolve(values.project ?? process.cwd()));
  const record = await stepRunner.cancel(id);
  if (!record) throw new Error(`no run "${id}" in this project`);
  out.write(isFinished(record.state) ? `${id} already ${record.state}\n` : `Cancelling ${id}\n`);
  return 0;
}
