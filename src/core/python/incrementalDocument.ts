import { NO_CUT_YET, scanCuts } from './chunks';
import {
  type ParsedChunk,
  combineChunks,
  countNewlines,
  disposeChunk,
  disposeChunksInSlices,
  parseChunk,
} from './discovery';
import type { PythonFileModel } from './model';
import type { PythonParser } from './pythonParser';
import { type Pause, type SliceOptions, type Sliced, runInSlices, runToEnd } from './slices';

/** A chunk of the document (chunks.ts): where it is, its text, and its parsed tree and findings. */
interface Chunk {
  readonly start: number;
  readonly end: number;
  readonly startRow: number;
  readonly text: string;
  readonly parsed: ParsedChunk;
}

/**
 * One open document's syntax trees, kept between edits. The document is held as chunks of
 * top-level statements, each with its own tree whose rows start at the chunk's first line. An
 * edit re-scans from the chunk before the one it touches until the chunk boundaries agree with
 * the old ones again, re-parses those chunks incrementally (tree-sitter reuses what did not
 * change) and re-walks only them; the other chunks keep their trees and findings, moved by the
 * number of lines the edit added or removed. A keystroke in a 20,000-line file therefore costs
 * about what it costs in a 1,000-line one. Call dispose() when the document closes; trees live
 * in WebAssembly memory.
 */
export class IncrementalDocument {
  private text = '';
  private chunks: Chunk[] = [];
  private model: PythonFileModel | undefined;
  /** Sliced updates run one after another; `waiting` is the next one, which later texts join. */
  private queue: Promise<void> = Promise.resolve();
  private waiting: { text: string; readonly result: Promise<PythonFileModel> } | undefined;
  private running = false;
  private disposed = false;
  private readonly abort = new AbortController();

  constructor(private readonly parser: PythonParser) {}

  /** Re-discovers after an edit, all at once. */
  update(text: string): PythonFileModel {
    if (this.running) throw new Error('IncrementalDocument.update: a sliced update is still running');
    if (this.disposed) throw new Error('IncrementalDocument.update: the document was disposed');
    return runToEnd((pause) => this.apply(text, pause));
  }

  /**
   * Re-discovers after an edit in slices that return to the event loop (slices.ts). Calls made
   * while one runs are joined: they all get the model of the latest text.
   */
  updateInSlices(text: string, options: Omit<SliceOptions, 'signal'> = {}): Promise<PythonFileModel> {
    if (this.disposed) return Promise.reject(new Error('IncrementalDocument: the document was disposed'));
    if (this.waiting) {
      this.waiting.text = text;
      return this.waiting.result;
    }
    const job: { text: string; result: Promise<PythonFileModel> } = { text, result: undefined! };
    const start = this.queue.then(() => {
      this.waiting = undefined;
      this.running = true;
      return runInSlices((pause) => this.apply(job.text, pause), { ...options, signal: this.abort.signal });
    });
    job.result = start.finally(() => {
      this.running = false;
      if (this.disposed) this.release();
    });
    this.waiting = job;
    this.queue = job.result.then(
      () => undefined,
      () => undefined,
    );
    return job.result;
  }

  /** Where the chunks start, in the current text (for diagnostics and tests). */
  chunkOffsets(): number[] {
    return this.chunks.map((c) => c.start);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    if (!this.running) this.release();
  }

  private release(): void {
    disposeChunksInSlices(this.chunks.map((c) => c.parsed));
    this.chunks = [];
    this.model = undefined;
  }

