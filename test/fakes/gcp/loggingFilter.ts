// Cloud Logging's query language over the fake's entries, as far as a job's log tail uses it:
// resource.type, resource.labels.KEY, labels.KEY (quoted keys: labels."ml.googleapis.com/x"),
// logName, insertId, severity (compared by level: severity>=WARNING), timestamp and
// receiveTimestamp (compared as times, to the nanosecond), textPayload and jsonPayload.FIELD;
// with =, !=, <, <=, >, >=, the : "has" operator (a substring, case-insensitive; `:*` for presence)
// and the =~ / !~ regular expressions. A filter it cannot read, or one naming another field, is
// refused (INVALID_ARGUMENT), not read loosely.
import { type Comparison, type Operator, compareValues, compileTree, parseFilter } from './filterSyntax';
import { parseTimestamp } from './googleTime';

/** What the filter sees of an entry: its JSON, and its times as nanoseconds. */
export interface FilterableEntry {
  readonly json: Readonly<Record<string, unknown>>;
  readonly timestampNs: bigint;
  readonly receiveNs: bigint;
}

export type EntryPredicate = (entry: FilterableEntry) => boolean;

export class LoggingFilterError extends Error {}

/** Cloud Logging's severities and their levels (LogSeverity). */
export const SEVERITY_LEVELS: Readonly<Record<string, number>> = {
  DEFAULT: 0,
  DEBUG: 100,
  INFO: 200,
  NOTICE: 300,
  WARNING: 400,
  ERROR: 500,
  CRITICAL: 600,
  ALERT: 700,
  EMERGENCY: 800,
};

const TOP_LEVEL = new Set([
  'logName',
  'resource',
  'timestamp',
  'receiveTimestamp',
  'severity',
  'insertId',
  'textPayload',
  'jsonPayload',
  'labels',
]);

const COMPARISONS: readonly Operator[] = ['=', '!=', '<', '<=', '>', '>='];

/** Compiles a filter; throws FilterSyntaxError or LoggingFilterError. */
export function compileLoggingFilter(text: string): EntryPredicate {
  const tree = parseFilter(text);
  return tree ? compileTree(tree, compileComparison) : () => true;
}

function compileComparison(node: Comparison): EntryPredicate {
  const { member, op, value } = node;
  const field = member[0]!;
  const shown = member.join('.');
  if (!TOP_LEVEL.has(field)) {
    throw new LoggingFilterError(`"${shown}" is not a field of LogEntry (${[...TOP_LEVEL].join(', ')})`);
  }
  const comparable = (): void => {
    if (!COMPARISONS.includes(op)) throw new LoggingFilterError(`${shown} does not take the ${op} operator`);
  };
  if (field === 'timestamp' || field === 'receiveTimestamp') {
    comparable();
    if (member.length > 1) throw new LoggingFilterError(`${field} has no field ${member.slice(1).join('.')}`);
    const time = parseTimestamp(value);
    if (time === undefined) throw new LoggingFilterError(`${field} takes an RFC 3339 time, not "${value}"`);
    const of = (e: FilterableEntry) => (field === 'timestamp' ? e.timestampNs : e.receiveNs);
    return (e) => compareValues(of(e), op, time);
  }
  if (field === 'severity') {
    comparable();
    const level = SEVERITY_LEVELS[value.toUpperCase()] ?? (/^\d+$/.test(value) ? Number(value) : undefined);
    if (level === undefined)
      throw new LoggingFilterError(`"${value}" is not a severity (DEBUG, INFO, WARNING, ERROR...)`);
    return (e) => compareValues(SEVERITY_LEVELS[String(e.json.severity ?? 'DEFAULT')] ?? 0, op, level);
  }
  if (op === ':' && value === '*' && !node.quoted) return (e) => valueAt(e.json, member) !== undefined;
  const pattern = op === '=~' || op === '!~' ? regex(value) : undefined;
  return (e) => {
    const found = valueAt(e.json, member);
    const text = found === undefined ? undefined : typeof found === 'string' ? found : JSON.stringify(found);
    switch (op) {
      case '=':
        return text === value;
      case '!=':
        return text !== value;
      case ':':
        return text !== undefined && text.toLowerCase().includes(value.toLowerCase());
      case '=~':
        return text !== undefined && pattern!.test(text);
      case '!~':
        return text === undefined || !pattern!.test(text);
      default:
        return text !== undefined && compareValues(text, op, value);
    }
  };
}

function regex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new LoggingFilterError(`invalid regular expression "${source}": ${(error as Error).message}`);
  }
}

function valueAt(json: Readonly<Record<string, unknown>>, member: readonly string[]): unknown {
  let value: unknown = json;
  for (const segment of member) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
