import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { discoverPythonSource } from '../../src/core/python/discovery';
import { pythonFilesUnder } from '../../src/core/python/pythonFiles';
import { loadPythonParser } from '../../src/core/python/pythonParser';
import { StepIndex } from '../../src/core/python/stepIndex';

let root: string;
const STEP = (name: string): string => `from zenml import step\n\n@step\ndef ${name}(): ...\n`;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'stepops-index-'));
  const files: Record<string, string> = {
    '.gitignore': 'build/\n*_generated.py\n!keep_generated.py\n',
    'a.py': STEP('a'),
    'plain.py': 'def not_a_step(): ...\n',
    'build/b.py': STEP('in_build'),
    'pkg/c.py': STEP('c'),
    'pkg/x_generated.py': STEP('generated'),
    'pkg/keep_generated.py': STEP('kept'),
    'pkg/.gitignore': 'private.py\n',
    'pkg/private.py': STEP('private'),
    'private.py': STEP('top_private'),
    'node_modules/m.py': STEP('in_node_modules'),
    '.venv/lib/v.py': STEP('in_venv'),
    'excluded/e.py': STEP('excluded'),
    'notes.txt': '@step',
  };
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
});
after(() => rm(root, { recursive: true, force: true }));

test('walks Python files honouring nested .gitignore files and extra patterns', async () => {
  const files: string[] = [];
  for await (const file of pythonFilesUnder(root, { ignorePatterns: ['**/excluded'] })) {
    files.push(path.relative(root, file));
  }
  assert.deepEqual(files, ['a.py', 'pkg/c.py', 'pkg/keep_generated.py', 'plain.py', 'private.py']);
});

test('scans a folder, updates and removes files incrementally, and reports changes', async () => {
  const index = new StepIndex(await loadPythonParser());
  const result = await index.scan(root, { ignorePatterns: ['excluded/'] });
  assert.equal(result.files, 5);
  assert.equal(result.parsed, 4, 'plain.py never mentions zenml and is not parsed');
  assert.deepEqual(
    index
      .steps()
      .map((s) => s.step.name)
      .sort(),
    ['a', 'c', 'kept', 'top_private'],
  );

  const changed: string[] = [];
  index.onDidChange((file) => changed.push(path.basename(file)));
  index.update(path.join(root, 'a.py'), STEP('renamed'));
  index.remove(path.join(root, 'pkg/c.py'));
  assert.deepEqual(changed, ['a.py', 'c.py']);
  assert.deepEqual(
    index
      .steps()
      .map((s) => s.step.name)
      .sort(),
    ['kept', 'renamed', 'top_private'],
  );
});

test("an open editor's text wins over the disk until the editor releases the file", async () => {
  const index = new StepIndex(await loadPythonParser());
  await index.scan(root, { ignorePatterns: ['excluded/'] });
  const file = path.join(root, 'a.py');
  const names = () => index.get(file)?.steps.map((s) => s.name);
  const unsaved = discoverPythonSource(await loadPythonParser(), STEP('typed_not_saved'));
  index.recordOpen(file, unsaved);
  await index.scan(root, { ignorePatterns: ['excluded/'] }); // a rescan reads the old disk text
  index.update(file, STEP('from_disk'));
  assert.deepEqual(names(), ['typed_not_saved']);
  await index.release(file); // closed without saving: the disk's steps again
  assert.deepEqual(names(), ['a']);
  index.update(file, STEP('from_disk'));
  assert.deepEqual(names(), ['from_disk']);
});

test('scanning yields to the event loop instead of holding it', async () => {
  const many = await mkdtemp(path.join(tmpdir(), 'stepops-many-'));
  try {
    const body = Array.from({ length: 40 }, (_, i) => `@step\ndef s${i}(x: int = ${i}) -> int:\n    return x\n`).join(
      '\n',
    );
    for (let i = 0; i < 300; i++) await writeFile(path.join(many, `f${i}.py`), `from zenml import step\n${body}`);
    const index = new StepIndex(await loadPythonParser());
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const result = await index.scan(many);
    clearInterval(timer);
    assert.equal(index.steps().length, 300 * 40);
    assert.ok(ticks > 5, `timers ran ${ticks} times during the scan`);
    assert.ok(result.longestSliceMs < 100, `longest slice ${result.longestSliceMs} ms`);
  } finally {
    await rm(many, { recursive: true, force: true });
  }
});
