import * as vscode from 'vscode';
import { executionSummary } from '../../core/stacks/executionSummary';
import { runTargets } from '../../core/stacks/runTargets';
import type { StackState } from '../stacks/StackState';
import { type StepDocuments, toVsRange } from './StepDocuments';

/** On a step's decorator: where it would run, on what machine, from which image. */
export class StepHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly documents: StepDocuments,
    private readonly stacks: StackState,
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const model = await this.documents.modelFor(document);
    const step = model.steps.find((s) => toVsRange(s.decoratorRange).contains(position));
    if (!step) return undefined;
    const active = await this.stacks.activeStack();
    const targets = runTargets(step, active, await this.stacks.stacks());
    const markdown = new vscode.MarkdownString();
    markdown.appendMarkdown(`**ZenML step \`${step.name}\`** · stack \`${active.name}\`\n\n`);
    for (const target of targets) {
      const rows = executionSummary(step, target).rows;
      markdown.appendMarkdown('| | |\n|---|---|\n');
      for (const [label, value] of rows) markdown.appendMarkdown(`| ${label} | ${escapeCell(value)} |\n`);
      markdown.appendMarkdown('\n');
    }
    return new vscode.Hover(markdown, toVsRange(step.decoratorRange));
  }
}

function escapeCell(text: string): string {
  return text.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
}
