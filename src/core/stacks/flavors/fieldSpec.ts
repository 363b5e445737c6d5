// A flavor's fields, declared once. The same declaration becomes the zod schema that validates
// stack files and wizard input, the wizard's form, the tree's one-line summary and the CLI's
// prompts, so they cannot drift apart. Field names follow ZenML's where ZenML has the field.
//
// zod/mini rather than classic zod: the same validator and messages, but its functions are
// tree-shaken, so the bundles carry only the schemas used here (classic zod's methods keep its
// whole API in every bundle that loads it, at activation).
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import type { ComponentType } from '../model';

// English messages for the issues our own messages do not cover (classic zod loads them itself,
// zod/mini leaves them to the caller). No code generation: schemas are interpreted. zod would
// otherwise probe for eval support (and read `navigator`, which VS Code's extension host flags),
// and webview CSPs forbid eval anyway.
z.config({ ...en(), jitless: true });

export type FieldKind =
  | 'string'
  /** Stored in VS Code's SecretStorage (or read from the environment by the CLI), never in files. */
  | 'secret'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'enum'
  /** KEY=VALUE pairs, e.g. environment variables. */
  | 'string-map'
  /** Comma-separated list of strings. */
  | 'string-list'
  /** Any JSON object, e.g. SageMaker estimator arguments. */
  | 'json';

export interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly kind: FieldKind;
  readonly description: string;
  readonly required?: boolean;
  readonly default?: string | number | boolean;
  readonly placeholder?: string;
  /** A rule the value must match, with the message that explains it. */
  readonly pattern?: { readonly regex: RegExp; readonly message: string };
  /** The allowed values of an enum, or suggestions for a string (e.g. regions). */
  readonly options?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Only relevant when another field has one of these values (e.g. Azure ML compute type). */
  readonly when?: { readonly field: string; readonly oneOf: readonly string[] };
}

export interface FlavorSpec {
  readonly type: ComponentType;
  /** ZenML's flavor name. */
  readonly flavor: string;
  readonly displayName: string;
  /** Codicon id for the tree and pickers. */
  readonly icon: string;
  readonly description: string;
  readonly fields: readonly FieldSpec[];
  /** Fields whose values make up the component's one-line description in the tree. */
  readonly summary: readonly string[];
}

export type ComponentConfig = Record<string, unknown>;

function fieldSchema(field: FieldSpec): z.ZodMiniType {
  switch (field.kind) {
    case 'string': {
      const schema = z
        .string({
          error: (issue) => (issue.input === undefined ? `${field.label} is required` : `${field.label} must be text`),
        })
        .check(z.trim(), z.minLength(1, `${field.label} cannot be empty`));
      return field.pattern ? schema.check(z.regex(field.pattern.regex, field.pattern.message)) : schema;
    }
    case 'secret':
      // A secret's value never sits in config; the key may hold only a reference marker.
      return z.never({ error: `${field.label} is a secret: store it in the secret store, not in the stack file` });
    case 'integer':
    case 'number': {
      const schema = z.number({
        error: (issue) =>
          issue.input === undefined ? `${field.label} is required` : `${field.label} must be a number`,
      });
      // In the order classic zod's .int().min().max() added them: the first failing check's
      // message comes first.
      const checks = [
        ...(field.kind === 'integer' ? [z.int(`${field.label} must be a whole number`)] : []),
        ...(field.min !== undefined ? [z.gte(field.min, `${field.label} must be at least ${field.min}`)] : []),
        ...(field.max !== undefined ? [z.lte(field.max, `${field.label} must be at most ${field.max}`)] : []),
      ];
      return checks.length > 0 ? schema.check(...checks) : schema;
    }
    case 'boolean':
      return z.boolean({ error: `${field.label} must be true or false` });
    case 'enum':
      return z.enum(field.options as [string, ...string[]], {
        error: `${field.label} must be one of: ${(field.options ?? []).join(', ')}`,
      });
    case 'string-map':
      return z.record(
        z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are letters, digits and _')),
        z.string(),
      );
    case 'string-list':
      return z.array(z.string().check(z.minLength(1)));
    case 'json':
      return z.record(z.string(), z.unknown());
  }
}

