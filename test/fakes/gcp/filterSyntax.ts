// The filter syntax two Google APIs share as far as the fakes need it: Vertex AI's list filters
// (AIP-160) and Cloud Logging's query language. Both join comparisons with AND (or just a space
// or a line break), OR and NOT (or a leading '-'), with parentheses; OR binds tighter than AND in
// both (`a AND b OR c` is `a AND (b OR c)`). A comparison is a member path (dotted, a segment may
// be quoted: labels."ml.googleapis.com/x"), an operator and a value (quoted, or a bare word).
// What each field means and which operators it takes is the API's own business (the fakes'
// evaluators); here only the syntax is checked, and anything else is refused with where it went wrong.

export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | ':' | '=~' | '!~';

export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly terms: readonly FilterNode[] }
  | { readonly kind: 'not'; readonly term: FilterNode }
  | {
      readonly kind: 'compare';
      /** The member path, each segment unquoted: ['labels', 'ml.googleapis.com/x']. */
      readonly member: readonly string[];
      readonly op: Operator;
      readonly value: string;
      /** Whether the value was quoted (a bare * is a wildcard, a quoted "*" is not). */
      readonly quoted: boolean;
    };

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    /** 1-based column of the offending token. */
    readonly column: number,
  ) {
    super(message);
  }
}

type Token =
  | { readonly kind: 'word' | 'string'; readonly text: string; readonly at: number }
  | { readonly kind: 'op'; readonly text: Operator; readonly at: number }
  | { readonly kind: '(' | ')' | '.' | 'end'; readonly text: string; readonly at: number };

const OPERATORS: readonly Operator[] = ['!=', '<=', '>=', '=~', '!~', '=', '<', '>', ':'];
const WORD = /[^\s()"=!<>:.]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    if (char === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
      }
      if (j >= text.length) throw new FilterSyntaxError('unterminated string', i + 1);
      tokens.push({ kind: 'string', text: value, at: i + 1 });
      i = j + 1;
      continue;
    }
    if (char === '(' || char === ')' || char === '.') {
      tokens.push({ kind: char, text: char, at: i + 1 });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, at: i + 1 });
      i += op.length;
      continue;
    }
    let j = i;
    while (j < text.length && WORD.test(text[j]!)) j++;
    if (j === i) throw new FilterSyntaxError(`unexpected character '${char}'`, i + 1);
    tokens.push({ kind: 'word', text: text.slice(i, j), at: i + 1 });
    i = j;
  }
  tokens.push({ kind: 'end', text: '', at: text.length + 1 });
  return tokens;
}

/** Parses a filter; an empty one is undefined (everything matches). Throws FilterSyntaxError. */
export function parseFilter(text: string): FilterNode | undefined {
  if (text.trim() === '') return undefined;
  return new Parser(tokenize(text)).parse();
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.conjunction();
    const next = this.peek();
    if (next.kind !== 'end') throw new FilterSyntaxError(`unexpected '${next.text}'`, next.at);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.position]!;
  }

  private take(): Token {
    return this.tokens[this.position++]!;
  }

  private isKeyword(token: Token, word: string): boolean {
    return token.kind === 'word' && token.text === word;
  }

  /** terms joined by AND or by juxtaposition. */
  private conjunction(): FilterNode {
    const terms = [this.disjunction()];
    for (;;) {
      const next = this.peek();
      if (next.kind === 'end' || next.kind === ')') break;
      if (this.isKeyword(next, 'AND')) this.take();
      terms.push(this.disjunction());
    }
    return terms.length === 1 ? terms[0]! : { kind: 'and', terms };
  }

  private disjunction(): FilterNode {
    const terms = [this.unary()];
    while (this.isKeyword(this.peek(), 'OR')) {
      this.take();
      terms.push(this.unary());
    }
    return terms.length === 1 ? terms[0]! : { kind: 'or', terms };
  }

  private unary(): FilterNode {
    const next = this.peek();
    if (this.isKeyword(next, 'NOT')) {
      this.take();
      return { kind: 'not', term: this.unary() };
    }
    if (next.kind === 'word' && next.text.startsWith('-') && next.text.length > 1) {
      // "-a=b" negates; the word token holds "-a", so split the sign off.
      this.tokens[this.position] = { kind: 'word', text: next.text.slice(1), at: next.at + 1 };
      return { kind: 'not', term: this.unary() };
    }
    if (next.kind === '(') {
      this.take();
      const inner = this.conjunction();
      const close = this.take();
      if (close.kind !== ')') throw new FilterSyntaxError(`expected ')' but found '${close.text}'`, close.at);
      return inner;
    }
    return this.comparison();
  }

  private comparison(): FilterNode {
    const member = this.member();
    const op = this.take();
    if (op.kind !== 'op') {
      const shown = op.kind === 'end' ? 'the end of the filter' : `'${op.text}'`;
      throw new FilterSyntaxError(
        `expected a comparison operator after '${member.join('.')}' but found ${shown} (a bare word is a global search, which this API does not support here)`,
        op.at,
      );
    }
    const value = this.take();
    if (value.kind !== 'word' && value.kind !== 'string') {
      throw new FilterSyntaxError(`expected a value after '${member.join('.')}${op.text}'`, value.at);
    }
    // A bare value may hold dots and colons (a time, a host): join what follows without spaces.
    let text = value.text;
    if (value.kind === 'word') {
      while (true) {
        const next = this.peek();
        const glued = next.at === value.at + text.length;
        if (!glued || !(next.kind === 'word' || next.kind === '.' || (next.kind === 'op' && next.text === ':'))) break;
        text += this.take().text;
      }
    }
    return { kind: 'compare', member, op: op.text, value: text, quoted: value.kind === 'string' };
  }

  private member(): string[] {
    const first = this.take();
    if (first.kind !== 'word' && first.kind !== 'string') {
      const shown = first.kind === 'end' ? 'the end of the filter' : `'${first.text}'`;
      throw new FilterSyntaxError(`expected a field name but found ${shown}`, first.at);
    }
    const segments = [first.text];
    while (this.peek().kind === '.') {
      this.take();
      const segment = this.take();
      if (segment.kind !== 'word' && segment.kind !== 'string') {
        throw new FilterSyntaxError(`expected a field name after '${segments.join('.')}.'`, segment.at);
      }
      segments.push(segment.text);
    }
    return segments;
  }
}

export type Comparison = Extract<FilterNode, { kind: 'compare' }>;

/** A predicate for a whole filter tree, from one for each comparison (what each API evaluates its own way). */
export function compileTree<T>(
  node: FilterNode,
  comparison: (c: Comparison) => (item: T) => boolean,
): (item: T) => boolean {
  switch (node.kind) {
    case 'and': {
      const terms = node.terms.map((t) => compileTree(t, comparison));
      return (item) => terms.every((t) => t(item));
    }
    case 'or': {
      const terms = node.terms.map((t) => compileTree(t, comparison));
      return (item) => terms.some((t) => t(item));
    }
    case 'not': {
      const term = compileTree(node.term, comparison);
      return (item) => !term(item);
    }
    case 'compare':
      return comparison(node);
  }
}

/** An ordering comparison (=, !=, <, <=, >, >=) of two values of one type; other operators are not orderings. */
export function compareValues<T extends bigint | number | string>(a: T, op: Operator, b: T): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      throw new Error(`${op} is not an ordering comparison`);
  }
}

/** Matches `text` against a pattern whose * stands for any run of characters. */
export function wildcardMatch(pattern: string, text: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(text);
}
