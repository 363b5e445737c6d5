import { discoverInTree } from './discovery';
import type { PythonFileModel } from './model';
import type { PythonParser, SyntaxTree } from './pythonParser';

/**
 * One open document's syntax tree, kept between edits so that tree-sitter re-parses only what
 * changed: a keystroke in a 1,000-line file costs a fraction of a full parse. Call dispose() when
 * the document closes; trees live in WebAssembly memory.
 */
export class IncrementalDocument {
  private text = '';
  private tree: SyntaxTree | undefined;

  constructor(private readonly parser: PythonParser) {}

  update(text: string): PythonFileModel {
    const previous = this.tree;
    if (previous) previous.edit(editBetween(this.text, text));
    this.tree = this.parser.parse(text, previous);
    previous?.delete();
    this.text = text;
    return discoverInTree(this.parser, this.tree, text);
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = undefined;
  }
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
  let start = 0;
  const shorter = Math.min(before.length, after.length);
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let suffix = 0;
  while (
    suffix < shorter - start &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
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
