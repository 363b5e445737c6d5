// Finds ZenML steps and pipelines in a Python file. Works on tree-sitter's concrete syntax tree,
// so it sees exactly what Python would: strings and comments that mention `@step` are not
// decorators, and a syntax error elsewhere in the file only hides the definitions it breaks.
//
// The file is parsed in chunks of top-level statements (chunks.ts): each chunk's tree has its own
// rows, counted from the chunk's first line, and what discovery finds in it is shifted to the
// file's rows when the chunks are combined. An open editor keeps the chunks between edits
// (IncrementalDocument) and re-parses and re-walks only the one an edit touches.
import { NO_CUT_YET, scanCuts } from './chunks';
import { type DecoratorKind, type ZenmlBindings, isImport, zenmlBindingsOf } from './imports';
import type {
  DiscoveredPipeline,
  DiscoveredStep,
  LiteralValue,
  OperatorReference,
  PythonFileModel,
  StepOperatorSettings,
  SourceRange,
  SyntaxProblem,
} from './model';
import { pipelineCalls } from './pipelineCalls';
import type { PythonParser, SyntaxNode, SyntaxTree } from './pythonParser';
import { type Pause, type SliceOptions, type Sliced, runInSlices, runToEnd } from './slices';
import {
  docstringOf,
  dottedName,
  keywordArguments,
  literalValue,
  moduleLevelStatements,
  statementsIn,
  parametersOf,
  rangeBetween,
  rangeOf,
  stringValue,
} from './syntax';

/** At most this many syntax problems are reported per file; one broken edit can make hundreds. */
const MAX_SYNTAX_PROBLEMS = 20;

/** Discovers a whole file at once (the CLI, tests, small files). */
export function discoverPythonSource(parser: PythonParser, text: string): PythonFileModel {
  return runToEnd((pause) => discoverInChunks(parser, text, pause));
}

/** The same discovery in slices that return to the event loop (slices.ts), for the extension host. */
export function discoverPythonSourceInSlices(
  parser: PythonParser,
  text: string,
  options?: SliceOptions,
): Promise<PythonFileModel> {
  return runInSlices((pause) => discoverInChunks(parser, text, pause), options);
}

function* discoverInChunks(parser: PythonParser, text: string, pause: Pause): Sliced<PythonFileModel> {
  const placed: PlacedChunk[] = [];
  try {
    let start = 0;
    let startRow = 0;
    for (const cut of cutsThenEnd(text)) {
      if (cut === NO_CUT_YET) {
        if (pause()) yield;
        continue;
      }
      const chunkText = text.slice(start, cut);
      placed.push({ chunk: yield* parseChunk(parser, chunkText, pause), startRow });
      startRow += countNewlines(chunkText);
      start = cut;
    }
    const model = yield* combineChunks(placed, pause);
    // Trees live in WebAssembly memory, which no garbage collector frees; freeing those of a 5 MB
    // file takes a couple of hundred milliseconds, so that too is done in slices.
    while (placed.length > 0) {
      disposeChunk(placed.pop()!.chunk);
      if (pause()) yield;
    }
    return model;
  } finally {
    for (const { chunk } of placed) disposeChunk(chunk); // stopped early
  }
}

function* cutsThenEnd(text: string): Generator<number, void, void> {
  yield* scanCuts(text);
  yield text.length;
}

/** One chunk of a file (a run of top-level statements) parsed on its own, rows counted from its first line. */
export interface ParsedChunk {
  readonly tree: SyntaxTree;
  /** The trees of the pieces its erroneous statements were re-parsed in (see recoverStatements). */
  readonly pieceTrees: readonly SyntaxTree[];
  /** Its module-level import statements, which decide what `@step` means in the whole file. */
  readonly imports: readonly SyntaxNode[];
  /** Its decorated function definitions at module level, in source order. */
  readonly definitions: readonly Definition[];
  readonly problems: readonly SyntaxProblem[];
}

/** A chunk where it is in the file. */
export interface PlacedChunk {
  readonly chunk: ParsedChunk;
  readonly startRow: number;
}

interface Definition {
  readonly statement: SyntaxNode;
  readonly definition: SyntaxNode;
  readonly decorators: readonly DecoratorFacts[];
  /** The step description for the decorator that matched, and its copy shifted to the file's rows. */
  described?: { readonly index: number; readonly step: DiscoveredStep; rows: number; shifted: DiscoveredStep };
}

interface DecoratorFacts {
  readonly node: SyntaxNode;
  /** The dotted name of the decorator (of the callee for `@step(...)`), matched against the imports. */
  readonly name: string | undefined;
  /** The call node for `@step(...)`, absent for a bare `@step`. */
  readonly call?: SyntaxNode;
}

