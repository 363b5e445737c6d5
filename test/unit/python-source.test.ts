import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadPythonParser } from '../../src/core/python/pythonParser';
import { codingDeclaration, decodePythonSource } from '../../src/core/python/pythonSource';
import { StepIndex } from '../../src/core/python/stepIndex';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stepops-encoding-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Bytes of a step file whose default is `café` (and `€`) in the given single-byte encoding. */
function stepFile(declaration: string, accented: number[]): Buffer {
  return Buffer.concat([
    Buffer.from(`${declaration}\nfrom zenml import step\n\n@step\ndef greet(name: str = "caf`),
    Buffer.from(accented),
    Buffer.from('") -> str:\n    return name\n'),
  ]);
}

const text = (bytes: Uint8Array): string => {
  const decoded = decodePythonSource(bytes);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.message);
  return decoded.text;
};

test('a coding declaration is found on line 1, or on line 2 below a comment, in the forms editors write', () => {
  assert.deepEqual(codingDeclaration(Buffer.from('# -*- coding: latin-1 -*-\nx = 1\n')), { name: 'latin-1', line: 0 });
  assert.deepEqual(codingDeclaration(Buffer.from('#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n')), {
    name: 'cp1252',
    line: 1,
  });
  assert.deepEqual(codingDeclaration(Buffer.from('\n#coding=iso-8859-15\n')), { name: 'iso-8859-15', line: 1 });
  // Python looks no further than line 2, and not at line 2 when line 1 is code.
  assert.equal(codingDeclaration(Buffer.from('x = 1\n# coding: latin-1\n')), undefined);
  assert.equal(codingDeclaration(Buffer.from('#\n#\n# coding: latin-1\n')), undefined);
  assert.equal(codingDeclaration(Buffer.from('s = "# coding: latin-1"\n')), undefined);
});

test('latin-1, cp1252 and iso-8859-15 files decode as Python decodes them, not as UTF-8', () => {
  // 0xE9 is é in all three; 0x80 is € in cp1252, a control character in latin-1; 0xA4 is € in iso-8859-15.
  assert.match(text(stepFile('# -*- coding: latin-1 -*-', [0xe9])), /name: str = "café"/);
  assert.match(text(stepFile('# -*- coding: latin-1 -*-', [0xe9, 0x80])), /"café\u0080"/);
  assert.match(text(stepFile('# -*- coding: Latin_1 -*-', [0xe9])), /"café"/);
  assert.match(text(stepFile('# vim: set fileencoding=cp1252 :', [0xe9, 0x80])), /"café€"/);
  assert.match(text(stepFile('# coding: iso-8859-15', [0xe9, 0xa4])), /"café€"/);
  const latin = decodePythonSource(stepFile('# coding: latin-1', [0xe9]));
  assert.equal(latin.ok ? latin.encoding : latin.message, 'iso-8859-1');
  // Undeclared means UTF-8, and the byte order mark of utf-8-sig is dropped.
  assert.match(text(Buffer.from('x = "café"\n')), /"café"/);
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# coding: utf-8-sig\nx = "café"\n')]);
  assert.equal(text(bom), '# coding: utf-8-sig\nx = "café"\n');
});

test('an encoding nobody can decode, or one that contradicts a byte order mark, is a problem that says why', () => {
  const unknown = decodePythonSource(Buffer.from('# -*- coding: klingon-8 -*-\nx = 1\n'));
  assert.equal(unknown.ok, false);
  assert.match(!unknown.ok ? unknown.message : '', /line 1.*"klingon-8".*declare utf-8/);
  const contradiction = decodePythonSource(
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# coding: latin-1\n')]),
  );
  assert.equal(contradiction.ok, false);
  assert.match(!contradiction.ok ? contradiction.message : '', /byte order mark.*latin-1/);
});

test('the index reads a latin-1 file from disk with its accents, and reports an undecodable one', async () => {
  const parser = await loadPythonParser();
  await writeFile(path.join(dir, 'latin.py'), stepFile('# -*- coding: latin-1 -*-', [0xe9]));
  await writeFile(path.join(dir, 'unknown.py'), Buffer.from('# coding: klingon-8\nfrom zenml import step\n'));
  const index = new StepIndex(parser);
  const scan = await index.scan(dir);
  const [located] = index.steps();
  assert.equal(located?.step.name, 'greet');
  assert.equal(located?.step.parameters[0]?.defaultValue, '"café"');
  assert.deepEqual(located?.step.nameRange.start, { line: 4, character: 4 });
  assert.deepEqual(
    scan.problems.map((p) => path.basename(p.file)),
    ['unknown.py'],
  );
  const problem = index.get(path.join(dir, 'unknown.py'))?.syntaxProblems[0];
  assert.match(problem?.message ?? '', /klingon-8/);
  assert.equal(problem?.range.start.line, 0);
});
