import type { Dirent } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** Folders that never hold a project's own steps; skipped without reading them. */
const ALWAYS_SKIPPED = new Set([
  '.git',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  'site-packages',
]);

export interface PythonFileWalkOptions {
  /** Extra gitignore-style patterns relative to the root (the extension passes `files.exclude`). */
  readonly ignorePatterns?: readonly string[];
  readonly signal?: AbortSignal;
}

interface IgnoreScope {
  readonly base: string;
  readonly rules: Ignore;
}

/**
 * Every `.py` file under root, honouring each folder's .gitignore (nested ones apply below their
 * folder, as git does) and the extra patterns. Yields absolute paths in a stable order.
 */
export async function* pythonFilesUnder(root: string, options: PythonFileWalkOptions = {}): AsyncGenerator<string> {
  const scopes: IgnoreScope[] = [];
  if (options.ignorePatterns?.length) scopes.push({ base: root, rules: ignore().add([...options.ignorePatterns]) });
  yield* walk(root, scopes, options.signal);
}

async function* walk(dir: string, inherited: readonly IgnoreScope[], signal?: AbortSignal): AsyncGenerator<string> {
  signal?.throwIfAborted();
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // unreadable or vanished while walking: nothing to index there
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const scopes = [...inherited];
  if (entries.some((e) => e.name === '.gitignore' && e.isFile())) {
    const text = await readFile(path.join(dir, '.gitignore'), 'utf8').catch(() => '');
    scopes.push({ base: dir, rules: ignore().add(text) });
  }
  const ignored = (full: string, isDir: boolean): boolean =>
    scopes.some(({ base, rules }) => {
      const relative = path.relative(base, full).split(path.sep).join('/');
      return relative !== '' && rules.ignores(isDir ? `${relative}/` : relative);
    });
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (ALWAYS_SKIPPED.has(entry.name) || ignored(full, true)) continue;
      yield* walk(full, scopes, signal);
    } else if (entry.isFile() && entry.name.endsWith('.py') && !ignored(full, false)) {
      yield full;
    }
  }
}