export function disposeChunk(chunk: ParsedChunk): void {
  chunk.tree.delete();
  for (const tree of chunk.pieceTrees) tree.delete();
}

/** Frees chunks' trees in slices, in the background: a large document's take long to free. */
export function disposeChunksInSlices(chunks: readonly ParsedChunk[]): void {
  const pending = [...chunks];
  void runInSlices(function* (pause) {
    while (pending.length > 0) {
      disposeChunk(pending.pop()!);
      if (pause()) yield;
    }
  });
}

/**
 * Parses one chunk (re-parsing `previous` incrementally when given, after `previous.edit()`) and
 * collects what does not depend on the rest of the file.
 */
export function* parseChunk(
  parser: PythonParser,
  text: string,
  pause: Pause,
  previous?: SyntaxTree,
): Sliced<ParsedChunk> {
  let tree = yield* parser.parseInSlices(text, previous, pause);
  if (previous && tree.rootNode.hasError) {
    // tree-sitter's error recovery can end differently when it starts from an old tree: parse
    // afresh, so that an open editor always agrees with a read from disk.
    tree.delete();
    tree = yield* parser.parseInSlices(text, undefined, pause);
  }
  const pieceTrees: SyntaxTree[] = [];
  let complete = false;
  try {
    const root = tree.rootNode;
    const statements = root.hasError
      ? yield* recoverStatements(parser, text, root, pieceTrees, pause)
      : root.namedChildren.filter((n): n is SyntaxNode => n !== null);
    const definitions: Definition[] = [];
    for (const statement of statementsIn(statements)) {
      if (pause()) yield;
      if (statement.type !== 'decorated_definition') continue;
      const definition = statement.childForFieldName('definition');
      if (definition?.type !== 'function_definition') continue; // classes are not steps
      const decorators = statement.namedChildren
        .filter((n): n is SyntaxNode => n?.type === 'decorator')
        .map(decoratorFacts);
      definitions.push({ statement, definition, decorators });
    }
    const chunk: ParsedChunk = {
      tree,
      pieceTrees,
      imports: [...moduleLevelStatements(root)].filter(isImport),
      definitions,
      problems: root.hasError ? syntaxProblems(root) : [],
    };
    complete = true;
    return chunk;
  } finally {
    if (!complete) disposeChunk({ tree, pieceTrees, imports: [], definitions: [], problems: [] });
  }
}

/**
 * tree-sitter's error recovery can fold the definitions after a broken one into the broken node
 * (an unclosed parenthesis swallows the next `def`). Each top-level statement that contains an
 * error is therefore re-parsed piece by piece, cut where a new top-level statement starts, so
 * that one unfinished edit hides only the definition it is in. Pieces are parsed in place
 * (tree-sitter's included ranges), so their positions are the chunk's without translation.
 */
function* recoverStatements(
  parser: PythonParser,
  text: string,
  root: SyntaxNode,
  pieceTrees: SyntaxTree[],
  pause: Pause,
): Sliced<SyntaxNode[]> {
  const statements: SyntaxNode[] = [];
  const lines = text.split('\n');
  const lineStarts: number[] = [];
  for (let i = 0, offset = 0; i < lines.length; offset += lines[i]!.length + 1, i++) lineStarts.push(offset);
  for (const statement of root.namedChildren) {
    if (!statement) continue;
    if (!statement.hasError && statement.type !== 'ERROR') {
      statements.push(statement);
      continue;
    }
    for (const piece of topLevelPieces(lines, statement.startPosition.row, statement.endPosition.row)) {
      const range = {
        startIndex: lineStarts[piece.start]!,
        endIndex: lineStarts[piece.end]! + lines[piece.end]!.length,
        startPosition: { row: piece.start, column: 0 },
        endPosition: { row: piece.end, column: lines[piece.end]!.length },
      };
      const pieceTree = yield* parser.parseInSlices(text, undefined, pause, [range]);
      pieceTrees.push(pieceTree);
      for (const node of pieceTree.rootNode.namedChildren) if (node) statements.push(node);
    }
  }
  return statements;
}

/**
 * Splits lines [first, last] where a new top-level statement begins: a line that starts in
 * column 0 and is not a closing bracket, a comment, or the `def` that follows its decorators.
 */
