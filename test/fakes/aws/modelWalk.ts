// The walk of a request over a botocore input shape (serviceModel.ts words the answer). Two kinds
// of failure, as AWS has them: a body that does not deserialize into the shape (a member the shape
// lacks, a JSON type the shape cannot take) stops at the first problem, as a parser does; a body
// that does deserialize is checked against every constraint and all violations are collected.
import type { ModelShape } from './serviceModel';

export interface Violation {
  /** AWS's path: lower-camel member names joined by '.', list entries as `.N.member`. */
  readonly path: string;
  readonly value: unknown;
  /** AWS's constraint text: "Member must not be null", "Member must have length ...". */
  readonly constraint: string;
}

export type WalkOutcome =
  | { readonly kind: 'malformed'; readonly message: string }
  | { readonly kind: 'checked'; readonly violations: readonly Violation[] };

type ShapeOf = (name: string) => ModelShape;

/** A body that does not deserialize into its shape. */
class Malformed extends Error {}

export function validateInput(shapeOf: ShapeOf, inputShape: string | undefined, input: unknown): WalkOutcome {
  const violations: Violation[] = [];
  try {
    if (inputShape === undefined) {
      if (!isObject(input) || Object.keys(input).length > 0) {
        throw new Malformed('This operation takes no input: the request body must be {}.');
      }
    } else walk({ shapeOf, violations }, inputShape, input, '');
  } catch (error) {
    if (error instanceof Malformed) return { kind: 'malformed', message: error.message };
    throw error;
  }
  return { kind: 'checked', violations };
}

interface Walk {
  readonly shapeOf: ShapeOf;
  readonly violations: Violation[];
}

const COMPOSITE = new Set(['structure', 'list', 'map']);

function walk(w: Walk, shapeName: string, value: unknown, at: string): void {
  const shape = w.shapeOf(shapeName);
  if (shape.type === 'structure') return walkStructure(w, shapeName, shape, value, at);
  if (shape.type === 'list') return walkList(w, shapeName, shape, value, at);
  if (shape.type === 'map') return walkMap(w, shapeName, shape, value, at);
  checkScalarType(shapeName, shape, value, at);
  for (const c of constraintsOf(shape)) if (!c.holds(value)) w.violations.push({ path: at, value, constraint: c.text });
}

function walkStructure(w: Walk, shapeName: string, shape: ModelShape, value: unknown, at: string): void {
  if (!isObject(value)) throw new Malformed(notExpected(value, shapeName, 'a structure', at));
  const members = shape.members ?? {};
  const unknown = Object.keys(value).find((name) => !Object.hasOwn(members, name));
  if (unknown !== undefined) {
    throw new Malformed(
      `Unrecognized field "${unknown}" ${where(at)}: the model's ${shapeName} has no such member ` +
        `(its members: ${Object.keys(members).join(', ')}).`,
    );
  }
  for (const [name, ref] of Object.entries(members)) {
    const member = value[name];
    const memberAt = at ? `${at}.${lowerCamel(name)}` : lowerCamel(name);
    if (member === undefined || member === null) {
      if (shape.required?.includes(name)) {
        w.violations.push({ path: memberAt, value: null, constraint: 'Member must not be null' });
      }
      continue;
    }
    walk(w, ref.shape, member, memberAt);
  }
}

function walkList(w: Walk, shapeName: string, shape: ModelShape, value: unknown, at: string): void {
  if (!Array.isArray(value)) throw new Malformed(notExpected(value, shapeName, 'a list', at));
  checkSize(w, shape, value, value.length, at);
  const element = shape.member!.shape;
  if (COMPOSITE.has(w.shapeOf(element).type)) {
    value.forEach((entry: unknown, i) => {
      const entryAt = `${at}.${i + 1}.member`;
      if (entry === null) w.violations.push({ path: entryAt, value: null, constraint: 'Member must not be null' });
      else walk(w, element, entry, entryAt);
    });
    return;
  }
  const failed = value.some((entry: unknown, i) => !scalarHolds(w, element, entry, `${at}.${i + 1}.member`));
  if (failed) w.violations.push({ path: at, value, constraint: allOf('Member', w.shapeOf(element)) });
}