/**
 * The schema of a flavor's config: known fields are checked, required ones demanded (unless they
 * only apply under another field's value), unknown keys are kept as they are.
 */
export function configSchema(spec: FlavorSpec): z.ZodMiniType<ComponentConfig> {
  const shape: Record<string, z.ZodMiniType> = {};
  for (const field of spec.fields) {
    const schema = fieldSchema(field);
    if (field.kind === 'secret') {
      shape[field.name] = z.optional(schema);
      continue;
    }
    shape[field.name] = field.required && !field.when ? schema : z.optional(schema);
  }
  return z.looseObject(shape).check(
    z.superRefine((config, context) => {
      for (const field of spec.fields) {
        if (!field.required || !field.when || field.kind === 'secret') continue;
        const controlling = config[field.when.field] ?? defaultOf(spec, field.when.field);
        if (
          field.when.oneOf.includes(String(controlling)) &&
          (config[field.name] === undefined || config[field.name] === '')
        ) {
          context.addIssue({
            code: 'custom',
            path: [field.name],
            message: `${field.label} is required when ${field.when.field} is ${String(controlling)}`,
          });
        }
      }
    }),
  );
}

function defaultOf(spec: FlavorSpec, fieldName: string): unknown {
  return spec.fields.find((f) => f.name === fieldName)?.default;
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export type ValidationResult =
  | { readonly ok: true; readonly config: ComponentConfig }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

export function validateConfig(spec: FlavorSpec, config: unknown): ValidationResult {
  const result = configSchema(spec).safeParse(config);
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || '(config)',
      message: issue.path.length === 0 || issue.code !== 'invalid_type' ? issue.message : `${issue.message}`,
    })),
  };
}

/** Turns text typed into a form or a prompt into the field's value type; undefined when blank. */
export function parseFieldInput(field: FieldSpec, text: string): { value?: unknown; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  switch (field.kind) {
    case 'integer':
    case 'number': {
      const n = Number(trimmed);
      return Number.isFinite(n) ? { value: n } : { error: `${field.label} must be a number` };
    }
    case 'boolean':
      if (/^(true|yes|on|1)$/i.test(trimmed)) return { value: true };
      if (/^(false|no|off|0)$/i.test(trimmed)) return { value: false };
      return { error: `${field.label} must be true or false` };
    case 'string-map': {
      const map: Record<string, string> = {};
      for (const pair of trimmed
        .split(/[,\n]/)
        .map((p) => p.trim())
        .filter(Boolean)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) return { error: `${field.label}: "${pair}" is not KEY=VALUE` };
        map[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
      return { value: map };
    }
    case 'string-list':
      return {
        value: trimmed
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    case 'json':
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          return { error: `${field.label} must be a JSON object like {"key": "value"}` };
        }
        return { value: parsed };
      } catch (error) {
        return { error: `${field.label} is not valid JSON: ${(error as Error).message}` };
      }
    default:
      return { value: trimmed };
  }
}

/** The inverse of parseFieldInput, to pre-fill forms and prompts. */
export function formatFieldValue(field: FieldSpec, value: unknown): string {
  if (value === undefined || value === null) return '';
  switch (field.kind) {
    case 'string-map':
      return Object.entries(value as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
    case 'string-list':
      return (value as string[]).join(', ');
    case 'json':
      return JSON.stringify(value);
    default:
      return String(value);
  }
}

/** The problem with one field's value in the context of the whole config, if any. */
export function fieldProblem(spec: FlavorSpec, fieldName: string, config: ComponentConfig): string | undefined {
  const result = validateConfig(spec, config);
  if (result.ok) return undefined;
  return result.problems.find((p) => p.field === fieldName || p.field.startsWith(`${fieldName}.`))?.message;
}

/** Whether a field applies given the other values (its `when` condition, with defaults). */
export function fieldApplies(spec: FlavorSpec, field: FieldSpec, config: ComponentConfig): boolean {
  if (!field.when) return true;
  const controlling = config[field.when.field] ?? spec.fields.find((f) => f.name === field.when!.field)?.default;
  return field.when.oneOf.includes(String(controlling));
}
