import * as vscode from 'vscode';
import type { RunRecord } from '../../core/runs/runRecord';

/**
 * One output channel per run, with the `log` language (highlighting, find, and the Output
 * panel's own scroll lock: it follows new lines only while the reader is at the bottom).
 * Channels beyond `stepops.logs.maxLines` start over with a pointer to the full log on disk.
 */
export class RunLogChannels implements vscode.Disposable {
  private readonly channels = new Map<string, { channel: vscode.OutputChannel; lines: number }>();

  open(record: RunRecord, reveal = true): vscode.OutputChannel {
    let entry = this.channels.get(record.id);
    if (!entry) {
      entry = {
        channel: vscode.window.createOutputChannel(`stepops: ${record.step.name} ${record.id.slice(9, 18)}`, 'log'),
        lines: 0,
      };
      this.channels.set(record.id, entry);
    }
    if (reveal) entry.channel.show(true);
    return entry.channel;
  }

  /** Shows a run's channel filled with the stored log (for finished runs and reattaches). */
  show(record: RunRecord, storedLog: string, reveal = true): void {
    const channel = this.open(record, reveal);
    channel.clear();
    const entry = this.channels.get(record.id)!;
    const lines = storedLog.split('\n').filter((l) => l !== '');
    entry.lines = 0;
    this.append(record.id, lines);
  }

  append(id: string, lines: readonly string[]): void {
    const entry = this.channels.get(id);
    if (!entry || lines.length === 0) return;
    const max = vscode.workspace.getConfiguration('stepops').get<number>('logs.maxLines', 10_000);
    if (entry.lines + lines.length > max) {
      entry.channel.clear();
      entry.channel.appendLine(
        `[stepops] earlier lines are in .stepops/runs/${id}.jsonl, all of them printed by "stepops logs ${id}" (stepops.logs.maxLines is ${max})`,
      );
      entry.lines = 1;
    }
    entry.channel.append(`${lines.join('\n')}\n`);
    entry.lines += lines.length;
  }

  dispose(): void {
    for (const { channel } of this.channels.values()) channel.dispose();
    this.channels.clear();
  }
}
