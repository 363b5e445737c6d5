import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Node, Parser, Tree } from 'web-tree-sitter';

export type { Node as SyntaxNode, Tree as SyntaxTree };

/** Where the two WebAssembly files live: tree-sitter's runtime and the Python grammar. */
export interface GrammarFiles {
  readonly runtimeWasm: string;
  readonly pythonWasm: string;
}

const RUNTIME_WASM = 'tree-sitter.wasm';
const PYTHON_WASM = 'tree-sitter-python.wasm';

/**
 * The bundles ship both files in dist/wasm (scripts/build.mjs copies them); sources run from a
 * checkout (tests, benchmarks) find them in node_modules.
 */
export function defaultGrammarFiles(bundleDir: string = __dirname): GrammarFiles {
  const bundled = path.join(bundleDir, 'wasm');
  if (existsSync(path.join(bundled, PYTHON_WASM))) {
    return { runtimeWasm: path.join(bundled, RUNTIME_WASM), pythonWasm: path.join(bundled, PYTHON_WASM) };
  }
  return {
    runtimeWasm: require.resolve(`web-tree-sitter/${RUNTIME_WASM}`),
    pythonWasm: require.resolve(`tree-sitter-python/${PYTHON_WASM}`),
  };
}

export interface PythonParser {
  /** Parses a whole file; pass the previous tree after `tree.edit()` to reparse incrementally. */
  parse(text: string, previous?: Tree): Tree;
}

let loading: Promise<PythonParser> | undefined;

/**
 * The parser, created once per process. tree-sitter tolerates syntax errors: the tree marks them
 * with ERROR and MISSING nodes and everything around them still parses.
 */
export function loadPythonParser(files: GrammarFiles = defaultGrammarFiles()): Promise<PythonParser> {
  loading ??= (async () => {
    const treeSitter = await import('web-tree-sitter');
    await treeSitter.Parser.init({ locateFile: () => files.runtimeWasm });
    const python = await treeSitter.Language.load(files.pythonWasm);
    const parser: Parser = new treeSitter.Parser();
    parser.setLanguage(python);
    return {
      parse(text: string, previous?: Tree): Tree {
        const tree = parser.parse(text, previous);
        if (!tree) throw new Error('tree-sitter returned no tree (parser reset or cancelled)');
        return tree;
      },
    };
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}
