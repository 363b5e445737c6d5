import * as vscode from 'vscode';
import { dockerEngineAnswers } from '../../core/images/dockerEngine';
import { DEFAULT_STACK_NAME, type Stack, defaultStack } from '../../core/stacks/model';

const ACTIVE_STACK_KEY = 'stepops.activeStack';

/**
 * The stacks the views and lenses show, and which one is active in this workspace. Stacks are
 * loaded once and on refresh (loading pings the Docker engine), not on every keystroke.
 */
export class StackState implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private loaded: Promise<readonly Stack[]> | undefined;

  constructor(
    private readonly workspaceState: vscode.Memento,
    private readonly artifactRoot: string,
  ) {}

  stacks(): Promise<readonly Stack[]> {
    this.loaded ??= (async () => [
      defaultStack({ artifactRoot: this.artifactRoot, dockerEngineAvailable: await dockerEngineAnswers() }),
    ])();
    return this.loaded;
  }

  activeStackName(): string {
    return this.workspaceState.get<string>(ACTIVE_STACK_KEY, DEFAULT_STACK_NAME);
  }

  /** The active stack, or the first one when the remembered name no longer exists. */
  async activeStack(): Promise<Stack> {
    const stacks = await this.stacks();
    return stacks.find((s) => s.name === this.activeStackName()) ?? stacks[0]!;
  }

  async setActive(name: string): Promise<void> {
    await this.workspaceState.update(ACTIVE_STACK_KEY, name);
    this.changed.fire();
  }

  refresh(): void {
    this.loaded = undefined;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
