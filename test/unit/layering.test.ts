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

// The cloud seam (README "Architecture"): one folder per backend under src/core/clouds.
const CLOUDS_DIR = 'src/core/clouds';
const SDK_OWNER: readonly [RegExp, string][] = [
  [/^@aws-sdk\//, 'aws'],
  [/^@smithy\//, 'aws'],
  [/^@google-cloud\//, 'gcp'],
  [/^google-auth-library$/, 'gcp'],
  [/^google-gax$/, 'gcp'],
  [/^@azure\//, 'azure'],
];

/** The backend folder a source file belongs to (aws, gcp, azure, local, shared), if any. */
function cloudOf(file: string): string | undefined {
  const relative = path.relative(CLOUDS_DIR, file).split(path.sep);
  return relative.length > 1 && relative[0] !== '..' ? relative[0] : undefined;
}

/** The backend folder an import specifier of `file` points into, if any. */
function cloudOfImport(file: string, target: string): string | undefined {
  if (!target.startsWith('.')) return undefined;
  const [first, ...rest] = path.relative(CLOUDS_DIR, path.join(path.dirname(file), target)).split(path.sep);
  // clouds/index and clouds/backend are the seam itself; clouds/aws (its index) is the aws folder.
  if (!first || first === '..' || (rest.length === 0 && (first === 'index' || first === 'backend'))) return undefined;
  return first;
}

/** Modules a file imports statically with a value import (`import type ...` is erased by the build). */
async function eagerImportsOf(file: string): Promise<Set<string>> {
  const text = await readFile(path.join(root, file), 'utf8');
  const statements = text.matchAll(/^(?:import|export)\s(?!type\s)[^'"]*?from\s*['"]([^'"]+)['"]/gm);
  return new Set([...statements].map((m) => m[1]!));
}

test('a cloud folder imports no other cloud (shared/ is for what two clouds really share)', async () => {
  const files = await sourcesUnder(CLOUDS_DIR);
  assert.ok(files.some((f) => cloudOf(f) === 'aws') && files.some((f) => cloudOf(f) === 'azure'));
  for (const file of files) {
    const own = cloudOf(file);
    if (!own) continue;
    for (const target of await importsOf(file)) {
      const other = cloudOfImport(file, target);
      if (other === undefined || other === own || other === 'shared') continue;
      assert.fail(`${file} (${own}) imports ${target} from the ${other} folder`);
    }
  }
});

test('cloud SDKs are imported only inside their cloud folder, and only lazily', async () => {
  let lazyImports = 0;
  for (const file of await sourcesUnder('src')) {
    const eager = await eagerImportsOf(file);
    for (const target of await importsOf(file)) {
      const owner = SDK_OWNER.find(([pattern]) => pattern.test(target))?.[1];
      if (!owner) continue;
      assert.equal(cloudOf(file), owner, `${file} imports ${target}, which belongs in src/core/clouds/${owner}/`);
      assert.ok(!eager.has(target), `${file} imports ${target} eagerly; use await import() so it loads on first use`);
      lazyImports += 1;
    }
  }
  assert.ok(lazyImports > 5, 'the check found the SDK imports it guards');
});

test('code outside clouds/ reaches a cloud only through clouds/index.ts and the contracts', async () => {
  for (const file of await sourcesUnder('src')) {
    if (cloudOf(file) || file.startsWith(CLOUDS_DIR)) continue;
    for (const target of await importsOf(file)) {
      const cloud = cloudOfImport(file, target);
      if (cloud === 'shared') continue; // helpers, not a cloud
      assert.equal(cloud, undefined, `${file} imports ${target}: go through src/core/clouds/index.ts`);
    }
  }
});
