// The steps and pipelines of a whole workspace, kept current file by file. Scanning returns to the
// event loop with every file read, so that in the extension host a workspace of thousands of files
// never blocks typing. A file open in an editor is owned by the editor: its unsaved text wins over
// the disk until the editor releases it.
import { readFile } from 'node:fs/promises';
import { discoverPythonSource } from './discovery';
import type { DiscoveredPipeline, DiscoveredStep, PythonFileModel } from './model';
import { type PythonFileWalkOptions, pythonFilesUnder } from './pythonFiles';
import type { PythonParser } from './pythonParser';

export const EMPTY_MODEL: PythonFileModel = { steps: [], pipelines: [], syntaxProblems: [] };

/**
 * Steps and pipelines need a decorator imported from zenml, so a file that never mentions
 * "zenml" has none; skipping its parse makes scanning large workspaces cheap.
 */
export function mayDefineSteps(text: string): boolean {
  return text.includes('zenml');
}

export interface LocatedStep {
  readonly file: string;
  readonly step: DiscoveredStep;
}

export interface LocatedPipeline {
  readonly file: string;
  readonly pipeline: DiscoveredPipeline;
}

export interface ScanResult {
  readonly files: number;
  readonly parsed: number;
  readonly milliseconds: number;
  /** The longest stretch the scan held the event loop, in milliseconds. */
  readonly longestSliceMs: number;
}

export class StepIndex {
  private readonly models = new Map<string, PythonFileModel>();
  private readonly listeners = new Set<(file: string) => void>();
  /** Files whose model comes from an open editor; disk reads leave them alone. */
  private readonly openInEditor = new Set<string>();

  constructor(private readonly parser: PythonParser) {}

  /** Discovers one file's steps from its text on disk; a file open in an editor keeps the editor's. */
  update(file: string, text: string): PythonFileModel {
    if (this.openInEditor.has(file)) return this.models.get(file) ?? EMPTY_MODEL;
    return this.record(file, mayDefineSteps(text) ? discoverPythonSource(this.parser, text) : EMPTY_MODEL);
  }

  /** Stores the model of a file open in an editor (its IncrementalDocument's), which now owns it. */
  recordOpen(file: string, model: PythonFileModel): PythonFileModel {
    this.openInEditor.add(file);
    return this.record(file, model);
  }

  /** The editor closed the file: its model comes from the disk again (unsaved edits are gone). */
  async release(file: string): Promise<void> {
    if (!this.openInEditor.delete(file)) return;
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) this.remove(file);
    else this.update(file, text);
  }

  private record(file: string, model: PythonFileModel): PythonFileModel {
    const previous = this.models.get(file);
    this.models.set(file, model);
    if (previous !== model) this.fire(file);
    return model;
  }

  remove(file: string): void {
    if (this.models.delete(file)) this.fire(file);
  }

  get(file: string): PythonFileModel | undefined {
    return this.models.get(file);
  }

  /** Files that define at least one step or pipeline, sorted. */
  filesWithSteps(): string[] {
    return [...this.models]
      .filter(([, model]) => model.steps.length > 0 || model.pipelines.length > 0)
      .map(([file]) => file)
      .sort();
  }

  steps(): LocatedStep[] {
    return [...this.models].flatMap(([file, model]) => model.steps.map((step) => ({ file, step })));
  }

  pipelines(): LocatedPipeline[] {
    return [...this.models].flatMap(([file, model]) => model.pipelines.map((pipeline) => ({ file, pipeline })));
  }

  /** Called with the file whose model changed. */
  onDidChange(listener: (file: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Indexes every Python file under root. Each file read returns to the event loop, so the longest
   * synchronous stretch (longestSliceMs) is one file's discovery.
   */
  async scan(root: string, options: PythonFileWalkOptions = {}): Promise<ScanResult> {
    const started = performance.now();
    let longestSliceMs = 0;
    let files = 0;
    let parsed = 0;
    for await (const file of pythonFilesUnder(root, options)) {
      files++;
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const syncStart = performance.now();
      if (mayDefineSteps(text)) parsed++;
      this.update(file, text);
      longestSliceMs = Math.max(longestSliceMs, performance.now() - syncStart);
    }
    return { files, parsed, milliseconds: performance.now() - started, longestSliceMs };
  }

  private fire(file: string): void {
    for (const listener of this.listeners) listener(file);
  }
}
