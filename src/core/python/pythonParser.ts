import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Language, Node, Parser, Range, Tree } from 'web-tree-sitter';
import type { Pause, Sliced } from './slices';

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
  /**
   * The same parse, stopping whenever `pause()` answers true (tree-sitter asks every hundred or so
   * operations) and resuming where it stopped when the generator is resumed. While suspended it
   * holds a parser of its own, so other parses may run in between. `includedRanges` limits the
   * parse to part of the text, positions staying those of the whole text.
   */
  parseInSlices(text: string, previous: Tree | undefined, pause: Pause, includedRanges?: Range[]): Sliced<Tree>;
}

let loading: Promise<PythonParser> | undefined;

/**
 * The parser, created once per process. tree-sitter tolerates syntax errors: the tree marks them
 * with ERROR and MISSING nodes and everything around them still parses.
 *
 * Loading stays off the event loop where it matters: web-tree-sitter compiles both WebAssembly
 * modules with the asynchronous WebAssembly.instantiate. Measured in a fresh process (the bench's
 * "grammar load + first parse" row), the longest stall is 30-40 ms, most of it evaluating
 * web-tree-sitter's own JavaScript; the grammar's compile holds the loop for under 5 ms and the
 * first parse for about 4 ms.
 */
export function loadPythonParser(files: GrammarFiles = defaultGrammarFiles()): Promise<PythonParser> {
  loading ??= (async () => {
    const treeSitter = await import('web-tree-sitter');
    await treeSitter.Parser.init({ locateFile: () => files.runtimeWasm });
    const python = await treeSitter.Language.load(files.pythonWasm);
    const newParser = (language: Language): Parser => {
      const parser: Parser = new treeSitter.Parser();
      parser.setLanguage(language);
      return parser;
    };
    const parser = newParser(python);
    /** Parsers for sliced parses, one per parse suspended at the same time (rarely more than one). */
    const spare: Parser[] = [];
    return {
      parse(text: string, previous?: Tree): Tree {
        const tree = parser.parse(text, previous);
        if (!tree) throw new Error('tree-sitter returned no tree (parser reset or cancelled)');
        return tree;
      },
      *parseInSlices(text: string, previous: Tree | undefined, pause: Pause, includedRanges?: Range[]): Sliced<Tree> {
        const own = spare.pop() ?? newParser(python);
        let finished = false;
        try {
          for (;;) {
            // A cancelled parse resumes on the next call with the same parser (tree-sitter keeps its state).
            const tree = own.parse(text, previous, {
              progressCallback: pause,
              ...(includedRanges ? { includedRanges } : {}),
            });
            if (tree) {
              finished = true;
              return tree;
            }
            yield;
          }
        } finally {
          if (!finished) own.reset(); // abandoned halfway: the next parse must start afresh
          spare.push(own);
        }
      },
    };
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}
