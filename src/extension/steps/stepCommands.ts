import * as vscode from 'vscode';
import { type RunTarget, runTargetTitle, runTargets } from '../../core/stacks/runTargets';
import type { RunManager } from '../runs/RunManager';
import type { StackState } from '../stacks/StackState';
import type { StepDocuments } from './StepDocuments';

export const StepCommandIds = {
  runStep: 'stepops.runStep',
  runStepAtCursor: 'stepops.runStepAtCursor',
  runPipeline: 'stepops.runPipeline',
  runPipelineAtCursor: 'stepops.runPipelineAtCursor',
  registerStepOperator: 'stepops.registerStepOperator',
} as const;

export interface RunStepArguments {
  readonly uri: string;
  readonly stepName: string;
  readonly target: RunTarget;
}

export interface RunPipelineArguments {
  readonly uri: string;
  readonly pipelineName: string;
}

export function registerStepCommands(
  documents: StepDocuments,
  stacks: StackState,
  runs: RunManager | undefined,
): vscode.Disposable[] {
  const runStep = async (args: RunStepArguments): Promise<void> => {
    if (!runs) {
      void vscode.window.showWarningMessage('Open a folder to run steps: the folder is what goes into the step image.');
      return;
    }
    try {
      await runs.runStep(vscode.Uri.parse(args.uri), args.stepName, args.target);
    } catch (error) {
      void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
    }
  };

  const runPipeline = async (args: RunPipelineArguments): Promise<void> => {
    if (!runs) {
      void vscode.window.showWarningMessage(
        'Open a folder to run pipelines: the folder is what goes into the step images.',
      );
      return;
    }
    try {
      await runs.runPipeline(vscode.Uri.parse(args.uri), args.pipelineName);
    } catch (error) {
      void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
    }
  };

  return [
    vscode.commands.registerCommand(StepCommandIds.runStep, runStep),
    vscode.commands.registerCommand(StepCommandIds.runPipeline, runPipeline),
    vscode.commands.registerCommand(StepCommandIds.runStepAtCursor, async () => {
      const editor = vscode.window.activeTextEditor;
      const step = editor && (await documents.stepAt(editor.document, editor.selection.active));
      if (!editor || !step) {
        void vscode.window.showWarningMessage(
          "Put the cursor inside a function decorated with ZenML's @step, then run this command again.",
        );
        return;
      }
      const targets = runTargets(step, await stacks.activeStack(), await stacks.stacks());
      const picked = await vscode.window.showQuickPick(
        targets.map((target) => ({ label: runTargetTitle(target, targets), target })),
        { title: `Run step "${step.name}"`, placeHolder: 'Where should the step run?' },
      );
      if (!picked) return;
      if (picked.target.kind === 'unregistered') {
        await vscode.commands.executeCommand(StepCommandIds.registerStepOperator, picked.target.operatorName);
        return;
      }
      await runStep({ uri: editor.document.uri.toString(), stepName: step.name, target: picked.target });
    }),
    vscode.commands.registerCommand(StepCommandIds.runPipelineAtCursor, async () => {
      const editor = vscode.window.activeTextEditor;
      const pipeline = editor && (await documents.pipelineAt(editor.document, editor.selection.active));
      if (!editor || !pipeline) {
        void vscode.window.showWarningMessage(
          "Put the cursor inside a function decorated with ZenML's @pipeline, then run this command again.",
        );
        return;
      }
      await runPipeline({ uri: editor.document.uri.toString(), pipelineName: pipeline.name });
    }),
    vscode.commands.registerCommand(StepCommandIds.registerStepOperator, (name?: string) =>
      vscode.commands.executeCommand('stepops.registerComponent', { type: 'step_operator', ...(name ? { name } : {}) }),
    ),
  ];
}
