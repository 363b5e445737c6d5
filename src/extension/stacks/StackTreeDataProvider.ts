import * as vscode from 'vscode';
import { componentSummary, findFlavor } from '../../core/stacks/flavors/flavorCatalog';
import {
  type ComponentType,
  type Stack,
  type StackComponent,
  componentTypeLabel,
  componentsOf,
} from '../../core/stacks/model';
import { COMPONENT_TYPES } from '../../core/stacks/stackFile';
import type { StackState } from './StackState';

type Node =
  | { kind: 'stack'; stackName: string; stack: Stack; active: boolean; builtIn: boolean }
  | { kind: 'component'; component: StackComponent; builtIn: boolean; parent: Node }
  | { kind: 'components' }
  | { kind: 'componentType'; type: ComponentType };

const TYPE_ICONS: Record<ComponentType, string> = {
  orchestrator: 'server-process',
  artifact_store: 'database',
  container_registry: 'package',
  step_operator: 'rocket',
};

/** The Stacks view: every stack with its components, then all registered components by type. */
export class StackTreeDataProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly stacks: StackState) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    const catalog = await this.stacks.catalog();
    const userStacks = new Set(catalog.definitions.map((d) => d.name));
    const userComponents = (c: StackComponent): boolean => !catalog.builtInComponents.includes(c);
    if (!node) {
      const active = this.stacks.activeStackName();
      return [
        ...catalog.stacks.map((stack): Node => ({
          kind: 'stack',
          stackName: stack.name,
          stack,
          active: stack.name === active,
          builtIn: !userStacks.has(stack.name),
        })),
        { kind: 'components' },
      ];
    }
    switch (node.kind) {
      case 'stack':
        return componentsOf(node.stack).map((component) => ({
          kind: 'component',
          component,
          builtIn: !userComponents(component),
          parent: node,
        }));
      case 'components':
        return COMPONENT_TYPES.filter((type) => catalog.components.some((c) => c.type === type)).map((type) => ({
          kind: 'componentType',
          type,
        }));
      case 'componentType':
        return catalog.components
          .filter((c) => c.type === node.type)
          .map((component) => ({ kind: 'component', component, builtIn: !userComponents(component), parent: node }));
      default:
        return [];
    }
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'component') return node.parent;
    if (node.kind === 'componentType') return { kind: 'components' };
    return undefined;
  }

  /** Selects a component under "All components" (where every component is, in or out of stacks). */
  async reveal(view: vscode.TreeView<unknown>, component: StackComponent): Promise<void> {
    const parent: Node = { kind: 'componentType', type: component.type };
    const node: Node = { kind: 'component', component, builtIn: false, parent };
    await view.reveal(node, { select: true, focus: true, expand: true });
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'stack': {
        const item = new vscode.TreeItem(node.stack.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `stack:${node.stack.name}`;
        item.description = node.active ? 'active' : undefined;
        item.iconPath = new vscode.ThemeIcon(node.active ? 'layers-active' : 'layers');
        item.contextValue = `stepops.stack${node.active ? '.active' : ''}${node.builtIn ? '.builtin' : ''}`;
        item.tooltip = `Stack "${node.stack.name}"${node.active ? ' (active)' : ''}${node.builtIn ? ', built in' : ''}`;
        item.command = { command: 'stepops.showStack', title: 'Show Stack Details', arguments: [node.stack.name] };
        return item;
      }
      case 'components': {
        const item = new vscode.TreeItem('All components', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'components';
        item.iconPath = new vscode.ThemeIcon('library');
        item.contextValue = 'stepops.components';
        return item;
      }
      case 'componentType': {
        const item = new vscode.TreeItem(`${componentTypeLabel(node.type)}s`, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `components:${node.type}`;
        item.iconPath = new vscode.ThemeIcon(TYPE_ICONS[node.type]);
        item.contextValue = `stepops.componentType.${node.type}`;
        return item;
      }
      case 'component': {
        const { component } = node;
        const spec = findFlavor(component.type, component.flavor);
        const item = new vscode.TreeItem(component.name, vscode.TreeItemCollapsibleState.None);
        item.id = `${parentKey(node.parent)}/${component.type}:${component.name}`;
        const summary = componentSummary(spec, component.config);
        item.description = [componentTypeLabel(component.type), component.flavor, summary].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(spec?.icon ?? TYPE_ICONS[component.type]);
        item.contextValue = `stepops.component${node.builtIn ? '.builtin' : ''}`;
        const tooltip = new vscode.MarkdownString(
          `**${component.name}** · ${spec?.displayName ?? component.flavor}\n\n`,
        );
        for (const [key, value] of Object.entries(component.config)) {
          tooltip.appendMarkdown(`- ${key}: \`${typeof value === 'string' ? value : JSON.stringify(value)}\`\n`);
        }
        item.tooltip = tooltip;
        return item;
      }
    }
  }
}

function parentKey(node: Node): string {
  switch (node.kind) {
    case 'stack':
      return `stack:${node.stackName}`;
    case 'componentType':
      return `components:${node.type}`;
    default:
      return node.kind;
  }
}
