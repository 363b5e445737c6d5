import * as vscode from 'vscode';
import type { StepDocuments } from './StepDocuments';

/**
 * Fills the workspace step index once (time-sliced, so the extension host stays responsive) and
 * keeps it current from a file watcher. Open documents are indexed from their editor text by
 * StepDocuments, so the watcher skips them.
 */
export class WorkspaceStepIndexer implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly abort = new AbortController();

  constructor(
    private readonly documents: StepDocuments,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  start(): void {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.py');
    const reindex = (uri: vscode.Uri): void => void this.reindexFromDisk(uri);
    this.disposables.push(
      watcher,
      watcher.onDidCreate(reindex),
      watcher.onDidChange(reindex),
      watcher.onDidDelete(async (uri) => (await this.documents.stepIndex()).remove(uri.fsPath)),
    );
    void this.scanFolders();
  }

  dispose(): void {
    this.abort.abort();
    for (const d of this.disposables) d.dispose();
  }

  private async scanFolders(): Promise<void> {
    const index = await this.documents.stepIndex();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const exclude = vscode.workspace
        .getConfiguration('files', folder.uri)
        .get<Record<string, boolean>>('exclude', {});
      const ignorePatterns = Object.entries(exclude)
        .filter(([, on]) => on === true)
        .map(([glob]) => glob);
      try {
        const result = await index.scan(folder.uri.fsPath, { ignorePatterns, signal: this.abort.signal });
        this.output.info(
          `Indexed ${result.files} Python files in ${folder.name} (${result.parsed} mention zenml) in ` +
            `${result.milliseconds.toFixed(0)} ms; longest uninterrupted slice ${result.longestSliceMs.toFixed(1)} ms`,
        );
        for (const { file, message } of result.problems)
          this.output.warn(`${vscode.workspace.asRelativePath(file)}: ${message}`);
      } catch (error) {
        if (!this.abort.signal.aborted) this.output.error(`Indexing ${folder.name} failed: ${String(error)}`);
      }
    }
  }

  private async reindexFromDisk(uri: vscode.Uri): Promise<void> {
    if (uri.scheme !== 'file') return;
    // The index keeps an open editor's model over the disk's, decodes the file as Python does and
    // discovers it in slices (StepIndex.updateFromDisk).
    const index = await this.documents.stepIndex();
    const result = await index.updateFromDisk(uri.fsPath, { signal: this.abort.signal }).catch((error: unknown) => {
      if (!this.abort.signal.aborted) this.output.error(`Indexing ${uri.fsPath} failed: ${String(error)}`);
      return undefined;
    });
    if (result?.kind === 'undecodable') this.output.warn(`${vscode.workspace.asRelativePath(uri)}: ${result.message}`);
  }
}
