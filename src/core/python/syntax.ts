// Small helpers over tree-sitter-python nodes, shared by the discovery passes.
import type { LiteralValue, SourceRange, StepParameter } from './model';
import type { SyntaxNode } from './pythonParser';

export function rangeOf(node: SyntaxNode): SourceRange {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

export function rangeBetween(first: SyntaxNode, last: SyntaxNode): SourceRange {
  return { start: rangeOf(first).start, end: rangeOf(last).end };
}

/** "a.b.c" for an identifier or attribute chain; undefined for anything else. */
export function dottedName(node: SyntaxNode): string | undefined {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') {
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute');
    const base = object && dottedName(object);
    return base && attribute ? `${base}.${attribute.text}` : undefined;
  }
  return undefined;
}

/** The value of a plain string literal (no f-string interpolation), else undefined. */
export function stringValue(node: SyntaxNode): string | undefined {
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.map((child) => (child ? stringValue(child) : undefined));
    return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
  }
  if (node.type !== 'string') return undefined;
  let value = '';
  for (const child of node.namedChildren) {
    if (!child) continue;
    switch (child.type) {
      case 'string_start':
      case 'string_end':
        break;
      case 'string_content':
        value += child.text;
        break;
      case 'escape_sequence':
        value += unescape(child.text);
        break;
      default:
        return undefined; // interpolation: an f-string is not a constant
    }
  }
  return value;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

function unescape(sequence: string): string {
  const body = sequence.slice(1);
  if (body in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[body]!;
  if (/^(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})$/.test(body)) {
    return String.fromCodePoint(parseInt(body.slice(1), 16));
  }
  return sequence;
}

/**
 * Evaluates a Python literal (strings, numbers, True/False/None, lists, tuples, dicts with
 * string keys); anything else is kept as `{ $expression: source }`.
 */
export function literalValue(node: SyntaxNode): LiteralValue {
  const expression = { $expression: node.text };
  switch (node.type) {
    case 'string':
    case 'concatenated_string':
      return stringValue(node) ?? expression;
    case 'integer': {
      const n = Number(node.text.replace(/_/g, '').replace(/^0o/i, '0o'));
      return Number.isSafeInteger(n) ? n : expression;
    }
    case 'float': {
      const n = Number(node.text.replace(/_/g, ''));
      return Number.isFinite(n) ? n : expression;
    }
    case 'true':
      return true;
    case 'false':
      return false;
    case 'none':
      return null;
    case 'unary_operator': {
      const operand = node.childForFieldName('argument');
      const operator = node.childForFieldName('operator')?.text;
      const value = operand ? literalValue(operand) : expression;
      if (typeof value === 'number' && (operator === '-' || operator === '+')) return operator === '-' ? -value : value;
      return expression;
    }
    case 'parenthesized_expression': {
      const inner = node.namedChildren.find((c) => c && c.type !== 'comment');
      return inner ? literalValue(inner) : expression;
    }
    case 'list':
    case 'tuple':
      return node.namedChildren.filter(isValueNode).map((child) => literalValue(child));
    case 'dictionary': {
      const result: Record<string, LiteralValue> = {};
      for (const child of node.namedChildren) {
        if (!child || child.type === 'comment') continue;
        if (child.type !== 'pair') return expression;
        const key = child.childForFieldName('key');
        const value = child.childForFieldName('value');
        const keyText = key ? stringValue(key) : undefined;
        if (keyText === undefined || !value) return expression;
        result[keyText] = literalValue(value);
      }
      return result;
    }
    default:
      return expression;
  }
}

function isValueNode(node: SyntaxNode | null): node is SyntaxNode {
  return node !== null && node.type !== 'comment';
}

/** Keyword arguments of a call's argument_list, by name. */
export function keywordArguments(argumentList: SyntaxNode | null): Map<string, SyntaxNode> {
  const result = new Map<string, SyntaxNode>();
  for (const child of argumentList?.namedChildren ?? []) {
    if (child?.type !== 'keyword_argument') continue;
    const name = child.childForFieldName('name');
    const value = child.childForFieldName('value');
    if (name && value) result.set(name.text, value);
  }
  return result;
}

