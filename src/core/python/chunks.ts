// Where a Python file can be cut into pieces that parse on their own: the starts of top-level
// statements, found by a small lexical scan (brackets, strings, comments, backslash
// continuations) that is far cheaper than a parse. Discovery parses each chunk separately, so
//  - a syntax error stays inside its chunk: tree-sitter's error recovery never runs over the rest
//    of the file (an unclosed `x = (` early in a 5 MB file made it re-interpret the whole file as
//    one parenthesised expression, four times slower than a clean parse);
//  - an edit re-parses and re-walks only the chunk it touches;
//  - a long file is discovered in slices that return to the event loop between chunks.
//
// In valid code every cut is a real top-level statement boundary, so the chunks' statements are
// exactly the file's. After an unclosed bracket the scan still cuts at a line that starts a
// definition in column 0 (`def`, `class`, `async def`, or a decorator): those cannot continue an
// expression, so they are where the file's next statement really starts.

/** Plain statements are grouped until a chunk has this many characters; definitions always cut. */
const MIN_CHUNK_CHARS = 2_048;

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const TAB = 9;
const FORM_FEED = 12;
const HASH = 35;
const BACKSLASH = 92;
const AT = 64;
const SINGLE_QUOTE = 39;
const DOUBLE_QUOTE = 34;

type LineStart = 'none' | 'decorator' | 'definition' | 'clause' | 'statement';

/**
 * The offsets after `from` (itself a chunk start: 0 or an earlier result) where chunks start, in
 * order. `stop(cut)` is asked at each cut found; when it answers true the scan ends there (the
 * caller knows the chunks from there on), and that cut is the last one returned.
 */
export function chunkStarts(text: string, from = 0, stop?: (cut: number) => boolean): number[] {
  const cuts: number[] = [];
  for (const cut of scanCuts(text, from)) {
    if (cut === NO_CUT_YET) continue;
    cuts.push(cut);
    if (stop?.(cut)) break;
  }
  return cuts;
}

/** Yielded by scanCuts every SCAN_STRIDE characters without a cut, so that callers can pause. */
export const NO_CUT_YET = -1;
const SCAN_STRIDE = 65_536;

/** Runs of characters that change nothing for the scan, outside and inside strings. */
const PLAIN_CODE = /[^'"#()[\]{}\\\n]+/y;
const PLAIN_STRING = /[^'"\\\n]+/y;

/** The cuts after `from`, one at a time (with NO_CUT_YET now and then); see chunkStarts. */
export function* scanCuts(text: string, from = 0): Generator<number, void, void> {
  let depth = 0;
  /** The quote character of the string we are in, 0 outside strings. */
  let quote = 0;
  let triple = false;
  let continuation = false;
  let pendingDecorator = false;
  let chunkStart = from;
  let reported = from;
  let i = from;
  const length = text.length;

  while (i < length) {
    // At a line start: decide whether a new top-level statement begins here.
    if (quote === 0 && !continuation) {
      const kind = lineStart(text, i);
      if (
        kind !== 'none' &&
        (depth === 0 || kind === 'definition' || (kind === 'decorator' && opensDecorator(text, i)))
      ) {
        depth = 0; // a definition in column 0 cannot be inside brackets: they were left unclosed
        let cut = false;
        if (kind === 'decorator') {
          cut = !pendingDecorator;
          pendingDecorator = true;
        } else if (kind === 'definition') {
          cut = !pendingDecorator;
          pendingDecorator = false;
        } else {
          cut = kind === 'statement' && !pendingDecorator && i - chunkStart >= MIN_CHUNK_CHARS;
          pendingDecorator = false;
        }
        if (cut && i > chunkStart) {
          chunkStart = reported = i;
          yield i;
        }
      }
    }
    if (i - reported >= SCAN_STRIDE) {
      reported = i;
      yield NO_CUT_YET;
    }
    continuation = false;
    // Scan the rest of the line.
    while (i < length) {
      const plain = quote === 0 ? PLAIN_CODE : PLAIN_STRING;
      plain.lastIndex = i;
      if (plain.test(text)) i = plain.lastIndex;
      if (i >= length) break;
      const c = text.charCodeAt(i);
      if (c === NEWLINE) {
        if (quote !== 0 && !triple) quote = 0; // an unterminated one-line string ends here
        i++;
        break;
      }
      if (quote !== 0) {
        if (c === BACKSLASH) {
          i++; // the escaped character, even a newline, belongs to the string
          if (text.charCodeAt(i) === CARRIAGE_RETURN && text.charCodeAt(i + 1) === NEWLINE) i++;
        } else if (c === quote && (!triple || (text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c))) {
          if (triple) i += 2;
          quote = 0;
        }
        i++;
        continue;
      }
      if (c === HASH) {
        const end = text.indexOf('\n', i);
        i = end === -1 ? length : end;
        continue;
      }
      if (c === SINGLE_QUOTE || c === DOUBLE_QUOTE) {
        quote = c;
        triple = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
        if (triple) i += 2;
      } else if (c === 40 || c === 91 || c === 123) {
        depth++; // ( [ {
      } else if (c === 41 || c === 93 || c === 125) {
        if (depth > 0) depth--; // ) ] }
      } else if (c === BACKSLASH) {
        const next = text.charCodeAt(i + 1);
        if (next === NEWLINE || (next === CARRIAGE_RETURN && text.charCodeAt(i + 2) === NEWLINE)) continuation = true;
      }
      i++;
    }
  }
}

/** What the line starting at `i` begins, judged from column 0 only. */
function lineStart(text: string, i: number): LineStart {
  const c = text.charCodeAt(i);
  if (
    Number.isNaN(c) ||
    c === NEWLINE ||
    c === CARRIAGE_RETURN ||
    c === SPACE ||
    c === TAB ||
    c === FORM_FEED ||
    c === HASH ||
    c === 41 ||
    c === 93 ||
    c === 125
  ) {
    return 'none'; // blank, indented, a comment, or a closing bracket
  }
  if (c === AT) return 'decorator';
  if (!isIdentifierStart(c)) return 'statement';
  let end = i + 1;
  while (end < text.length && isIdentifierPart(text.charCodeAt(end))) end++;
  const word = text.slice(i, end);
  switch (word) {
    case 'def':
    case 'class':
      return isIdentifierPart(text.charCodeAt(end)) ? 'statement' : 'definition';
    case 'async':
      return /^[ \t]+def\b/.test(text.slice(end, end + 16)) ? 'definition' : 'statement';
    case 'else':
    case 'elif':
    case 'except':
    case 'finally':
      return 'clause';
    default:
      return 'statement';
  }
}

/**
 * Inside brackets, a column-0 `@` could be a matrix product continued from the line above (`a\n@ b`);
 * `@name` is taken for a decorator, since that is what an unfinished edit above it leaves behind.
 */
function opensDecorator(text: string, i: number): boolean {
  return isIdentifierStart(text.charCodeAt(i + 1));
}

function isIdentifierStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

function isIdentifierPart(c: number): boolean {
  return isIdentifierStart(c) || (c >= 48 && c <= 57);
}
