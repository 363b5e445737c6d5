// Bundles the extension, the CLI, the webview and each heavy third-party SDK with esbuild.
//
// Heavy SDKs (the Docker client, the parser, the cloud SDKs) are bundled into dist/vendor/<name>.js of
// their own, and the main bundles reach them only through dynamic `import()`, which this build
// rewrites to a runtime `require('./vendor/<name>.js')`. Activation therefore never parses them:
// each SDK costs its load time on first use only. A static import of a lazy package fails the build.
//
// Usage: node scripts/build.mjs [--production] [--watch] [--outdir=DIR] [--eager]
//
// --eager is for measuring only (bench/activation.bench.ts): every lazy package is inlined into the
// main bundles and no vendor bundle is made, the baseline that shows what the split saves.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdirArg = process.argv.find((a) => a.startsWith('--outdir='));
const dist = outdirArg ? path.resolve(outdirArg.slice('--outdir='.length)) : path.join(root, 'dist');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const eager = process.argv.includes('--eager');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

/** Packages loaded on first use only; each becomes dist/vendor/<file>.js. */
export const LAZY_PACKAGES = {
  dockerode: 'dockerode',
  'web-tree-sitter': 'web-tree-sitter',
  '@aws-sdk/client-sagemaker': 'aws-sagemaker',
  '@aws-sdk/client-ecr': 'aws-ecr',
  '@aws-sdk/client-s3': 'aws-s3',
  '@aws-sdk/client-cloudwatch-logs': 'aws-logs',
  // Only the job service: the package's index would pull in every Vertex client and 60 MB of
  // generated protobuf code.
  '@google-cloud/aiplatform/build/src/v1/job_service_client.js': 'vertex-jobs',
  // Only the entries reader: the package's index also loads its whole writing side.
  '@google-cloud/logging/build/src/v2/logging_service_v2_client.js': 'gcp-logging',
  '@google-cloud/storage': 'gcs',
  'google-auth-library': 'google-auth',
  '@azure/identity': 'azure-identity',
  '@azure/arm-machinelearning': 'azure-ml',
  '@azure/storage-blob': 'azure-storage',
  // Not heavy to load, but 112 KiB that activation would parse for nothing: the stacks file, the
  // workspace config and run configurations are read after activation (src/core/stacks/loadYaml.ts).
  yaml: 'yaml',
  // 60 KiB with its streams, needed by image builds only (src/core/images).
  'tar-stream': 'tar-stream',
};

/** WebAssembly files the bundles load at run time (src/core/python/pythonParser.ts finds them here). */
const WASM_FILES = ['web-tree-sitter/tree-sitter.wasm', 'tree-sitter-python/tree-sitter-python.wasm'];

const vendorFile = (name) => `./vendor/${LAZY_PACKAGES[name]}.js`;

/**
 * Replaces a lazy package with a one-line shim that requires its vendor bundle. esbuild wraps the
 * shim so that it runs when the dynamic import does, not at load time; a plain `require` (rather
 * than a native `import()` of the vendor file) keeps the extension host's CommonJS loader in charge.
 */
const lazyPackagesPlugin = {
  name: 'lazy-packages',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(LAZY_PACKAGES).map(escapeRegExp).join('|')})$`);
    build.onResolve({ filter }, (args) => {
      if (args.kind !== 'dynamic-import') {
        return {
          errors: [
            {
              text: `"${args.path}" is a lazily loaded package: use \`await import('${args.path}')\` (or \`import type\`) so activation does not load it.`,
            },
          ],
        };
      }
      return { path: args.path, namespace: 'lazy-package' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(vendorFile(args.path))});`,
      loader: 'js',
    }));
    build.onResolve({ filter: /^\.\/vendor\//, namespace: 'lazy-package' }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
};

// ssh2 (pulled in by docker-modem for ssh:// hosts) has optional native parts; it falls back to
// pure JS when they are missing, so leave them out of whichever bundle holds it.
const VENDOR_EXTERNALS = ['cpu-features', '*.node'];

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { __STEPOPS_VERSION__: JSON.stringify(pkg.version) },
};

const builds = [
  {
    ...nodeCommon,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: dist,
    external: ['vscode', ...(eager ? VENDOR_EXTERNALS : [])],
    plugins: eager ? [] : [lazyPackagesPlugin],
  },
  {
    ...nodeCommon,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: dist,
    banner: { js: '#!/usr/bin/env node' },
    ...(eager ? { external: VENDOR_EXTERNALS } : {}),
    plugins: eager ? [] : [lazyPackagesPlugin],
  },
  {
    ...common,
    entryPoints: { webview: 'webview/main.ts' },
    outdir: dist,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  ...Object.entries(eager ? {} : LAZY_PACKAGES).map(([name, file]) => ({
    ...nodeCommon,
    stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root },
    outfile: path.join(dist, 'vendor', `${file}.js`),
    // Minifying renames classes, and SDK code may go by their names: Google's proto3 JSON
    // serializer recognises int64 values by `value.constructor.name === 'Long'`.
    keepNames: true,
    external: VENDOR_EXTERNALS,
  })),
];

async function copyWasm() {
  const require = createRequire(path.join(root, 'package.json'));
  await mkdir(path.join(dist, 'wasm'), { recursive: true });
  for (const file of WASM_FILES) {
    await copyFile(require.resolve(file), path.join(dist, 'wasm', path.basename(file)));
  }
}

async function main() {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  await copyWasm();
  if (watch) {
    for (const options of builds) {
      const ctx = await esbuild.context(options);
      await ctx.watch();
    }
    console.log('esbuild: watching for changes');
    return;
  }
  const results = await Promise.all(builds.map((options) => esbuild.build(options)));
  await writeFile(path.join(dist, 'meta.json'), JSON.stringify(results.map((r) => r.metafile)));
  await printSizes(results);
}

async function printSizes(results) {
  const rows = [];
  for (const result of results) {
    for (const [file] of Object.entries(result.metafile.outputs)) {
      if (file.endsWith('.map')) continue;
      const { size } = await stat(path.join(root, file));
      rows.push([path.relative(process.cwd(), path.join(root, file)) || file, size]);
    }
  }
  for (const file of WASM_FILES) {
    const target = path.join(dist, 'wasm', path.basename(file));
    rows.push([path.relative(process.cwd(), target), (await stat(target)).size]);
  }
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  const width = Math.max(...rows.map(([f]) => f.length));
  console.log(`bundle${' '.repeat(width - 6)}  size (${production ? 'minified' : 'dev'})`);
  for (const [file, size] of rows) {
    console.log(`${file.padEnd(width)}  ${(size / 1024).toFixed(1).padStart(8)} KiB`);
  }
}

await main();
