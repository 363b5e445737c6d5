import * as vscode from 'vscode';
import { runTargetTitle, runTargets } from '../../core/stacks/runTargets';
import type { StackState } from '../stacks/StackState';
import { type RunStepArguments, StepCommandIds } from './stepCommands';
import { type StepDocuments, toVsRange } from './StepDocuments';

/** Run lenses over every ZenML step (one per usable target) and every pipeline. */
export class StepCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly documents: StepDocuments,
    private readonly stacks: StackState,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration('stepops').get<boolean>('codeLens.enabled', true)) return [];
    const model = await this.documents.modelFor(document);
    if (token.isCancellationRequested || (model.steps.length === 0 && model.pipelines.length === 0)) return [];
    const active = await this.stacks.activeStack();
    const all = await this.stacks.stacks();
    const lenses: vscode.CodeLens[] = [];
    for (const step of model.steps) {
      const range = toVsRange(step.decoratorRange);
      const targets = runTargets(step, active, all);
      for (const target of targets) {
        const args: RunStepArguments = { uri: document.uri.toString(), stepName: step.name, target };
        lenses.push(
          new vscode.CodeLens(
            range,
            target.kind === 'unregistered'
              ? {
                  title: runTargetTitle(target, targets),
                  command: StepCommandIds.registerStepOperator,
                  arguments: [target.operatorName],
                  tooltip: `No stack has a step operator named "${target.operatorName}". Register one.`,
                }
              : {
                  title: runTargetTitle(target, targets),
                  command: StepCommandIds.runStep,
                  arguments: [args],
                  tooltip: `Run step "${step.name}" in a container`,
                },
          ),
        );
      }
    }
    for (const pipeline of model.pipelines) {
      lenses.push(
        new vscode.CodeLens(toVsRange(pipeline.decoratorRange), {
          title: '▶ Run pipeline',
          command: StepCommandIds.runPipeline,
          arguments: [{ uri: document.uri.toString(), pipelineName: pipeline.name }],
          tooltip: `Run pipeline "${pipeline.name}" step by step on the active stack`,
        }),
      );
    }
    return lenses;
  }
}