/** Positional arguments of a call's argument_list, in order. */
export function positionalArguments(argumentList: SyntaxNode | null): SyntaxNode[] {
  return (argumentList?.namedChildren ?? []).filter(
    (child): child is SyntaxNode =>
      child !== null &&
      child.type !== 'keyword_argument' &&
      child.type !== 'comment' &&
      child.type !== 'list_splat' &&
      child.type !== 'dictionary_splat',
  );
}

/** A function's parameters with annotations and defaults as source text. */
export function parametersOf(parameters: SyntaxNode | null): StepParameter[] {
  const result: StepParameter[] = [];
  let keywordOnly = false;
  for (const child of parameters?.namedChildren ?? []) {
    if (!child) continue;
    switch (child.type) {
      case 'identifier':
        result.push({ name: child.text, kind: keywordOnly ? 'keyword-only' : 'positional' });
        break;
      case 'typed_parameter': {
        const inner = child.namedChildren[0];
        const annotation = child.childForFieldName('type')?.text;
        if (inner?.type === 'list_splat_pattern') {
          keywordOnly = true;
          result.push(withAnnotation({ name: splatName(inner), kind: 'var-positional' }, annotation));
        } else if (inner?.type === 'dictionary_splat_pattern') {
          result.push(withAnnotation({ name: splatName(inner), kind: 'var-keyword' }, annotation));
        } else if (inner) {
          result.push(
            withAnnotation({ name: inner.text, kind: keywordOnly ? 'keyword-only' : 'positional' }, annotation),
          );
        }
        break;
      }
      case 'default_parameter':
      case 'typed_default_parameter': {
        const name = child.childForFieldName('name')?.text;
        if (!name) break;
        const annotation = child.childForFieldName('type')?.text;
        const defaultNode = child.childForFieldName('value');
        const defaultValue = defaultNode?.text;
        result.push({
          name,
          kind: keywordOnly ? 'keyword-only' : 'positional',
          ...(annotation !== undefined ? { annotation } : {}),
          ...(defaultNode ? { defaultValue, defaultLiteral: literalValue(defaultNode) } : {}),
        });
        break;
      }
      case 'list_splat_pattern':
        keywordOnly = true;
        result.push({ name: splatName(child), kind: 'var-positional' });
        break;
      case 'dictionary_splat_pattern':
        result.push({ name: splatName(child), kind: 'var-keyword' });
        break;
      case 'keyword_separator':
        keywordOnly = true;
        break;
      default:
        break; // positional_separator, comments
    }
  }
  return result;
}

function splatName(node: SyntaxNode): string {
  return node.namedChildren[0]?.text ?? node.text.replace(/^\*+/, '');
}

function withAnnotation(parameter: StepParameter, annotation: string | undefined): StepParameter {
  return annotation === undefined ? parameter : { ...parameter, annotation };
}

/** The docstring of a function body, when its first statement is a plain string. */
export function docstringOf(body: SyntaxNode | null): string | undefined {
  const first = body?.namedChildren.find((c) => c && c.type !== 'comment');
  if (first?.type !== 'expression_statement') return undefined;
  const expression = first.namedChildren[0];
  return expression ? stringValue(expression)?.trim() : undefined;
}

/** Module-level statements, descending into module-level if/try/with blocks but not into defs. */
export function moduleLevelStatements(root: SyntaxNode): Generator<SyntaxNode> {
  return statementsIn(root.namedChildren);
}

/** The given statements and those nested in their if/try/with blocks (not in defs or classes). */
export function* statementsIn(nodes: Iterable<SyntaxNode | null>): Generator<SyntaxNode> {
  for (const child of nodes) {
    if (!child) continue;
    yield child;
    if (
      child.type === 'if_statement' ||
      child.type === 'try_statement' ||
      child.type === 'with_statement' ||
      child.type === 'else_clause' ||
      child.type === 'elif_clause' ||
      child.type === 'except_clause' ||
      child.type === 'finally_clause' ||
      child.type === 'block' ||
      child.type === 'ERROR'
    ) {
      yield* statementsIn(child.namedChildren);
    }
  }
}
