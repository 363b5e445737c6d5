import assert from 'node:assert/strict';
import { before, test } from 'node:test';
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
