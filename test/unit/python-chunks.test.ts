import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { chunkStarts } from '../../src/core/python/chunks';
import { type PythonParser, loadPythonParser } from '../../src/core/python/pythonParser';

let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser();
});

/** Top-level statements as "type row:column-row:column", from one parse of the whole text. */
function statementsOfWhole(text: string): string[] {
  const tree = parser.parse(text);
  try {
    assert.equal(tree.rootNode.hasError, false, 'the sample is valid Python');
    return tree.rootNode.namedChildren.map((n) => describe(n!, 0));
  } finally {
    tree.delete();
  }
}

/** The same, parsing each chunk on its own and moving its rows to the file's. */
function statementsOfChunks(text: string): string[] {
  const starts = [0, ...chunkStarts(text)];
  const result: string[] = [];
  for (let k = 0; k < starts.length; k++) {
    const rows = text.slice(0, starts[k]).split('\n').length - 1;
    const tree = parser.parse(text.slice(starts[k], starts[k + 1] ?? text.length));
    try {
      assert.equal(tree.rootNode.hasError, false, `chunk ${k} (line ${rows + 1}) parses alone`);
      result.push(...tree.rootNode.namedChildren.map((n) => describe(n!, rows)));
    } finally {
      tree.delete();
    }
  }
  return result;
}

function describe(node: { type: string; startPosition: Point; endPosition: Point }, rows: number): string {
  const at = (p: Point): string => `${p.row + rows}:${p.column}`;
  return `${node.type} ${at(node.startPosition)}-${at(node.endPosition)}`;
}

interface Point {
  row: number;
  column: number;
}

const lineOf = (text: string, offset: number): number => text.slice(0, offset).split('\n').length - 1;

test('valid code is cut only between top-level statements: the chunks parse to the same statements', () => {
  const tricky = [
    'from zenml import step',
    '',
    '@step',
    '',
    '# a comment between a decorator and its def',
    'def a(): ...',
    'TEMPLATE = """',
    'def not_here(): ...',
    '@also_not_here \'\'\' \\""" still in the string',
    '"""',
    'S = \'def x\' + "class y"  # def z (',
    'T = f"{1 + (2)}" r"\\\\" b\'(\'',
    'CALL = dict(',
    '    a=1,',
    ')',
    'LONG = 1 + \\',
    '    2',
    'if CALL:',
    '    pass',
    'elif LONG:',
    '    pass',
    'else:',
    '    pass',
    'try:',
    '    import os',
    'except ImportError:',
    '    os = None',
    'finally:',
    '    pass',
    '@step(',
    '    step_operator="x",',
    ')',
    'async def b(): ...',
    'class C:',
    '    def m(self): ...',
    'def crlf():\r',
    '    return 1\r',
    'ñandú = 1',
    '',
  ].join('\n');
  assert.deepEqual(statementsOfChunks(tricky), statementsOfWhole(tricky));
  const cutLines = chunkStarts(tricky).map((offset) => lineOf(tricky, offset));
  // Definitions start chunks (with their decorators); strings, continuations and clauses never do.
  assert.deepEqual(cutLines, [2, 29, 33, 35]);
});

test('plain statements are grouped into chunks of a couple of thousand characters', () => {
  const text = Array.from({ length: 2_000 }, (_, i) => `VALUE_${i} = ${i}  # a constant`).join('\n');
  const starts = chunkStarts(text);
  assert.ok(starts.length > 5 && starts.length < 40, `${starts.length} chunks`);
  assert.deepEqual(statementsOfChunks(text), statementsOfWhole(text));
});

test('after an unclosed bracket the next definition in column 0 still starts a chunk', () => {
  const text = ['from zenml import step', 'x = (', '', '@step', 'def after(): ...', 'y = [', 'class K: ...', ''].join(
    '\n',
  );
  assert.deepEqual(
    chunkStarts(text).map((offset) => lineOf(text, offset)),
    [3, 6],
  );
  // Inside an unterminated triple-quoted string nothing can be told apart from text: no cut.
  const unterminated = ['x = """', '@step', 'def after(): ...', ''].join('\n');
  assert.deepEqual(chunkStarts(unterminated), []);
});

test('a scan can stop at a cut, and resumes from any cut with the same results', () => {
  const text = Array.from({ length: 50 }, (_, i) => `@step\ndef s${i}():\n    return ${i}\n`).join('');
  const all = chunkStarts(text);
  assert.equal(all.length, 49);
  assert.deepEqual(
    chunkStarts(text, 0, (cut) => cut >= all[9]!),
    all.slice(0, 10),
  );
  assert.deepEqual(chunkStarts(text, all[20]), all.slice(21));
});
