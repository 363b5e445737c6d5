import * as vscode from 'vscode';
import { type Stack, type StackComponent, componentTypeLabel, componentsOf } from '../../core/stacks/model';
import type { StackState } from './StackState';

type Node = { kind: 'stack'; stack: Stack; active: boolean } | { kind: 'component'; component: StackComponent };

const COMPONENT_ICONS: Record<StackComponent['type'], string> = {
  orchestrator: 'server-process',
  artifact_store: 'database',
  container_registry: 'package',
  step_operator: 'rocket',
};

/** The Stacks view: stacks at the top level, their components beneath. */
export class StackTreeDataProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly stacks: StackState) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      const active = this.stacks.activeStackName();
      return (await this.stacks.stacks()).map((stack) => ({ kind: 'stack', stack, active: stack.name === active }));
    }
    if (node.kind === 'stack') return componentsOf(node.stack).map((component) => ({ kind: 'component', component }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'stack') {
      const item = new vscode.TreeItem(node.stack.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `stack:${node.stack.name}`;
      item.description = node.active ? 'active' : undefined;
      item.iconPath = new vscode.ThemeIcon(node.active ? 'layers-active' : 'layers');
      item.contextValue = 'stepops.stack';
      item.tooltip = `Stack "${node.stack.name}"${node.active ? ' (active)' : ''}`;
      item.command = { command: 'stepops.showStack', title: 'Show Stack Details', arguments: [node.stack.name] };
      return item;
    }
    const { component } = node;
    const item = new vscode.TreeItem(component.name, vscode.TreeItemCollapsibleState.None);
    item.description = `${componentTypeLabel(component.type)} · ${component.flavor}`;
    item.iconPath = new vscode.ThemeIcon(COMPONENT_ICONS[component.type]);
    item.contextValue = `stepops.component.${component.type}`;
    return item;
  }
}
