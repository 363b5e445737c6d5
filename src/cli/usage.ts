// One declaration per command: what it takes, its options and an example. Both the parser and the
// --help text are made from it, so an option cannot be accepted without being documented.
import { parseArgs } from 'node:util';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in the help, e.g. NAME. */
  readonly value?: string;
  readonly description: string;
}

export interface ArgumentSpec {
  /** As shown in the usage line and in "missing ..." errors, e.g. FILE:STEP. */
  readonly name: string;
  readonly optional?: boolean;
  /** Takes every remaining argument (the last one only). */
  readonly variadic?: boolean;
}

export interface CommandSpec<O extends Readonly<Record<string, OptionSpec>> = Readonly<Record<string, OptionSpec>>> {
  /** As typed after `stepops`: "run", "stacks register". */
  readonly name: string;
  readonly summary: string;
  readonly arguments: readonly ArgumentSpec[];
  readonly options: O;
  /** Paragraphs after the usage line: what the command does that the summary cannot say. */
  readonly details?: readonly string[];
  readonly examples: readonly string[];
}

/** A command with subcommands (`stacks use`, `components register`...). */
export interface CommandGroupSpec {
  readonly name: string;
  readonly summary: string;
  readonly subcommands: readonly CommandSpec[];
  /** The subcommand a bare `stepops NAME` (or one with options only) runs. */
  readonly defaultSubcommand: string;
  readonly details?: readonly string[];
  readonly examples: readonly string[];
}

type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['multiple'] extends true
    ? string[]
    : string;
export type OptionValues<O extends Readonly<Record<string, OptionSpec>>> = { [K in keyof O]?: OptionValue<O[K]> };

/** The command line is wrong (exit code 2); the message names what and the help says how. */
export class UsageError extends Error {
  override name = 'UsageError';

  /** The command whose help explains it, as typed after `stepops` ("stacks register"). */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Keeps each option's literal type, so that parsed values are typed by their declaration. */
export function defineCommand<const O extends Readonly<Record<string, OptionSpec>>>(
  spec: CommandSpec<O>,
): CommandSpec<O> {
  return spec;
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'Show this help' };

/** `-h`/`--help` anywhere before a `--` that ends the options. */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '-h' || a === '--help');
}

export function parseCommandLine<O extends Readonly<Record<string, OptionSpec>>>(
  spec: CommandSpec<O>,
  args: string[],
): { values: OptionValues<O>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error, spec), spec.name);
  }
  checkPositionals(spec, parsed.positionals);
  return { values: parsed.values as OptionValues<O>, positionals: parsed.positionals };
}

function describeParseError(error: unknown, spec: CommandSpec): string {
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message ?? '')?.[1] ?? 'an option';
    const known = Object.keys(spec.options).map((name) => `--${name}`);
    const near = closest(option.replace(/=.*/, ''), known);
    return `unknown option "${option}"${near ? ` (did you mean ${near}?)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return (message ?? 'an option has a bad value').replace(/^O/, 'o');
  throw error;
}

function checkPositionals(spec: CommandSpec, positionals: readonly string[]): void {
  const required = spec.arguments.filter((a) => !a.optional);
  if (positionals.length < required.length) {
    const missing = required.slice(positionals.length).map((a) => a.name);
    throw new UsageError(`missing ${missing.join(' and ')}`, spec.name);
  }
  const variadic = spec.arguments.some((a) => a.variadic);
  if (!variadic && positionals.length > spec.arguments.length) {
    const extra = positionals[spec.arguments.length]!;
    throw new UsageError(
      spec.arguments.length === 0
        ? `takes no arguments, got "${extra}"`
        : `unexpected argument "${extra}" after ${spec.arguments.map((a) => a.name).join(' ')}`,
      spec.name,
    );
  }
}

/** The known name within two edits of a typo, if exactly one is that close. */
function closest(typed: string, known: readonly string[]): string | undefined {
  const near = known.filter((k) => editDistance(typed, k) <= 2);
  return near.length === 1 ? near[0] : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function usageLine(spec: CommandSpec): string {
  const args = spec.arguments.map((a) => {
    const shown = a.variadic ? `${a.name}...` : a.name;
    return a.optional ? `[${shown}]` : shown;
  });
  const options = Object.keys(spec.options).length > 0 ? ['[options]'] : [];
  return ['stepops', spec.name, ...args, ...options].join(' ');
}

export function formatCommandHelp(spec: CommandSpec): string {
  const options = [...Object.entries(spec.options), ['help', HELP_OPTION] as const].map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;
    return [flag, `${o.description}${o.multiple ? ' (repeatable)' : ''}`] as const;
  });
  return [
    `Usage: ${usageLine(spec)}`,
    '',
    spec.summary,
    ...(spec.details ?? []).flatMap((d) => ['', d]),
    '',
    'Options:',
    ...columns(options),
    ...examples(spec.examples),
  ].join('\n');
}

export function formatGroupHelp(group: CommandGroupSpec): string {
  const [first, ...others] = group.subcommands.map(usageLine);
  return [
    `Usage: ${first}`,
    ...others.map((line) => `       ${line}`),
    '',
    group.summary,
    ...(group.details ?? []).flatMap((d) => ['', d]),
    '',
    'Subcommands:',
    ...columns(group.subcommands.map((s) => [s.name.split(' ').pop()!, s.summary])),
    '',
    `Run "stepops ${group.name} SUBCOMMAND --help" for a subcommand's options.`,
    ...examples(group.examples),
  ].join('\n');
}

function examples(lines: readonly string[]): string[] {
  return ['', lines.length > 1 ? 'Examples:' : 'Example:', ...lines.map((l) => `  ${l}`), ''];
}

export function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