function walkMap(w: Walk, shapeName: string, shape: ModelShape, value: unknown, at: string): void {
  if (!isObject(value)) throw new Malformed(notExpected(value, shapeName, 'a map', at));
  const entries = Object.entries(value);
  checkSize(w, shape, value, entries.length, at);
  const keyShape = shape.key!.shape;
  if (entries.some(([key]) => !scalarHolds(w, keyShape, key, `${at}.entry.key`))) {
    w.violations.push({ path: at, value, constraint: allOf('Map keys', w.shapeOf(keyShape)) });
  }
  const valueShape = shape.value!.shape;
  if (COMPOSITE.has(w.shapeOf(valueShape).type)) {
    for (const [key, entry] of entries) walk(w, valueShape, entry, `${at}.${key}`);
    return;
  }
  if (entries.some(([key, entry]) => !scalarHolds(w, valueShape, entry, `${at}.${key}`))) {
    w.violations.push({ path: at, value, constraint: allOf('Map value', w.shapeOf(valueShape)) });
  }
}

/** Whether a list entry, map key or map value of a scalar shape meets all its constraints (a wrong type throws). */
function scalarHolds(w: Walk, shapeName: string, value: unknown, at: string): boolean {
  if (value === null || value === undefined) return false;
  const shape = w.shapeOf(shapeName);
  checkScalarType(shapeName, shape, value, at);
  return constraintsOf(shape).every((c) => c.holds(value));
}

/** AWS lists every constraint of the entries' shape, not just the broken ones. */
function allOf(subject: string, shape: ModelShape): string {
  return `${subject} must satisfy constraint: [${constraintsOf(shape)
    .map((c) => c.text)
    .join(', ')}]`;
}

function checkSize(w: Walk, shape: ModelShape, value: unknown, size: number, at: string): void {
  if (shape.max !== undefined && size > shape.max) {
    w.violations.push({ path: at, value, constraint: `Member must have length less than or equal to ${shape.max}` });
  }
  if (shape.min !== undefined && size < shape.min) {
    w.violations.push({ path: at, value, constraint: `Member must have length greater than or equal to ${shape.min}` });
  }
}

interface Constraint {
  readonly text: string;
  readonly holds: (value: unknown) => boolean;
}

const NUMERIC = new Set(['integer', 'long', 'float', 'double']);

/** The constraints of a scalar shape in the order AWS lists them: enum, maximum, minimum, pattern. */
function constraintsOf(shape: ModelShape): Constraint[] {
  const out: Constraint[] = [];
  const values = shape.enum;
  if (values) {
    out.push({
      text: `Member must satisfy enum value set: [${values.join(', ')}]`,
      holds: (v) => values.includes(v as string),
    });
  }
  const { min, max } = shape;
  if (NUMERIC.has(shape.type)) {
    const n = (v: unknown) => Number(v);
    if (max !== undefined)
      out.push({ text: `Member must have value less than or equal to ${max}`, holds: (v) => n(v) <= max });
    if (min !== undefined) {
      out.push({ text: `Member must have value greater than or equal to ${min}`, holds: (v) => n(v) >= min });
    }
  } else if (shape.type === 'string' || shape.type === 'blob') {
    const length = (v: unknown) =>
      shape.type === 'blob' ? Buffer.from(String(v), 'base64').length : [...String(v)].length;
    if (max !== undefined)
      out.push({ text: `Member must have length less than or equal to ${max}`, holds: (v) => length(v) <= max });
    if (min !== undefined) {
      out.push({ text: `Member must have length greater than or equal to ${min}`, holds: (v) => length(v) >= min });
    }
  }
  if (shape.pattern !== undefined) {
    const re = javaPattern(shape.pattern);
    out.push({
      text: `Member must satisfy regular expression pattern: ${shape.pattern}`,
      holds: (v) => re.test(String(v)),
    });
  }
  return out;
}

