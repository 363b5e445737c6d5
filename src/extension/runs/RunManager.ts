import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import { RunPlanError, planStepRun, withRegistryCredentials } from '../../core/orchestrator/planRun';
import { planPipeline, runPipeline } from '../../core/orchestrator/pipelineRunner';
import { createProjectRunner } from '../../core/orchestrator/projectRunner';
import type { RunEvent, StepRunner } from '../../core/orchestrator/stepRunner';
import { parametersFromRunConfig } from '../../core/orchestrator/runConfig';
import { resolveUpstreamInputs } from '../../core/orchestrator/upstreamInputs';
import type { JobStatus, LogLine } from '../../core/operators/stepOperator';
import type { DiscoveredStep } from '../../core/python/model';
import { type RunRecord, type RunState, isFinished } from '../../core/runs/runRecord';
import type { RunStore } from '../../core/runs/runStore';
import { localOperatorOf } from '../../core/stacks/model';
import type { RunTarget } from '../../core/stacks/runTargets';
import { editorSignIns } from '../auth/microsoftSignIn';
import type { SecretVault } from '../stacks/SecretVault';
import type { StackState } from '../stacks/StackState';
import type { StepDocuments } from '../steps/StepDocuments';
import { RunLogChannels } from './RunLogChannels';

const STAGE_TEXT: Partial<Record<RunState, string>> = {
  created: 'Preparing',
  hashing: 'Hashing the project',
  building: 'Building the image',
  pushing: 'Pushing the image',
  submitting: 'Submitting the job',
  pending: 'Waiting for the job to start',
  running: 'Running',
  cancelling: 'Cancelling',
};

/**
 * Starts, follows, cancels and reattaches runs for the workspace. One StepRunner (the same
 * engine as the CLI); each run's logs go to an output channel of its own; records live in the
 * workspace's .stepops/runs, so runs started before a reload are followed again on activation.
 */
