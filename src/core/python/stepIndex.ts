// The steps and pipelines of a whole workspace, kept current file by file. Scanning yields to the
// event loop every few milliseconds, so that in the extension host a workspace of thousands of
// files never blocks typing; a single file is re-discovered synchronously on each edit (a few ms).
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

  constructor(private readonly parser: PythonParser) {}

  /** Discovers one file's steps from its text on disk (or any text, parsed whole). */
  update(file: string, text: string): PythonFileModel {
    return this.record(file, mayDefineSteps(text) ? discoverPythonSource(this.parser, text) : EMPTY_MODEL);
  }

  /** Stores a model discovered elsewhere (an open editor's IncrementalDocument). */
  record(file: string, model: PythonFileModel): PythonFileModel {
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
   * Indexes every Python file under root. Each file read already returns to the event loop; when
   * files come back-to-back (small files, warm cache) an explicit yield every sliceMs keeps other
   * work flowing. longestSliceMs is the longest synchronous stretch, which is one file's discovery.
   */
  async scan(root: string, options: PythonFileWalkOptions & { sliceMs?: number } = {}): Promise<ScanResult> {
    const sliceMs = options.sliceMs ?? 8;
    const started = performance.now();
    let sinceYield = performance.now();
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
      const now = performance.now();
      longestSliceMs = Math.max(longestSliceMs, now - syncStart);
      if (now - sinceYield >= sliceMs) {
        await new Promise((resolve) => setImmediate(resolve));
        sinceYield = performance.now();
      }
    }
    return { files, parsed, milliseconds: performance.now() - started, longestSliceMs };
  }

  private fire(file: string): void {
    for (const listener of this.listeners) listener(file);
  }
}
