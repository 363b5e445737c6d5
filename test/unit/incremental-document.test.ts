import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { chunkStarts } from '../../src/core/python/chunks';
import { discoverPythonSource } from '../../src/core/python/discovery';
import { IncrementalDocument, editBetween } from '../../src/core/python/incrementalDocument';
import { type PythonParser, loadPythonParser } from '../../src/core/python/pythonParser';

let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser();
});

test('the edit between two texts is their differing middle, with UTF-16 rows and columns', () => {
  assert.deepEqual(editBetween('ab\ncd\nef', 'ab\ncXd\nef'), {
    startIndex: 4,
    oldEndIndex: 4,
    newEndIndex: 5,
    startPosition: { row: 1, column: 1 },
    oldEndPosition: { row: 1, column: 1 },
    newEndPosition: { row: 1, column: 2 },
  });
  const removal = editBetween('x = "😀"\n@step\n', 'x = "😀"\n');
  assert.deepEqual([removal.startIndex, removal.oldEndIndex, removal.newEndIndex], [9, 15, 9]);
  assert.deepEqual(removal.startPosition, { row: 1, column: 0 });
  assert.deepEqual(removal.oldEndPosition, { row: 2, column: 0 });
});

test('re-discovery after each keystroke agrees with a fresh parse', () => {
  const final = `from zenml import step, pipeline

@step(step_operator="sagemaker")
def train(rows: list, epochs: int = 3) -> dict:
    return {}

@step
def evaluate(model: dict) -> float:
    return 1.0

@pipeline
def p():
    evaluate(train([]))
`;
  const document = new IncrementalDocument(parser);
  try {
    // Type the file character by character, then delete a middle chunk and undo it.
    let text = '';
    for (const character of final) {
      text += character;
      assert.deepEqual(
        document.update(text),
        discoverPythonSource(parser, text),
        `after typing ${JSON.stringify(text.slice(-20))}`,
      );
    }
    const cut = final.replace('@step\ndef evaluate', 'def evaluate');
    assert.deepEqual(document.update(cut), discoverPythonSource(parser, cut));
    assert.deepEqual(
      document.update(final).steps.map((s) => s.name),
      ['train', 'evaluate'],
    );
  } finally {
    document.dispose();
  }
});

/** A small deterministic generator (a linear congruential one), so that a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

test('after hundreds of random edits the incremental result equals a discovery from scratch', () => {
  const random = seeded(20_261_129);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const blocks = (i: number): string[] => [
    `@step(step_operator="op${i}", settings={"step_operator": {"x": ${i}}})\ndef s${i}(a: int = ${i}) -> int:\n    """Doc ${i}."""\n    return a\n\n`,
    `@step\ndef t${i}(rows):\n    x = (1,\n2)\n    return rows\n\n`,
    `class C${i}:\n    @step\n    def m(self): ...\n\n`,
    `X${i} = """\n@step\ndef fake${i}(): ...\n"""\n`,
    `if True:\n    @step\n    def inner${i}(): ...\nelse:\n    pass\n`,
    `@pipeline\ndef p${i}(n: int = 1):\n    a = s0()\n    t1(a)\n\n`,
    `# comment ${i} with "quote\nY${i} = [1,\n  2, 3]  # (\n`,
  ];
  let base = 'from zenml import step, pipeline\nimport os\n\n';
  for (let i = 0; i < 40; i++) base += pick(blocks(i));
  const snippets = [
    '(',
    ')',
    '"""',
    "'",
    '\n',
    '@step\n',
    'def ',
    'class ',
    '#',
    '\\\n',
    '    ',
    'x',
    ']',
    '@',
    'else:\n',
  ];
  const edit = (text: string): string => {
    let at = Math.floor(random() * (text.length + 1));
    if (random() < 0.4) at = text.lastIndexOf('\n', at - 1) + 1; // line starts decide the chunks
    const r = random();
    if (r < 0.6) return text.slice(0, at) + pick(snippets) + text.slice(at);
    if (r < 0.9) return text.slice(0, at) + text.slice(at + Math.floor(random() * 40));
    const from = Math.floor(random() * text.length);
    return text.slice(0, at) + text.slice(from, from + Math.floor(random() * 200)) + text.slice(at); // a paste
  };

  const document = new IncrementalDocument(parser);
  try {
    let text = base;
    document.update(text);
    let withProblems = 0;
    for (let n = 0; n < 300; n++) {
      // Mostly edits of the current text; now and then a jump back to (an edit of) the clean file,
      // a change spread over the whole document.
      const r = random();
      text = r < 0.6 ? edit(text) : r < 0.85 ? edit(base) : base;
      const incremental = document.update(text);
      const fresh = discoverPythonSource(parser, text);
      assert.deepEqual(incremental, fresh, `edit ${n}`);
      assert.deepEqual(document.chunkOffsets(), [0, ...chunkStarts(text)], `chunks after edit ${n}`);
      if (fresh.syntaxProblems.length > 0) withProblems++;
    }
    assert.ok(withProblems > 50 && withProblems < 250, `${withProblems} of 300 texts had syntax errors`);
  } finally {
    document.dispose();
  }
});

test('sliced updates run one at a time; calls made meanwhile get the latest text', async () => {
  const text = (n: number): string => `from zenml import step\n${'@step\ndef s(): ...\n'.repeat(n)}`;
  const document = new IncrementalDocument(parser);
  try {
    const first = document.updateInSlices(text(200), { sliceMs: 1 });
    await new Promise((resolve) => setImmediate(resolve)); // the first is running, in slices
    const second = document.updateInSlices(text(3));
    const third = document.updateInSlices(text(5));
    assert.equal((await first).steps.length, 200);
    assert.equal(await second, await third, 'the waiting update was joined');
    assert.equal((await third).steps.length, 5);
    assert.deepEqual(document.update(text(7)), discoverPythonSource(parser, text(7)));
  } finally {
    document.dispose();
  }
});

test('disposing a document while a sliced update runs stops it', async () => {
  const document = new IncrementalDocument(parser);
  const running = document.updateInSlices(`from zenml import step\n${'@step\ndef s(): ...\n'.repeat(2_000)}`, {
    sliceMs: 1,
  });
  await new Promise((resolve) => setImmediate(resolve));
  document.dispose();
  await assert.rejects(running, { name: 'AbortError' });
  assert.throws(() => document.update('x = 1\n'), /disposed/);
});