export class RunManager implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly store: RunStore;
  private readonly runner: StepRunner;
  private readonly following = new Map<string, AbortController>();
  /** Runs whose log already names their console page and warm start: each said once. */
  private readonly consoleSaid = new Set<string>();
  private readonly warmStartSaid = new Set<string>();
  private readonly channels = new RunLogChannels();

  constructor(
    private readonly projectRoot: string,
    private readonly artifactRoot: string,
    runtimeRoot: string,
    private readonly stacks: StackState,
    private readonly documents: StepDocuments,
    private readonly secrets: SecretVault,
    private readonly output: vscode.LogOutputChannel,
  ) {
    ({ runner: this.runner, store: this.store } = createProjectRunner({
      projectRoot,
      artifactRoot,
      runtimeRoot,
      secret: (type, name, field) => Promise.resolve(secrets.get(type, name, field)),
      // VS Code's Microsoft account, tried first by the Azure ML operator.
      signIns: editorSignIns(),
    }));
  }

  /**
   * The workspace's runs, newest first. A run whose process died before its job existed is
   * settled here (its job found by run id, or recorded as abandoned), so it never shows as live.
   */
  async list(): Promise<RunRecord[]> {
    const settle = async (record: RunRecord): Promise<RunRecord> => {
      if (isFinished(record.state) || record.job || this.following.has(record.id)) return record;
      const settled = await this.runner.recover(record).catch(() => record);
      if (settled.job && !isFinished(settled.state)) void this.follow(settled);
      return settled;
    };
    return Promise.all((await this.store.list()).map(settle));
  }

  /** Follows again every run that was still going when the window closed. */
  async reattach(): Promise<void> {
    for (const listed of await this.store.list()) {
      if (isFinished(listed.state) || this.following.has(listed.id)) continue;
      // A run whose process died before its job was recorded: its job found by run id, or abandoned.
      const record = listed.job ? listed : await this.runner.recover(listed).catch(() => listed);
      if (record !== listed) this.changed.fire();
      if (isFinished(record.state) || !record.job) continue;
      this.output.info(`Reattaching to run ${record.id} (${record.step.name}, ${record.state})`);
      void this.follow(record);
    }
  }

  async runStep(uri: vscode.Uri, stepName: string, target: RunTarget): Promise<void> {
    const document = await vscode.workspace.openTextDocument(uri);
    const step = (await this.documents.modelFor(document)).steps.find((s) => s.name === stepName);
    if (!step) throw new Error(`"${stepName}" is no longer a step in ${vscode.workspace.asRelativePath(uri)}.`);
    const file = path.relative(this.projectRoot, uri.fsPath);
    if (file.startsWith('..'))
      throw new Error('Only steps inside the opened folder can run: the folder is the build context.');
    const stack = await this.stacks.activeStack();
    const operatorName =
      target.kind === 'operator'
        ? target.operator.name
        : target.kind === 'local'
          ? localOperatorOf(stack)?.name
          : undefined;
    const parameters = await this.askMissing(step);
    if (!parameters) return;
    const planned = planStepRun({
      projectRoot: this.projectRoot,
      file,
      step,
      stack,
      allStacks: await this.stacks.stacks(),
      ...(operatorName ? { operatorName } : {}),
      parameters: parameters.values,
      inputs: parameters.inputs,
    });
    const request = await withRegistryCredentials(planned, stack, async (name, field) =>
      this.secrets.get('container_registry', name, field),
    );
    const abort = new AbortController();
    let runId: string | undefined;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${stepName}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => {
          if (runId) void this.cancel(runId);
          else abort.abort();
        });
        const record = await this.runner.run(request, {
          signal: abort.signal,
          onEvent: (event) => {
            if (event.type === 'state') {
              if (!runId) {
                runId = event.record.id;
                this.following.set(runId, abort);
                const channel = this.channels.open(event.record);
                for (const source of parameters.sources) channel.appendLine(`[stepops] input ${source}`);
              }
              const text = STAGE_TEXT[event.record.state];
              if (text)
                progress.report({
                  message: `${text}${event.record.state === 'running' ? ` on ${request.operator.name}` : ''}...`,
                });
            } else if (event.type === 'status' && event.status.stage) {
              progress.report({ message: progressText(event.status, request.operator.name) });
            }
            this.onEvent(event, runId);
          },
        });
        this.following.delete(record.id);
        this.report(record);
      },
    );
  }

  async runPipeline(uri: vscode.Uri, pipelineName: string): Promise<void> {
    const document = await vscode.workspace.openTextDocument(uri);
    const pipeline = (await this.documents.modelFor(document)).pipelines.find((p) => p.name === pipelineName);
    if (!pipeline)
      throw new Error(`"${pipelineName}" is no longer a pipeline in ${vscode.workspace.asRelativePath(uri)}.`);
    const index = await this.documents.stepIndex();
    const stack = await this.stacks.activeStack();
    const input = {
      projectRoot: this.projectRoot,
      pipeline,
      pipelineFile: uri.fsPath,
      steps: index.steps(),
      stack,
      allStacks: await this.stacks.stacks(),
    };
    let plan;
    try {
      plan = planPipeline(input);
    } catch (error) {
      if (!(error instanceof RunPlanError) || !/local fallback/.test(error.message)) throw error;
      const choice = await vscode.window.showWarningMessage(
        error.message.replace(/ Run the pipeline.*$/, ''),
        { modal: true },
        'Run Those Steps Locally',
      );
      if (choice !== 'Run Those Steps Locally') return;
      plan = planPipeline({ ...input, fallbackToLocal: true });
    }
    const abort = new AbortController();
    let current: string | undefined;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: pipelineName, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => {
          if (current) void this.cancel(current);
          else abort.abort();
        });
        const result = await runPipeline(
          this.runner,
          plan,
          { ...input, artifactRoot: this.artifactRoot },
          {
            signal: abort.signal,
            onStep: (i, call) => progress.report({ message: `step ${i + 1}/${plan.length}: ${call.step.step.name}` }),
            onEvent: (event) => {
              if (event.type === 'state' && current !== event.record.id) {
                current = event.record.id;
                this.channels.open(event.record);
              }
              this.onEvent(event, current);
            },
          },
        );
        this.changed.fire();
        const summary = `${pipelineName} ${result.outcome}: ${result.runs.length} of ${plan.length} steps ran.`;
        if (result.outcome === 'succeeded') void vscode.window.showInformationMessage(summary);
        else
          void vscode.window.showErrorMessage(
            `${summary} ${result.runs[result.runs.length - 1]?.failure?.reason ?? ''}`,
          );
      },
    );
  }

  async cancel(id: string): Promise<void> {
    await this.runner.cancel(id);
    this.changed.fire();
  }

  async rerun(id: string): Promise<void> {
    const record = await this.store.get(id);
    if (!record) return;
    const uri = vscode.Uri.file(path.join(record.projectRoot, record.step.file));
    const operator = (await this.stacks.stacks())
      .flatMap((s) => s.stepOperators)
      .find((o) => o.name === record.operator.name);
    await this.runStep(uri, record.step.name, operator ? { kind: 'operator', operator } : { kind: 'local' });
  }

  async showLogs(id: string): Promise<void> {
    const record = await this.store.get(id);
    if (!record) return;
    this.channels.show(record, await this.store.readLogs(id));
  }

  outputsFolder(id: string): vscode.Uri {
    return vscode.Uri.file(path.join(this.artifactRoot, id, 'outputs'));
  }

  async delete(id: string): Promise<void> {
    this.following.get(id)?.abort();
    await this.store.delete(id);
    this.changed.fire();
  }

  dispose(): void {
    for (const controller of this.following.values()) controller.abort(); // stop following; jobs go on
    this.channels.dispose();
    this.changed.dispose();
  }

  private async follow(record: RunRecord): Promise<void> {
    const abort = new AbortController();
    this.following.set(record.id, abort);
    this.channels.show(record, await this.store.readLogs(record.id, record.logBytes ?? 0), false);
    const finished = await this.runner.follow(record, {
      signal: abort.signal,
      onEvent: (e) => this.onEvent(e, record.id),
    });
    this.following.delete(record.id);
    if (!abort.signal.aborted) this.report(finished);
  }

  private onEvent(event: RunEvent, id: string | undefined): void {
    if (!id) return;
    if (event.type === 'logs') this.channels.append(id, event.lines.map(lineText));
    else if (event.type === 'progress') this.channels.append(id, [`[stepops] ${event.message}`]);
    else if (event.type === 'status') {
      const { consoleUrl, warmStart } = event.status;
      if (consoleUrl && !this.consoleSaid.has(id)) {
        this.consoleSaid.add(id);
        this.channels.append(id, [`[stepops] console: ${consoleUrl}`]);
      }
      if (warmStart && !this.warmStartSaid.has(id)) {
        this.warmStartSaid.add(id);
        this.channels.append(id, [`[stepops] started warm, on ${warmStart}`]);
      }
      if (event.status.stage) this.channels.append(id, [`[stepops] ${stageText(event.status)}`]);
      this.changed.fire();
    } else this.changed.fire();
  }

  private report(record: RunRecord): void {
    this.changed.fire();
    const name = record.step.name;
    if (record.state === 'succeeded') {
      void vscode.window
        .showInformationMessage(`${name} succeeded.`, 'Show Logs')
        .then((choice) => choice && this.showLogs(record.id));
    } else if (record.state === 'failed') {
      void vscode.window
        .showErrorMessage(
          `${name} failed while ${record.failure?.stage ?? 'running'}: ${record.failure?.reason ?? ''}`,
          'Show Logs',
        )
        .then((choice) => choice && this.showLogs(record.id));
    } else if (record.state === 'cancelled') {
      void vscode.window.showInformationMessage(`${name} was cancelled.`);
    }
  }

  /** `steps.<name>.parameters` (and matching pipeline `parameters`) of stepops.runConfigFile. */
  private async runConfigParameters(step: DiscoveredStep): Promise<Record<string, unknown>> {
    const relative = vscode.workspace.getConfiguration('stepops').get<string>('runConfigFile', '');
    if (!relative) return {};
    const text = await readFile(path.join(this.projectRoot, relative), 'utf8').catch(() => {
      throw new Error(`stepops.runConfigFile points at ${relative}, which cannot be read.`);
    });
    return parametersFromRunConfig(
      text,
      step.name,
      step.parameters.map((p) => p.name),
    );
  }

  /** Parameters without a default: an upstream output when a pipeline shows one, else a prompt. */
  private async askMissing(
    step: DiscoveredStep,
  ): Promise<{ values: Record<string, unknown>; inputs: Record<string, string>; sources: string[] } | undefined> {
    const index = await this.documents.stepIndex();
    const values: Record<string, unknown> = await this.runConfigParameters(step);
    const resolved = resolveUpstreamInputs(step, index.pipelines(), await this.store.list(), this.artifactRoot, values);
    for (const missing of resolved.missing) {
      const hint = missing.upstream ? ` (or run ${missing.upstream} first: its output feeds this parameter)` : '';
      const text = await vscode.window.showInputBox({
        title: `${step.name}: ${missing.parameter}${missing.annotation ? `: ${missing.annotation}` : ''}`,
        prompt: `A value for "${missing.parameter}" as JSON, or plain text${hint}`,
        ignoreFocusOut: true,
      });
      if (text === undefined) return undefined;
      try {
        values[missing.parameter] = JSON.parse(text);
      } catch {
        values[missing.parameter] = text;
      }
    }
    return { values, inputs: resolved.inputs, sources: resolved.sources };
  }
}

/** "Training on sagemaker: Training in progress." — the stage where it runs, then what the backend says. */
function progressText(status: JobStatus, operatorName: string): string {
  const said = status.message && status.message !== status.stage ? `: ${status.message}` : '...';
  return `${status.stage} on ${operatorName}${said}`;
}

/** "Downloading: Downloading input data" — the backend's stage and, when it says more, its message. */
function stageText(status: JobStatus): string {
  return status.message && status.message !== status.stage
    ? `${status.stage}: ${status.message}`
    : String(status.stage);
}

function lineText(line: LogLine): string {
  return line.source ? `[${line.source}] ${line.text}` : line.text;
}
