import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { discoverPythonSource, discoverPythonSourceInSlices } from '../../src/core/python/discovery';
import { type PythonParser, loadPythonParser } from '../../src/core/python/pythonParser';
import { runInSlices, runToEnd } from '../../src/core/python/slices';

let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser();
});

function stepsFile(steps: number, broken: boolean): string {
  const lines = ['from zenml import step', 'import math', broken ? 'x = (' : 'x = ()', ''];
  for (let i = 0; i < steps; i++) {
    lines.push(`@step(step_operator="op${i % 3}")`, `def step_${i}(rows: list, epochs: int = ${i}) -> dict:`);
    for (let j = 0; j < 30; j++) lines.push(`    total_${j} = sum(r * ${j} for r in rows)  # work`);
    lines.push('    return {"epochs": epochs}', '');
  }
  return lines.join('\n');
}

test('a parse stopped at every chance resumes to the same tree, while other parses run in between', () => {
  const text = stepsFile(40, true);
  let pauses = 0;
  const sliced = parser.parseInSlices(text, undefined, () => true);
  let step = sliced.next();
  while (!step.done) {
    pauses++;
    parser.parse('def other(): ...\n').delete(); // the shared parser is free while this one waits
    step = sliced.next();
  }
  const whole = parser.parse(text);
  try {
    assert.ok(pauses > 10, `paused ${pauses} times`);
    assert.equal(step.value.rootNode.toString(), whole.rootNode.toString());
  } finally {
    step.value.delete();
    whole.delete();
  }
});

test('an abandoned sliced parse leaves its parser ready for the next one', () => {
  const abandoned = parser.parseInSlices(stepsFile(40, false), undefined, () => true);
  abandoned.next();
  abandoned.return(undefined as never);
  const tree = runToEnd((pause) => parser.parseInSlices('x = 1\n', undefined, pause));
  try {
    assert.equal(
      tree.rootNode.toString(),
      '(module (expression_statement (assignment left: (identifier) right: (integer))))',
    );
  } finally {
    tree.delete();
  }
});

test('discovery in slices returns to the event loop and finds what discovery at once finds', async () => {
  const text = stepsFile(300, true);
  const stats = { longestSliceMs: 0 };
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const sliced = await discoverPythonSourceInSlices(parser, text, { sliceMs: 10, stats });
  clearInterval(timer);
  assert.deepEqual(sliced, discoverPythonSource(parser, text));
  assert.equal(sliced.steps.length, 300);
  assert.ok(ticks > 5, `timers ran ${ticks} times`);
  assert.ok(stats.longestSliceMs < 100, `longest slice ${stats.longestSliceMs.toFixed(1)} ms`);
});

test('sliced work stops when its signal is aborted', async () => {
  const controller = new AbortController();
  let resumed = 0;
  const running = runInSlices(
    function* (pause) {
      for (;;) {
        resumed++;
        while (!pause()) {
          /* work */
        }
        yield;
      }
    },
    { sliceMs: 1, signal: controller.signal },
  );
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(running, { name: 'AbortError' });
  assert.ok(resumed > 2, `resumed ${resumed} times before the abort`);
});
