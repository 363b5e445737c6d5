import * as vscode from 'vscode';
import type { RunRecord } from '../../core/runs/runRecord';
import type { RunManager } from './RunManager';

/** Actions on a run in the Runs view. */
export function registerRunCommands(runs: RunManager): vscode.Disposable[] {
  const guarded =
    (action: (record: RunRecord) => Promise<void> | void) =>
    async (record?: RunRecord): Promise<void> => {
      if (!record) return;
      try {
        await action(record);
      } catch (error) {
        void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
      }
    };
  return [
    vscode.commands.registerCommand(
      'stepops.showRunLogs',
      guarded((r) => runs.showLogs(r.id)),
    ),
    vscode.commands.registerCommand(
      'stepops.cancelRun',
      guarded((r) => runs.cancel(r.id)),
    ),
    vscode.commands.registerCommand(
      'stepops.openRunConsole',
      guarded(async (r) => {
        const url = r.jobStatus?.consoleUrl;
        if (!url) {
          void vscode.window.showInformationMessage(
            `Run ${r.id} ran on ${r.operator.name}, which has no console page.`,
          );
          return;
        }
        await vscode.env.openExternal(vscode.Uri.parse(url));
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.rerun',
      guarded((r) => runs.rerun(r.id)),
    ),
    vscode.commands.registerCommand(
      'stepops.openRunOutputs',
      guarded(async (r) => {
        const outputs = Object.entries(r.outputs ?? {});
        if (outputs.length === 0) {
          void vscode.window.showInformationMessage(
            `Run ${r.id} has no outputs${r.state === 'succeeded' ? '' : ` (it ${r.state})`}.`,
          );
          return;
        }
        const picked =
          outputs.length === 1
            ? outputs[0]
            : (
                await vscode.window.showQuickPick(
                  outputs.map(([name, o]) => ({
                    label: name,
                    description: `${o.type} · ${o.size} bytes`,
                    detail: o.preview,
                    entry: [name, o] as const,
                  })),
                )
              )?.entry;
        if (!picked) return;
        const [name, metadata] = picked;
        const file = vscode.Uri.joinPath(
          runs.outputsFolder(r.id),
          name,
          metadata.format === 'json' ? 'data.json' : 'metadata.json',
        );
        await vscode.window.showTextDocument(file, { preview: true });
      }),
    ),
    vscode.commands.registerCommand(
      'stepops.deleteRun',
      guarded(async (r) => {
        const answer = await vscode.window.showWarningMessage(
          `Delete the record of run ${r.id}? Its outputs stay in the artifact store.`,
          { modal: true },
          'Delete',
        );
        if (answer === 'Delete') await runs.delete(r.id);
      }),
    ),
  ];
}