  private *apply(text: string, pause: Pause): Sliced<PythonFileModel> {
    if (this.chunks.length > 0 && text === this.text) {
      this.model ??= yield* this.combine(pause);
      return this.model;
    }
    const old = this.chunks;
    const oldText = this.text;
    // The edit: the texts agree on [0, prefix) and on their last `suffix` characters.
    const prefix = commonPrefix(oldText, text);
    const suffix = commonSuffix(oldText, text, Math.min(oldText.length, text.length) - prefix);
    const delta = text.length - oldText.length;
    const editedEnd = text.length - suffix;
    // A cut is decided by the text up to the end of its first line: from the chunk before the
    // one the edit starts in, every cut is re-scanned until one lands where an old cut was, in
    // the unchanged end of the text; from there the old chunks hold as they are.
    const first = old.length === 0 ? 0 : Math.max(0, chunkAt(old, prefix) - 1);
    const from = old.length === 0 ? 0 : old[first]!.start;
    let resumeAt = old.length; // the first old chunk that is kept after the re-scanned region

    const created: Chunk[] = [];
    const reused = new Set<Chunk>();
    let committed = false;
    try {
      let start = from;
      let startRow = old.length === 0 ? 0 : old[first]!.startRow;
      const parser = this.parser;
      const chunkUpTo = function* (end: number): Sliced<void> {
        const same = start <= prefix ? old[chunkStartingAt(old, start)] : undefined;
        if (same && same.end === end && end <= prefix) {
          reused.add(same); // wholly before the edit: nothing to do
          created.push(same);
        } else {
          const chunkText = ownCopy(text.slice(start, end));
          const parsed = yield* reparseChunk(parser, chunkText, same, pause);
          created.push({ start, end, startRow, text: chunkText, parsed });
        }
        startRow += countNewlines(created[created.length - 1]!.text);
        start = end;
      };
      for (const cut of scanCuts(text, from)) {
        if (cut === NO_CUT_YET) {
          if (pause()) yield;
          continue;
        }
        yield* chunkUpTo(cut);
        const index = cut >= editedEnd && old.length > 0 ? chunkStartingAt(old, cut - delta) : -1;
        if (index > first) {
          resumeAt = index;
          break;
        }
      }
      if (resumeAt === old.length) yield* chunkUpTo(text.length);
      const rowDelta = resumeAt < old.length ? startRow - old[resumeAt]!.startRow : 0;
      const kept = old
        .slice(resumeAt)
        .map((chunk) =>
          delta === 0 && rowDelta === 0
            ? chunk
            : { ...chunk, start: chunk.start + delta, end: chunk.end + delta, startRow: chunk.startRow + rowDelta },
        );
      for (const chunk of old.slice(first, resumeAt)) if (!reused.has(chunk)) disposeChunk(chunk.parsed);
      this.chunks = [...old.slice(0, first), ...created, ...kept];
      this.text = text;
      this.model = undefined;
      committed = true;
    } finally {
      if (!committed) for (const chunk of created) if (!reused.has(chunk)) disposeChunk(chunk.parsed);
    }
    this.model = yield* this.combine(pause);
    return this.model;
  }

  private combine(pause: Pause): Sliced<PythonFileModel> {
    return combineChunks(
      this.chunks.map((c) => ({ chunk: c.parsed, startRow: c.startRow })),
      pause,
    );
  }
}

/** Parses a chunk, incrementally from the old chunk that started at the same place when there is one. */
function* reparseChunk(
  parser: PythonParser,
  text: string,
  previous: Chunk | undefined,
  pause: Pause,
): Sliced<ParsedChunk> {
  if (!previous) return yield* parseChunk(parser, text, pause);
  const tree = previous.parsed.tree.copy(); // the old chunk stays intact until the edit is committed
  try {
    tree.edit(editBetween(previous.text, text));
    return yield* parseChunk(parser, text, pause, tree);
  } finally {
    tree.delete();
  }
}

/** The index of the chunk that contains `offset` (the last one when it is the end of the text). */
function chunkAt(chunks: readonly Chunk[], offset: number): number {
  let low = 0;
  let high = chunks.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (chunks[middle]!.start <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The index of the chunk that starts exactly at `offset`, or -1. */
function chunkStartingAt(chunks: readonly Chunk[], offset: number): number {
  const index = chunkAt(chunks, offset);
  return chunks[index]?.start === offset ? index : -1;
}

/**
 * A copy of a slice that does not keep the whole document's text alive: V8 shares the parent's
 * characters with a slice, and a kept chunk would otherwise hold on to every version of the
 * document it was cut from.
 */
function ownCopy(slice: string): string {
  return slice.length < 64 ? slice : (' ' + slice).slice(1);
}

/** Blocks compared natively, largest first: only the block with the difference is compared by character. */
const BLOCKS = [65_536, 4_096, 256];

function commonPrefix(a: string, b: string): number {
  const shorter = Math.min(a.length, b.length);
  let i = 0;
  for (const block of BLOCKS) {
    while (i + block <= shorter && a.slice(i, i + block) === b.slice(i, i + block)) i += block;
  }
  while (i < shorter && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffix(a: string, b: string, limit: number): number {
  let n = 0;
  for (const block of BLOCKS) {
    while (
      n + block <= limit &&
      a.slice(a.length - n - block, a.length - n) === b.slice(b.length - n - block, b.length - n)
    ) {
      n += block;
    }
  }
  while (n < limit && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n++;
  return n;
}

interface Point {
  row: number;
  column: number;
}

/** The single edit that turns `before` into `after`: common prefix and suffix left untouched. */
export function editBetween(
  before: string,
  after: string,
): {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: Point;
  oldEndPosition: Point;
  newEndPosition: Point;
} {
  const start = commonPrefix(before, after);
  const suffix = commonSuffix(before, after, Math.min(before.length, after.length) - start);
  const oldEnd = before.length - suffix;
  const newEnd = after.length - suffix;
  return {
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: pointAt(before, start),
    oldEndPosition: pointAt(before, oldEnd),
    newEndPosition: pointAt(after, newEnd),
  };
}

/** Row and UTF-16 column of an offset, the units web-tree-sitter uses for JavaScript strings. */
function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}