const FLOAT_WORDS = new Set(['NaN', 'Infinity', '-Infinity']);
const INT32 = 2 ** 31;

/** Throws Malformed when the JSON value cannot be read as the shape's type. */
function checkScalarType(shapeName: string, shape: ModelShape, value: unknown, at: string): void {
  const fits: Record<string, (v: unknown) => boolean> = {
    string: (v) => typeof v === 'string',
    blob: (v) => typeof v === 'string' && /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
    boolean: (v) => typeof v === 'boolean',
    integer: (v) => Number.isInteger(v) && (v as number) >= -INT32 && (v as number) < INT32,
    long: (v) => Number.isSafeInteger(v),
    float: (v) => (typeof v === 'number' && Number.isFinite(v)) || FLOAT_WORDS.has(v as string),
    double: (v) => (typeof v === 'number' && Number.isFinite(v)) || FLOAT_WORDS.has(v as string),
    // awsJson carries timestamps as epoch seconds.
    timestamp: (v) => typeof v === 'number' && Number.isFinite(v),
  };
  const fit = fits[shape.type];
  if (!fit) throw new Error(`The model's shape ${shapeName} has type ${shape.type}, which the fakes do not read yet.`);
  if (!fit(value)) throw new Malformed(notExpected(value, shapeName, `${article(shape.type)} ${shape.type}`, at));
}

/** AWS's deserializer wording for a JSON value of the wrong kind, with where it was and what the model wants. */
function notExpected(value: unknown, shapeName: string, wanted: string, at: string): string {
  const context = ` (${where(at)}, the model's ${shapeName} is ${wanted})`;
  if (Array.isArray(value)) return `Start of list found where not expected${context}.`;
  if (isObject(value)) return `Start of structure or map found where not expected${context}.`;
  const kind =
    typeof value === 'string' ? 'STRING_VALUE' : typeof value === 'number' ? 'NUMBER_VALUE' : 'BOOLEAN_VALUE';
  return `${kind} ${JSON.stringify(value)} can not be converted to ${wanted}${context}.`;
}

const where = (at: string) => (at ? `at '${at}'` : 'in the request body');
const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');
const lowerCamel = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const compiled = new Map<string, RegExp>();
/** Characters a backslash may escape in a JavaScript regular expression with the u flag. */
const ESCAPABLE = new Set([...'^$\\.*+?()[]{}|/-']);
/** Java's POSIX classes (ASCII, as Java has them by default), as the ranges of a character class. */
const POSIX: Readonly<Record<string, string>> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};

/**
 * A model pattern (a Java regular expression) as JavaScript runs it, matched against the whole
 * value as Java's Pattern.matches does. Java tolerates escapes of plain characters (\_ or \ ),
 * a quantifier on an anchor (${1,128}) and has POSIX classes (\p{Alnum}); the u flag (needed for
 * Unicode classes such as \p{L}) has none of these, so they are rewritten to what Java makes of them.
 */
export function javaPattern(source: string): RegExp {
  let re = compiled.get(source);
  if (re) return re;
  try {
    re = new RegExp(`^(?:${javaToJs(source)})$`, 'u');
  } catch (error) {
    throw new Error(`The model's pattern ${source} has no JavaScript equivalent yet (${(error as Error).message}).`);
  }
  compiled.set(source, re);
  return re;
}

function javaToJs(source: string): string {
  let js = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\' && i + 1 < source.length) {
      const next = source[++i]!;
      const posix = next === 'p' ? /^\{(\w+)\}/.exec(source.slice(i + 1)) : null;
      if (posix && POSIX[posix[1]!] !== undefined) {
        js += inClass ? POSIX[posix[1]!] : `[${POSIX[posix[1]!]}]`;
        i += posix[0].length;
      } else js += /[A-Za-z0-9]/.test(next) || ESCAPABLE.has(next) ? `\\${next}` : next;
    } else if (!inClass && (c === '$' || c === '^') && /^\{\d+(,\d*)?\}/.test(source.slice(i + 1))) {
      js += c;
      i = source.indexOf('}', i);
    } else {
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      js += c;
    }
  }
  return js;
}
