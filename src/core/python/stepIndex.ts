// The steps and pipelines of a whole workspace, kept current file by file. Scanning returns to the
// event loop with every file read and, within a file, between slices of its discovery, so that in
// the extension host neither a workspace of thousands of files nor one huge or broken file blocks
// typing. Files are decoded as Python decodes them (PEP 263). A file open in an editor is owned by
// the editor: its unsaved text wins over the disk until the editor releases it.
import { readFile } from 'node:fs/promises';
import { discoverPythonSource, discoverPythonSourceInSlices } from './discovery';
import type { DiscoveredPipeline, DiscoveredStep, PythonFileModel } from './model';
import { type PythonFileWalkOptions, pythonFilesUnder } from './pythonFiles';
import type { PythonParser } from './pythonParser';
import { decodePythonSource } from './pythonSource';
import type { SliceOptions } from './slices';

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
  /** Files that could not be decoded (an encoding declaration the runtime does not know), with why. */
  readonly problems: readonly { readonly file: string; readonly message: string }[];
}

/** What reading one file from disk gave: its model, or why it could not be read or decoded. */
export type DiskUpdate =
  | { readonly kind: 'discovered'; readonly model: PythonFileModel; readonly parsed: boolean }
  | { readonly kind: 'undecodable'; readonly model: PythonFileModel; readonly message: string }
  | { readonly kind: 'unreadable' };

export class StepIndex {
  private readonly models = new Map<string, PythonFileModel>();
  private readonly listeners = new Set<(file: string) => void>();
  /** Files whose model comes from an open editor; disk reads leave them alone. */
  private readonly openInEditor = new Set<string>();

  /** Per file, the latest disk read started: an older one that finishes later is dropped. */
  private readonly reads = new Map<string, number>();
  private readCount = 0;

  constructor(private readonly parser: PythonParser) {}

  /** Discovers one file's steps from its text on disk; a file open in an editor keeps the editor's. */
  update(file: string, text: string): PythonFileModel {
    this.reads.delete(file); // newer than any read still under way
    if (this.openInEditor.has(file)) return this.models.get(file) ?? EMPTY_MODEL;
    return this.record(file, mayDefineSteps(text) ? discoverPythonSource(this.parser, text) : EMPTY_MODEL);
  }

  /**
   * Reads a file as Python decodes it and discovers it in slices (slices.ts); a file that is gone
   * is removed. A file that cannot be decoded keeps no steps, and its model says why.
   */
  async updateFromDisk(file: string, options?: SliceOptions): Promise<DiskUpdate> {
    const read = ++this.readCount;
    this.reads.set(file, read);
    const current = (): boolean => this.reads.get(file) === read && !this.openInEditor.has(file);
    const bytes = await readFile(file).catch(() => undefined);
    const decodeStart = performance.now();
    const source = bytes && decodePythonSource(bytes);
    const parsed = source?.ok === true && mayDefineSteps(source.text);
    if (options?.stats) {
      options.stats.longestSliceMs = Math.max(options.stats.longestSliceMs, performance.now() - decodeStart);
    }
    if (!source) {
      if (current()) this.remove(file);
      return { kind: 'unreadable' };
    }
    if (!source.ok) {
      const at = { line: source.line, character: 0 };
      const model = {
        steps: [],
        pipelines: [],
        syntaxProblems: [{ range: { start: at, end: at }, message: source.message }],
      };
      if (current()) this.record(file, model);
      return { kind: 'undecodable', model, message: source.message };
    }
    const model = parsed ? await discoverPythonSourceInSlices(this.parser, source.text, options) : EMPTY_MODEL;
    if (current()) this.record(file, model);
    return { kind: 'discovered', model: this.models.get(file) ?? model, parsed };
  }

  /** Stores the model of a file open in an editor (its IncrementalDocument's), which now owns it. */
  recordOpen(file: string, model: PythonFileModel): PythonFileModel {
    this.openInEditor.add(file);
    return this.record(file, model);
  }

  /** The editor closed the file: its model comes from the disk again (unsaved edits are gone). */
  async release(file: string): Promise<void> {
    if (!this.openInEditor.delete(file)) return;
    await this.updateFromDisk(file);
  }

  private record(file: string, model: PythonFileModel): PythonFileModel {
    const previous = this.models.get(file);
    this.models.set(file, model);
    if (previous !== model) this.fire(file);
    return model;
  }

  remove(file: string): void {
    this.reads.delete(file);
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
   * Indexes every Python file under root. Each file read returns to the event loop, and so does
   * a large file's discovery between slices, so the longest synchronous stretch (longestSliceMs)
   * is one slice.
   */
  async scan(root: string, options: PythonFileWalkOptions & Pick<SliceOptions, 'sliceMs'> = {}): Promise<ScanResult> {
    const started = performance.now();
    const stats = { longestSliceMs: 0 };
    const problems: { file: string; message: string }[] = [];
    let files = 0;
    let parsed = 0;
    for await (const file of pythonFilesUnder(root, options)) {
      files++;
      const result = await this.updateFromDisk(file, {
        stats,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.sliceMs ? { sliceMs: options.sliceMs } : {}),
      });
      if (result.kind === 'discovered' && result.parsed) parsed++;
      if (result.kind === 'undecodable') problems.push({ file, message: result.message });
    }
    return { files, parsed, milliseconds: performance.now() - started, longestSliceMs: stats.longestSliceMs, problems };
  }

  private fire(file: string): void {
    for (const listener of this.listeners) listener(file);
  }
}
