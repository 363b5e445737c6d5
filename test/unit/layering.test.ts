// Guards the layers described in README "Architecture": core is usable without VS Code, and the
// extension reaches the CLI's code (and the CLI the extension's) only through core.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '../..');

async function sourcesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath ?? e.path, e.name)));
}

const IMPORT =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(path.join(root, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

test('src/core never imports vscode, the extension or the CLI', async () => {
  const files = await sourcesUnder('src/core');
  assert.ok(files.length > 0);
  for (const file of files) {
    for (const target of await importsOf(file)) {
      assert.notEqual(target, 'vscode', `${file} imports vscode`);
      assert.ok(!/\/(extension|cli)\//.test(target), `${file} imports ${target}`);
    }
  }
});

test('the CLI never imports vscode or the extension', async () => {
  for (const file of await sourcesUnder('src/cli')) {
    for (const target of await importsOf(file)) {
      assert.notEqual(target, 'vscode', `${file} imports vscode`);
      assert.ok(!/\/extension\//.test(target), `${file} imports ${target}`);
    }
  }
});
