import * as vscode from 'vscode';
import { type RunRecord, durationMs } from '../../core/runs/runRecord';
import type { RunManager } from './RunManager';

const ICONS: Record<string, [string, string?]> = {
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash'],
  cancelling: ['loading~spin'],
  // Accepted by the backend, not yet running (queued, provisioning, downloading): waiting, not busy.
  pending: ['clock'],
};

/** The Runs view: newest first, with status, operator, duration and image tag. */
export class RunTreeDataProvider implements vscode.TreeDataProvider<RunRecord> {
  private readonly changed = new vscode.EventEmitter<RunRecord | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly runs: RunManager) {
    runs.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(element?: RunRecord): Promise<RunRecord[]> | RunRecord[] {
    return element ? [] : this.runs.list();
  }

  getTreeItem(record: RunRecord): vscode.TreeItem {
    const item = new vscode.TreeItem(record.step.name, vscode.TreeItemCollapsibleState.None);
    item.id = record.id;
    const [icon, color] = ICONS[record.state] ?? ['sync~spin'];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const seconds = durationMs(record);
    const tag = record.image?.reference.split(':').pop()?.slice(0, 8);
    const stage = record.jobStatus?.stage;
    const live = record.state === 'pending' || record.state === 'running';
    item.description = [
      live && stage && stage.toLowerCase() !== record.state ? `${record.state} (${stage})` : record.state,
      record.operator.name,
      seconds !== undefined ? `${(seconds / 1000).toFixed(1)} s` : '',
      record.jobStatus?.warmStart ? 'warm start' : '',
      tag ?? '',
    ]
      .filter(Boolean)
      .join(' · ');
    item.tooltip = new vscode.MarkdownString(
      [
        `**${record.step.name}** · \`${record.id}\``,
        `- state: ${record.state}${record.failure ? ` (${record.failure.reason})` : ''}`,
        record.jobStatus?.stage
          ? `- backend: ${record.jobStatus.stage}${record.jobStatus.message ? `, ${record.jobStatus.message}` : ''}`
          : '',
        record.jobStatus?.consoleUrl ? `- [Open in the console](${record.jobStatus.consoleUrl})` : '',
        record.jobStatus?.warmStart ? `- started warm, on ${record.jobStatus.warmStart}` : '',
        `- operator: ${record.operator.name} (${record.operator.flavor}), stack ${record.stack}`,
        record.image
          ? `- image: \`${record.image.reference}\`${!record.image.built ? ' (reused)' : record.image.daemonless ? ' (code layer pushed without Docker)' : ''}`
          : '',
        ...Object.entries(record.outputs ?? {}).map(([name, o]) => `- ${name}: ${o.type}, ${o.size} bytes`),
      ]
        .filter(Boolean)
        .join('\n'),
    );
    // ".console" when the job has a page in its cloud's console: the Open in Console action shows.
    item.contextValue = `stepops.run.${record.state}${record.jobStatus?.consoleUrl ? '.console' : ''}`;
    item.command = { command: 'stepops.showRunLogs', title: 'Show Logs', arguments: [record] };
    return item;
  }
}
