// Reading a step operator's settings (the component's config with the step's own settings
// merged over it) as typed values. Every cloud reads text, whole numbers, switches and mappings
// the same way and refuses what it cannot honour by name, so the messages are written once here;
// each operator supplies its own error class so that callers can tell whose settings were wrong.

export interface SettingValues {
  /** Trimmed text; '' when unset. */
  text(value: unknown, name: string): string;
  /** A whole number within [min, max] when given; undefined when unset. */
  int(value: unknown, name: string, range?: { readonly min?: number; readonly max?: number }): number | undefined;
  bool(value: unknown, name: string): boolean | undefined;
  /** A mapping of names to values; {} when unset. */
  mapping(value: unknown, name: string): Record<string, unknown>;
  /** A list of text, from a list or ZenML's comma-separated text; [] when unset. */
  textList(value: unknown, name: string): string[];
}

export function settingValues(fail: (message: string) => Error): SettingValues {
  const unset = (value: unknown) => value === undefined || value === null;
  /** Discovery keeps a value it could not evaluate (a variable, a call) as { $expression }. */
  const literal = (value: unknown, name: string): unknown => {
    if (value && typeof value === 'object' && '$expression' in value) {
      const source = String((value as { $expression: unknown }).$expression);
      throw fail(`"${name}" is set to ${source}, which stepops cannot evaluate: write the value itself there.`);
    }
    return value;
  };
  return {
    text(value, name) {
      if (unset(literal(value, name))) return '';
      if (typeof value !== 'string') throw fail(`"${name}" must be text, not ${JSON.stringify(value)}.`);
      return value.trim();
    },
    int(value, name, range = {}) {
      if (unset(literal(value, name)) || value === '') return undefined;
      const number = typeof value === 'string' ? Number(value) : value;
      const min = range.min ?? 0;
      if (typeof number !== 'number' || !Number.isInteger(number) || number < min) {
        throw fail(
          `"${name}" must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not ${JSON.stringify(value)}.`,
        );
      }
      if (range.max !== undefined && number > range.max) {
        throw fail(`"${name}" must be at most ${range.max}, not ${number}.`);
      }
      return number;
    },
    bool(value, name) {
      if (unset(literal(value, name))) return undefined;
      if (typeof value !== 'boolean') throw fail(`"${name}" must be true or false, not ${JSON.stringify(value)}.`);
      return value;
    },
    mapping(value, name) {
      if (unset(literal(value, name))) return {};
      if (typeof value !== 'object' || Array.isArray(value))
        throw fail(`"${name}" must be a mapping of names to values.`);
      return value as Record<string, unknown>;
    },
    textList(value, name) {
      if (unset(literal(value, name))) return [];
      const items = typeof value === 'string' ? value.split(',') : value;
      if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
        throw fail(`"${name}" must be a list of text (or text separated by commas), not ${JSON.stringify(value)}.`);
      }
      return (items as string[]).map((item) => item.trim()).filter(Boolean);
    },
  };
}

/** Refuses keys outside `known` by name, saying which ones are read. */
export function refuseUnknownKeys(
  values: Readonly<Record<string, unknown>>,
  known: ReadonlySet<string> | readonly string[],
  where: string,
  fail: (message: string) => Error,
): void {
  const knownSet = new Set(known);
  const unknown = Object.keys(values).filter((key) => !knownSet.has(key));
  if (unknown.length === 0) return;
  throw fail(
    `${where} ${unknown.map((k) => `"${k}"`).join(', ')} cannot be honoured by stepops; it reads ` +
      `${[...knownSet].join(', ')}. Remove the others from the operator or the step's settings.`,
  );
}

/**
 * A setting that goes by several names (ZenML renamed some, and users bring another cloud's):
 * its value and the name it was given under. Names given different values are refused rather
 * than one of them chosen silently; none given is `{ value: undefined, name: names[0] }`.
 */
export function settingByNames(
  values: Readonly<Record<string, unknown>>,
  names: readonly [string, ...string[]],
  fail: (message: string) => Error,
): { readonly value: unknown; readonly name: string } {
  const given = names.filter((name) => values[name] !== undefined && values[name] !== null);
  const [first, ...others] = given;
  if (first === undefined) return { value: undefined, name: names[0] };
  const differing = others.find((name) => JSON.stringify(values[name]) !== JSON.stringify(values[first]));
  if (differing !== undefined) {
    throw fail(
      `"${first}" (${JSON.stringify(values[first])}) and "${differing}" (${JSON.stringify(values[differing])}) ` +
        'are the same setting and disagree: set one of them.',
    );
  }
  return { value: values[first], name: first };
}
