import path from 'node:path';
import * as vscode from 'vscode';
import { dockerEngineAnswers } from '../../core/images/dockerEngine';
import { DEFAULT_STACK_NAME, type Stack } from '../../core/stacks/model';
import type { FileDiagnostic } from '../../core/stacks/stackFile';
import { type StackCatalog, StackStore } from '../../core/stacks/stackStore';
import { WORKSPACE_CONFIG, readWorkspaceConfig, writeActiveStack } from '../../core/stacks/workspaceConfig';

/**
 * The stacks the views and lenses show, and which one is active in this workspace. Reads the
 * user's stacks file (shared with the CLI) and the workspace's .stepops/config.yaml, reloads when
 * either changes on disk, and publishes their problems to the Problems panel. Loading pings the
 * Docker engine, so it happens once and on change, never per keystroke.
 */
export class StackState implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly store: StackStore;
  private loaded: Promise<StackCatalog> | undefined;
  private active: string = DEFAULT_STACK_NAME;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('stepops');
  private readonly disposables: vscode.Disposable[] = [this.changed, this.diagnostics];

  constructor(
    stacksFile: string,
    artifactRoot: string,
    private readonly workspaceFolder: vscode.Uri | undefined,
  ) {
    this.store = new StackStore(stacksFile, async () => ({
      artifactRoot,
      dockerEngineAvailable: await dockerEngineAnswers(),
    }));
    const watch = (base: string, pattern: string): void => {
      const watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(base), pattern),
      );
      this.disposables.push(
        watcher,
        watcher.onDidChange(() => this.refresh()),
        watcher.onDidCreate(() => this.refresh()),
        watcher.onDidDelete(() => this.refresh()),
      );
    };
    watch(path.dirname(stacksFile), path.basename(stacksFile));
    if (workspaceFolder) watch(workspaceFolder.fsPath, WORKSPACE_CONFIG.split(path.sep).join('/'));
  }

  /** The stacks as last loaded; every completed load fires onDidChange (the first one too). */
  catalog(): Promise<StackCatalog> {
    this.loaded ??= this.load().then((catalog) => {
      this.changed.fire();
      return catalog;
    });
    return this.loaded;
  }

  async stacks(): Promise<readonly Stack[]> {
    return (await this.catalog()).stacks;
  }

  /** The active stack's name as last read; "default" until the workspace config has been read. */
  activeStackName(): string {
    return this.active;
  }

  /** The active stack, or the default one when the configured name no longer exists. */
  async activeStack(): Promise<Stack> {
    const stacks = await this.stacks();
    return (
      stacks.find((s) => s.name === this.active) ?? stacks.find((s) => s.name === DEFAULT_STACK_NAME) ?? stacks[0]!
    );
  }

  async setActive(name: string): Promise<void> {
    if (!this.workspaceFolder) {
      throw new Error("Open a folder first: the active stack is saved in the folder's .stepops/config.yaml.");
    }
    await writeActiveStack(this.workspaceFolder.fsPath, name);
    this.active = name;
    this.refresh();
  }

  refresh(): void {
    this.loaded = undefined;
    void this.catalog();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private async load(): Promise<StackCatalog> {
    const [catalog, config] = await Promise.all([
      this.store.read(),
      this.workspaceFolder ? readWorkspaceConfig(this.workspaceFolder.fsPath) : Promise.resolve({ diagnostics: [] }),
    ]);
    this.active = ('activeStack' in config && config.activeStack) || DEFAULT_STACK_NAME;
    this.publish(vscode.Uri.file(catalog.file), catalog.diagnostics);
    if (this.workspaceFolder) {
      const configUri = vscode.Uri.joinPath(this.workspaceFolder, ...WORKSPACE_CONFIG.split(path.sep));
      const unknown =
        catalog.stacks.some((s) => s.name === this.active) || this.active === DEFAULT_STACK_NAME
          ? []
          : [
              {
                message: `No stack named "${this.active}"; using "default".`,
                line: 1,
                column: 1,
                severity: 'warning' as const,
              },
            ];
      this.publish(configUri, [...config.diagnostics, ...unknown]);
    }
    return catalog;
  }

  private publish(uri: vscode.Uri, problems: readonly FileDiagnostic[]): void {
    this.diagnostics.set(
      uri,
      problems.map((p) => {
        const position = new vscode.Position(Math.max(0, p.line - 1), Math.max(0, p.column - 1));
        const diagnostic = new vscode.Diagnostic(
          new vscode.Range(position, position.translate(0, 1)),
          p.message,
          p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        diagnostic.source = 'stepops';
        return diagnostic;
      }),
    );
  }
}
