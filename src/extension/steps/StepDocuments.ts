import * as vscode from 'vscode';
import type { DiscoveredPipeline, DiscoveredStep, PythonFileModel, SourceRange } from '../../core/python/model';
import { type PythonParser, loadPythonParser } from '../../core/python/pythonParser';
import { IncrementalDocument } from '../../core/python/incrementalDocument';
import { EMPTY_MODEL, StepIndex, mayDefineSteps } from '../../core/python/stepIndex';

interface OpenDocument {
  version: number;
  /** The model of `version`, once its (sliced) discovery ends. */
  model: Promise<PythonFileModel>;
  tree?: IncrementalDocument;
}

/**
 * Discovery results for open Python documents, re-computed once per document version, and the
 * workspace-wide index they feed. The parser (WebAssembly) loads on the first Python document,
 * not on activation.
 */
export class StepDocuments {
  private parser: Promise<PythonParser> | undefined;
  /** The parser once loaded, so that modelFor needs no await between reading and storing an entry. */
  private loadedParser: PythonParser | undefined;
  private index: StepIndex | undefined;
  private readonly open = new Map<string, OpenDocument>();

  async stepIndex(): Promise<StepIndex> {
    this.parser ??= loadPythonParser().then((parser) => (this.loadedParser = parser));
    const parser = await this.parser;
    this.index ??= new StepIndex(parser);
    return this.index;
  }

  /**
   * The document's steps, re-discovered incrementally once per version, in slices that return to
   * the event loop (slices.ts): a huge or broken document never holds the extension host for
   * longer than a slice, whatever its size.
   */
  async modelFor(document: vscode.TextDocument): Promise<PythonFileModel> {
    const key = document.uri.toString();
    const index = await this.stepIndex();
    // No await from here on: two callers on a new document must share one entry (and one tree).
    const existing = this.open.get(key);
    if (existing?.version === document.version) return existing.model;
    const entry: OpenDocument = existing ?? { version: -1, model: Promise.resolve(EMPTY_MODEL) };
    const version = document.version;
    const text = document.getText();
    entry.version = version;
    if (mayDefineSteps(text)) {
      entry.tree ??= new IncrementalDocument(this.loadedParser!);
      entry.model = entry.tree.updateInSlices(text).then(
        (model) => {
          // Only the newest version's model speaks for the file in the workspace index.
          if (document.uri.scheme === 'file' && this.open.get(key) === entry && entry.version === version) {
            index.recordOpen(document.uri.fsPath, model);
          }
          return model;
        },
        (error: unknown) => {
          // Closed or emptied meanwhile: its discovery was stopped, and nobody waits for this version.
          if (this.open.get(key) !== entry || entry.version !== version) return EMPTY_MODEL;
          throw error;
        },
      );
    } else {
      entry.tree?.dispose();
      entry.tree = undefined;
      entry.model = Promise.resolve(EMPTY_MODEL);
      if (document.uri.scheme === 'file') index.recordOpen(document.uri.fsPath, EMPTY_MODEL);
    }
    this.open.set(key, entry);
    return entry.model;
  }

  /** Frees a closed document's syntax tree (WebAssembly memory); the index reads the disk again. */
  forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    this.open.get(key)?.tree?.dispose();
    this.open.delete(key);
    if (document.uri.scheme === 'file') void this.index?.release(document.uri.fsPath);
  }

  async stepAt(document: vscode.TextDocument, position: vscode.Position): Promise<DiscoveredStep | undefined> {
    const model = await this.modelFor(document);
    return model.steps.find((s) => contains(s.definitionRange, position));
  }

  async pipelineAt(document: vscode.TextDocument, position: vscode.Position): Promise<DiscoveredPipeline | undefined> {
    const model = await this.modelFor(document);
    return model.pipelines.find((p) => contains(p.definitionRange, position));
  }
}

export function toVsRange(range: SourceRange): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

function contains(range: SourceRange, position: vscode.Position): boolean {
  return toVsRange(range).contains(position);
}
