// Finds ZenML steps and pipelines in a parsed Python file. Works on tree-sitter's concrete syntax
// tree, so it sees exactly what Python would: strings and comments that mention `@step` are not
// decorators, and a syntax error elsewhere in the file only hides the definitions it breaks.
import { type DecoratorKind, type ZenmlBindings, decoratorKind, zenmlBindings } from './imports';
import type {
  DiscoveredPipeline,
  DiscoveredStep,
  LiteralValue,
  OperatorReference,
  PythonFileModel,
  StepOperatorSettings,
  SyntaxProblem,
} from './model';
import { pipelineCalls } from './pipelineCalls';
import type { PythonParser, SyntaxNode, SyntaxTree } from './pythonParser';
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

export function discoverPythonSource(parser: PythonParser, text: string): PythonFileModel {
  const tree = parser.parse(text);
  try {
    return discoverInTree(parser, tree, text);
  } finally {
    tree.delete(); // trees live in WebAssembly memory, which no garbage collector frees
  }
}

/** Discovery over an existing tree of `text` (IncrementalDocument keeps one per open editor). */
export function discoverInTree(parser: PythonParser, tree: SyntaxTree, text: string): PythonFileModel {
  const root = tree.rootNode;
  const bindings = zenmlBindings(root);
  if (!root.hasError) return discoverInModule(root, bindings, []);

  // tree-sitter's error recovery can fold the definitions after a broken one into the broken
  // node (an unclosed parenthesis swallows the next `def`). Each top-level statement that contains
  // an error is therefore re-parsed piece by piece, cut where a new top-level statement starts,
  // so that one unfinished edit hides only the definition it is in.
  const clean: SyntaxNode[] = [];
  const recovered: SyntaxNode[] = [];
  const pieceTrees: SyntaxTree[] = [];
  const lines = text.split('\n');
  for (const statement of root.namedChildren) {
    if (!statement) continue;
    if (!statement.hasError && statement.type !== 'ERROR') {
      clean.push(statement);
      continue;
    }
    for (const piece of topLevelPieces(lines, statement.startPosition.row, statement.endPosition.row)) {
      // Leading newlines keep the piece on its real lines, so positions need no translation.
      const pieceTree = parser.parse('\n'.repeat(piece.start) + lines.slice(piece.start, piece.end + 1).join('\n'));
      pieceTrees.push(pieceTree);
      recovered.push(...pieceTree.rootNode.namedChildren.filter((n): n is SyntaxNode => n !== null));
    }
  }
  try {
    return discoverInModule(root, bindings, [...clean, ...recovered]);
  } finally {
    for (const pieceTree of pieceTrees) pieceTree.delete();
  }
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

function discoverInModule(
  root: SyntaxNode,
  bindings: ZenmlBindings,
  statements: readonly SyntaxNode[],
): PythonFileModel {
  const steps: DiscoveredStep[] = [];
  const decoratedPipelines: { node: SyntaxNode; decorator: SyntaxNode; definition: SyntaxNode }[] = [];
  const candidates = root.hasError ? statementsIn(statements) : moduleLevelStatements(root);

  for (const statement of candidates) {
    if (statement.type !== 'decorated_definition') continue;
    const definition = statement.childForFieldName('definition');
    if (definition?.type !== 'function_definition') continue; // classes are not steps
    for (const decorator of statement.namedChildren) {
      if (decorator?.type !== 'decorator') continue;
      const match = matchDecorator(bindings, decorator);
      if (match?.kind === 'step') {
        steps.push(describeStep(statement, decorator, definition, match.call));
        break;
      }
      if (match?.kind === 'pipeline') {
        decoratedPipelines.push({ node: statement, decorator, definition });
        break;
      }
    }
  }

  const stepNames = new Set(steps.map((s) => s.name));
  const pipelines: DiscoveredPipeline[] = decoratedPipelines.map(({ node, decorator, definition }) => {
    const nameNode = definition.childForFieldName('name')!;
    const parameters = parametersOf(definition.childForFieldName('parameters'));
    return {
      name: nameNode.text,
      nameRange: rangeOf(nameNode),
      decoratorRange: rangeOf(decorator),
      definitionRange: rangeOf(node),
      parameters,
      calls: pipelineCalls(definition.childForFieldName('body'), {
        localSteps: stepNames,
        importedNames: bindings.importedNames,
        pipelineParameters: new Set(parameters.map((p) => p.name)),
      }),
    };
  });

  return { steps, pipelines, syntaxProblems: root.hasError ? syntaxProblems(root) : [] };
}

interface DecoratorMatch {
  readonly kind: DecoratorKind;
  /** The call node for `@step(...)`, absent for a bare `@step`. */
  readonly call?: SyntaxNode;
}

function matchDecorator(bindings: ZenmlBindings, decorator: SyntaxNode): DecoratorMatch | undefined {
  const expression = decorator.namedChildren.find((c) => c && c.type !== 'comment');
  if (!expression) return undefined;
  if (expression.type === 'call') {
    const callee = expression.childForFieldName('function');
    const kind = callee && decoratorKind(bindings, callee);
    return kind ? { kind, call: expression } : undefined;
  }
  const kind = decoratorKind(bindings, expression);
  return kind ? { kind } : undefined;
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
