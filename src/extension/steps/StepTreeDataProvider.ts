import path from 'node:path';
import * as vscode from 'vscode';
import type { LocatedPipeline, LocatedStep } from '../../core/python/stepIndex';
import { describeOperator, describeParameters } from '../../core/python/describe';
import type { StepDocuments } from './StepDocuments';
import { toVsRange } from './StepDocuments';

type Node =
  { kind: 'file'; file: string } | { kind: 'step'; item: LocatedStep } | { kind: 'pipeline'; item: LocatedPipeline };

/** The Steps view: every step and pipeline in the workspace, by file. */
export class StepTreeDataProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private subscription: { dispose(): void } | undefined;

  constructor(private readonly documents: StepDocuments) {
    void documents.stepIndex().then((index) => {
      // Coalesce bursts (a scan touches thousands of files) into one refresh.
      this.subscription = index.onDidChange(() => {
        this.pending ??= setTimeout(() => {
          this.pending = undefined;
          this.changed.fire(undefined);
        }, 150);
      });
    });
  }

  dispose(): void {
    this.subscription?.dispose();
    if (this.pending) clearTimeout(this.pending);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    const index = await this.documents.stepIndex();
    if (!node) return index.filesWithSteps().map((file) => ({ kind: 'file', file }));
    if (node.kind !== 'file') return [];
    const { file } = node;
    const model = index.get(file);
    return [
      ...(model?.pipelines ?? []).map((pipeline): Node => ({ kind: 'pipeline', item: { file, pipeline } })),
      ...(model?.steps ?? []).map((step): Node => ({ kind: 'step', item: { file, step } })),
    ];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'file') {
      const item = new vscode.TreeItem(vscode.Uri.file(node.file), vscode.TreeItemCollapsibleState.Expanded);
      item.description = vscode.workspace.asRelativePath(path.dirname(node.file), false);
      item.iconPath = vscode.ThemeIcon.File;
      return item;
    }
    const file = node.item.file;
    const name = node.kind === 'step' ? node.item.step.name : node.item.pipeline.name;
    const range = node.kind === 'step' ? node.item.step.nameRange : node.item.pipeline.nameRange;
    const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
    item.id = `${file}#${node.kind}:${name}`;
    item.iconPath = new vscode.ThemeIcon(node.kind === 'step' ? 'symbol-function' : 'type-hierarchy');
    item.contextValue = `stepops.${node.kind}`;
    item.description =
      node.kind === 'step'
        ? [describeOperator(node.item.step.operator), describeParameters(node.item.step.parameters)]
            .filter((t) => t && t !== '-')
            .join(' · ')
        : node.item.pipeline.calls.map((c) => c.callee).join(' → ');
    item.command = {
      command: 'vscode.open',
      title: 'Go to Definition',
      arguments: [vscode.Uri.file(file), { selection: toVsRange(range) }],
    };
    return item;
  }
}