function topLevelPieces(lines: readonly string[], first: number, last: number): { start: number; end: number }[] {
  const pieces: { start: number; end: number }[] = [];
  let afterDecorator = false;
  for (let i = first; i <= last; i++) {
    const line = lines[i] ?? '';
    // A blank line after a decorator ends its group here: legal Python, but rare in real code and
    // far more likely to mean that the decorator above is the unfinished edit.
    if (line.trim() === '') afterDecorator = false;
    if (!/^[^\s#)\]}]/.test(line)) continue;
    const continuesDecorators = afterDecorator && pieces.length > 0;
    afterDecorator = line.startsWith('@');
    if (continuesDecorators) continue;
    if (pieces.length > 0) pieces[pieces.length - 1]!.end = i - 1;
    pieces.push({ start: i, end: last });
  }
  if (pieces.length === 0) pieces.push({ start: first, end: last });
  else pieces[0]!.start = first;
  return pieces;
}

function decoratorFacts(decorator: SyntaxNode): DecoratorFacts {
  const expression = decorator.namedChildren.find((c) => c && c.type !== 'comment');
  if (expression?.type === 'call') {
    const callee = expression.childForFieldName('function');
    return { node: decorator, name: callee ? dottedName(callee) : undefined, call: expression };
  }
  return { node: decorator, name: expression ? dottedName(expression) : undefined };
}

/**
 * The file's steps and pipelines from its chunks, in source order. What a decorator means depends
 * on the imports of the whole file, and a pipeline's calls on the steps of the whole file, so this
 * runs after every chunk is parsed; step descriptions are kept with their chunk and reused.
 */
export function* combineChunks(chunks: readonly PlacedChunk[], pause: Pause): Sliced<PythonFileModel> {
  const bindings = zenmlBindingsOf(chunks.flatMap(({ chunk }) => chunk.imports));
  const steps: DiscoveredStep[] = [];
  const decoratedPipelines: { definition: Definition; decorator: SyntaxNode; rows: number }[] = [];
  for (const { chunk, startRow } of chunks) {
    for (const definition of chunk.definitions) {
      if (pause()) yield;
      const index = definition.decorators.findIndex((d) => kindOf(bindings, d) !== undefined);
      if (index === -1) continue;
      const decorator = definition.decorators[index]!;
      if (kindOf(bindings, decorator) === 'step') steps.push(stepOf(definition, index, startRow));
      else decoratedPipelines.push({ definition, decorator: decorator.node, rows: startRow });
    }
  }

  const stepNames = new Set(steps.map((s) => s.name));
  const pipelines: DiscoveredPipeline[] = [];
  for (const { definition: facts, decorator, rows } of decoratedPipelines) {
    if (pause()) yield;
    const { statement, definition } = facts;
    const nameNode = definition.childForFieldName('name')!;
    const parameters = parametersOf(definition.childForFieldName('parameters'));
    pipelines.push(
      shiftPipeline(
        {
          name: nameNode.text,
          nameRange: rangeOf(nameNode),
          decoratorRange: rangeOf(decorator),
          definitionRange: rangeOf(statement),
          parameters,
          calls: pipelineCalls(definition.childForFieldName('body'), {
            localSteps: stepNames,
            importedNames: bindings.importedNames,
            pipelineParameters: new Set(parameters.map((p) => p.name)),
          }),
        },
        rows,
      ),
    );
  }

  const syntaxProblems: SyntaxProblem[] = [];
  for (const { chunk, startRow } of chunks) {
    for (const problem of chunk.problems) {
      if (syntaxProblems.length >= MAX_SYNTAX_PROBLEMS) break;
      syntaxProblems.push({ ...problem, range: shiftRange(problem.range, startRow) });
    }
  }
  return { steps, pipelines, syntaxProblems };
}

function kindOf(bindings: ZenmlBindings, decorator: DecoratorFacts): DecoratorKind | undefined {
  return decorator.name === undefined ? undefined : bindings.decorators.get(decorator.name);
}

/** The step a definition describes with its `index`th decorator, in the file's rows (cached). */
function stepOf(facts: Definition, index: number, rows: number): DiscoveredStep {
  let described = facts.described;
  if (described?.index !== index) {
    const decorator = facts.decorators[index]!;
    const step = describeStep(facts.statement, decorator.node, facts.definition, decorator.call);
    described = facts.described = { index, step, rows: 0, shifted: step };
  }
  if (described.rows !== rows) {
    described.shifted = shiftStep(described.step, rows);
    described.rows = rows;
  }
  return described.shifted;
}

function shiftRange(range: SourceRange, rows: number): SourceRange {
  if (rows === 0) return range;
  return {
    start: { line: range.start.line + rows, character: range.start.character },
    end: { line: range.end.line + rows, character: range.end.character },
  };
}

function shiftStep(step: DiscoveredStep, rows: number): DiscoveredStep {
  if (rows === 0) return step;
  return {
    ...step,
    nameRange: shiftRange(step.nameRange, rows),
    decoratorRange: shiftRange(step.decoratorRange, rows),
    definitionRange: shiftRange(step.definitionRange, rows),
    operatorSettings: step.operatorSettings.map((s) => ({ ...s, range: shiftRange(s.range, rows) })),
  };
}

function shiftPipeline(pipeline: DiscoveredPipeline, rows: number): DiscoveredPipeline {
  if (rows === 0) return pipeline;
  return {
    ...pipeline,
    nameRange: shiftRange(pipeline.nameRange, rows),
    decoratorRange: shiftRange(pipeline.decoratorRange, rows),
    definitionRange: shiftRange(pipeline.definitionRange, rows),
    calls: pipeline.calls.map((c) => ({ ...c, range: shiftRange(c.range, rows) })),
  };
}

export function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

function describeStep(
  statement: SyntaxNode,
  decorator: SyntaxNode,
  definition: SyntaxNode,
  call: SyntaxNode | undefined,
): DiscoveredStep {
  const nameNode = definition.childForFieldName('name')!;
  const argumentsNode = call?.childForFieldName('arguments') ?? null;
  const keywords = keywordArguments(argumentsNode);
  const decoratorArguments: Record<string, LiteralValue> = {};
  for (const [key, value] of keywords) decoratorArguments[key] = literalValue(value);
  const returnType = definition.childForFieldName('return_type')?.text;
  const docstring = docstringOf(definition.childForFieldName('body'));
  return {
    name: nameNode.text,
    nameRange: rangeOf(nameNode),
    decoratorRange: rangeOf(decorator),
    definitionRange: rangeBetween(statement, statement),
    isAsync: definition.children.some((c) => c?.type === 'async'),
    parameters: parametersOf(definition.childForFieldName('parameters')),
    ...(returnType !== undefined ? { returnAnnotation: returnType } : {}),
    operator: operatorReference(keywords),
    operatorSettings: operatorSettings(keywords.get('settings')),
    decoratorArguments,
    ...(docstring ? { docstring } : {}),
  };
}

function operatorReference(keywords: ReadonlyMap<string, SyntaxNode>): OperatorReference {
  const current = keywords.get('step_operator');
  const legacy = keywords.get('custom_step_operator');
  const node = current ?? legacy;
  if (!node) return { kind: 'none' };
  if (node.type === 'true') return { kind: 'stack' };
  if (node.type === 'none' || node.type === 'false') return { kind: 'none' };
  const name = stringValue(node);
  if (name !== undefined) return { kind: 'named', name, legacy: current === undefined };
  return { kind: 'dynamic', expression: node.text };
}

const SETTINGS_KEY = /^step_operator(?:\.([A-Za-z0-9_]+))?$/;

function operatorSettings(settings: SyntaxNode | undefined): StepOperatorSettings[] {
  if (settings?.type !== 'dictionary') return [];
  const result: StepOperatorSettings[] = [];
  for (const pair of settings.namedChildren) {
    if (pair?.type !== 'pair') continue;
    const keyNode = pair.childForFieldName('key');
    const value = pair.childForFieldName('value');
    const key = keyNode ? stringValue(keyNode) : undefined;
    const match = key === undefined ? null : SETTINGS_KEY.exec(key);
    if (!match || !value) continue;
    const flavor = match[1];
    const base = { ...(flavor ? { flavor } : {}), range: rangeOf(pair) };
    if (value.type === 'call') {
      const values: Record<string, LiteralValue> = {};
      for (const [k, v] of keywordArguments(value.childForFieldName('arguments'))) values[k] = literalValue(v);
      const callee = value.childForFieldName('function');
      const settingsClass = callee ? dottedName(callee) : undefined;
      result.push({ ...base, values, ...(settingsClass ? { settingsClass } : {}) });
    } else {
      const literal = literalValue(value);
      const values =
        typeof literal === 'object' && literal !== null && !Array.isArray(literal) && !('$expression' in literal)
          ? (literal as Record<string, LiteralValue>)
          : { $expression: value.text };
      result.push({ ...base, values });
    }
  }
  return result;
}

function syntaxProblems(root: SyntaxNode): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const visit = (node: SyntaxNode): void => {
    if (problems.length >= MAX_SYNTAX_PROBLEMS) return;
    if (node.isMissing) {
      problems.push({ range: rangeOf(node), message: `Syntax error: missing "${node.type}"` });
      return;
    }
    if (node.type === 'ERROR') {
      const firstLine = node.text.split('\n', 1)[0] ?? '';
      problems.push({ range: rangeOf(node), message: `Syntax error near "${firstLine.slice(0, 40)}"` });
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) if (child) visit(child);
  };
  visit(root);
  return problems;
}
