// Google's own model of the Vertex AI API as the strict Vertex emulator's request validation: the
// .proto files @google-cloud/aiplatform ships (and the google/api, google/rpc and google/protobuf
// ones of google-gax, its transport), parsed at run time with protobufjs, the parser google-gax
// itself uses. The .proto files, not the bundled protos.json: that file keeps one field_behavior
// per field, so a field that is both REQUIRED and IMMUTABLE loses its REQUIRED there.
//
// A request body is read as Google's front end reads proto3 JSON (jsonToMessage below): known
// fields only (by JSON or proto name), each of its JSON type, enums by name or number, 64-bit
// integers as strings or numbers, Duration and Timestamp in their string forms, at most one
// member of a oneof. What it reports is worded as Google's front end words it ("Invalid JSON
// payload received. Unknown name ..."). The result is canonical proto3 JSON: enum names, 64-bit
// integers as strings, default values left out (as Google answers them), OUTPUT_ONLY fields
// dropped (Google ignores them in requests; the client even sends some of them, empty).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type * as Protobuf from 'protobufjs';

const fromAiplatform = createRequire(require.resolve('@google-cloud/aiplatform'));
const gaxEntry = fromAiplatform.resolve('google-gax');
const protobuf = createRequire(gaxEntry)('protobufjs') as typeof Protobuf;

/** Where the .proto files are: the client's own, then its transport's (google/api, google/rpc...). */
export const PROTO_ROOTS: readonly string[] = [
  path.resolve(path.dirname(require.resolve('@google-cloud/aiplatform')), '..', 'protos'),
  path.resolve(path.dirname(gaxEntry), '..', 'protos'),
];

export const V1 = 'google.cloud.aiplatform.v1';

/** One .proto file and every file it imports, looked up under `roots` in order, resolved. */
export function loadProtos(file: string, roots: readonly string[]): Protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const base of roots) {
      const candidate = path.join(base, target);
      if (existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(file, { keepCase: true });
  root.resolveAll();
  return root;
}

let loaded: Protobuf.Root | undefined;

/** The JobService and every message it reaches, parsed once per process (about 0.1 s). */
export function vertexProtos(): Protobuf.Root {
  loaded ??= loadProtos('google/cloud/aiplatform/v1/job_service.proto', PROTO_ROOTS);
  return loaded;
}

export const messageType = (name: string): Protobuf.Type => vertexProtos().lookupType(name);

/** A field's google.api.field_behavior values (REQUIRED, OUTPUT_ONLY, IMMUTABLE, OPTIONAL...). */
export function fieldBehaviors(field: Protobuf.Field): Set<string> {
  const behaviors = new Set<string>();
  for (const option of (field.parsedOptions ?? []) as Record<string, unknown>[]) {
    const value = option['(google.api.field_behavior)'];
    if (typeof value === 'string') behaviors.add(value);
  }
  return behaviors;
}

/** The proto3 JSON name: json_name when declared, else lowerCamelCase of the proto name. */
export const jsonName = (field: Protobuf.Field): string =>
  (field.options?.json_name as string | undefined) ?? protobuf.util.camelCase(field.name);

/** A number an open proto3 enum parsed but does not define: for the service to judge. */
export interface UndefinedEnumValue {
  readonly field: string;
  readonly value: number;
  /** The enum's full name, e.g. google.cloud.aiplatform.v1.AcceleratorType. */
  readonly enumName: string;
}

export interface FieldViolation {
  /** Google's path: proto names, `[i]` for list entries ("custom_job.job_spec.worker_pool_specs[0]"). */
  readonly field: string;
  readonly description: string;
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: Json): string => (typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v)));

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};
const SIXTY_FOUR_BIT = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

/** Reads one proto3 JSON message as Google's front end does; `errors` empty means it parsed. */
export function jsonToMessage(
  type: Protobuf.Type,
  value: Json,
  at: string,
): { message: Record<string, Json>; errors: FieldViolation[]; undefinedEnums: UndefinedEnumValue[] } {
  const read: ReadContext = { errors: [], undefinedEnums: [] };
  const message = readMessage(type, value, at, read) ?? {};
  return { message, ...read };
}

/** What a read collects besides the message. */
interface ReadContext {
  readonly errors: FieldViolation[];
  readonly undefinedEnums: UndefinedEnumValue[];
}

function readMessage(
  type: Protobuf.Type,
  value: Json,
  at: string,
  read: ReadContext,
): Record<string, Json> | undefined {
  const wellKnown = readWellKnown(type, value, at, read);
  if (wellKnown !== NOT_WELL_KNOWN) return wellKnown as Record<string, Json> | undefined;
  if (!isObject(value)) {
    read.errors.push({
      field: at,
      description: `Invalid value at '${at}' (type.googleapis.com/${type.fullName.slice(1)}), ${show(value)}`,
    });
    return undefined;
  }
  const byName = new Map<string, Protobuf.Field>();
  for (const field of type.fieldsArray) {
    byName.set(jsonName(field), field);
    byName.set(field.name, field);
  }
  const out: Record<string, Json> = {};
  const oneofsSet = new Map<string, string>();
  for (const [key, raw] of Object.entries(value)) {
    const field = byName.get(key);
    if (!field) {
      read.errors.push({
        field: at,
        description: `Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`,
      });
      continue;
    }
    if (raw === null) continue; // proto3 JSON: null is the default value
    const oneof = field.partOf && !field.options?.proto3_optional ? field.partOf.name : undefined;
    if (oneof) {
      const earlier = oneofsSet.get(oneof);
      if (earlier) {
        read.errors.push({
          field: `${at}.${field.name}`,
          description: `Invalid JSON payload received. Oneof field '${oneof}' is already set. Cannot set '${field.name}'`,
        });
        continue;
      }
      oneofsSet.set(oneof, field.name);
    }
    const parsed = readField(field, raw, `${at}.${field.name}`, read);
    if (parsed === undefined || fieldBehaviors(field).has('OUTPUT_ONLY')) continue;
    if (isDefault(field, parsed)) continue;
    out[jsonName(field)] = parsed;
  }
  return out;
}

/** proto3 implicit presence: a default scalar, an empty list or map is not sent (nor answered). */
function isDefault(field: Protobuf.Field, value: Json): boolean {
  if (field.options?.proto3_optional) return false;
  if (field.repeated || field.map)
    return Array.isArray(value) ? value.length === 0 : Object.keys(value as object).length === 0;
  if (field.resolvedType instanceof protobuf.Type) return false;
  if (field.resolvedType instanceof protobuf.Enum) return field.resolvedType.values[value as string] === 0;
  return value === '' || value === 0 || value === false || value === '0';
}

function readField(field: Protobuf.Field, raw: Json, at: string, read: ReadContext): Json {
  if (field.map) {
    if (!isObject(raw)) {
      read.errors.push({ field: at, description: `Invalid value at '${at}' (map), ${show(raw)}` });
      return undefined;
    }
    const out: Record<string, Json> = {};
    for (const [key, entry] of Object.entries(raw)) {
      const parsed = readSingle(field, entry, `${at}[${key}]`, read);
      if (parsed !== undefined) out[key] = parsed;
    }
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(raw)) {
      read.errors.push({
        field: at,
        description: `Invalid value at '${at}' (repeated ${typeLabel(field)}), ${show(raw)}`,
      });
      return undefined;
    }
    const out = raw.map((entry, i) => readSingle(field, entry, `${at}[${i}]`, read));
    return out.filter((v) => v !== undefined);
  }
  if (Array.isArray(raw)) {
    read.errors.push({
      field: at,
      description: `Invalid JSON payload received. Unknown name "${jsonName(field)}" at '${at.slice(0, at.lastIndexOf('.'))}': Proto field is not repeating, cannot start list.`,
    });
    return undefined;
  }
  return readSingle(field, raw, at, read);
}

function typeLabel(field: Protobuf.Field): string {
  const resolved = field.resolvedType;
  if (resolved) return `type.googleapis.com/${resolved.fullName.slice(1)}`;
  return `TYPE_${field.type.toUpperCase()}`;
}

function readSingle(field: Protobuf.Field, raw: Json, at: string, read: ReadContext): Json {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return readMessage(resolved, raw, at, read);
  const invalid = () => {
    read.errors.push({ field: at, description: `Invalid value at '${at}' (${typeLabel(field)}), ${show(raw)}` });
    return undefined;
  };
  if (resolved instanceof protobuf.Enum) {
    if (typeof raw === 'string') return raw in resolved.values ? raw : invalid();
    if (typeof raw === 'number' && Number.isInteger(raw)) {
      // proto3 enums are open: an unknown number parses, and the service decides (vertexRules.ts).
      const name = resolved.valuesById[raw];
      if (name !== undefined) return name;
      read.undefinedEnums.push({ field: at, value: raw, enumName: resolved.fullName.slice(1) });
      return raw;
    }
    return invalid();
  }
  return readScalar(field.type, raw) ?? invalid();
}

/** A scalar in its canonical JSON form, or undefined when `raw` is not one of that type. */
function readScalar(kind: string, raw: Json): Json {
  if (kind === 'string') return typeof raw === 'string' ? raw : undefined;
  if (kind === 'bool') return typeof raw === 'boolean' ? raw : undefined;
  if (kind === 'bytes') return typeof raw === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(raw) ? raw : undefined;
  if (kind === 'double' || kind === 'float') {
    if (typeof raw === 'number') return raw;
    return typeof raw === 'string' &&
      (['NaN', 'Infinity', '-Infinity'].includes(raw) || /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw))
      ? Number(raw)
      : undefined;
  }
  const range = INT_RANGES[kind];
  if (!range) return undefined;
  let whole: bigint;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) whole = BigInt(raw);
  else if (typeof raw === 'string' && /^-?\d+$/.test(raw)) whole = BigInt(raw);
  else return undefined;
  if (whole < range[0] || whole > range[1]) return undefined;
  return SIXTY_FOUR_BIT.has(kind) ? whole.toString() : Number(whole);
}

const NOT_WELL_KNOWN = Symbol('not a well-known type');

/** google.protobuf's types with a JSON form of their own. */
function readWellKnown(type: Protobuf.Type, value: Json, at: string, read: ReadContext): Json | typeof NOT_WELL_KNOWN {
  const invalid = (label: string) => {
    read.errors.push({
      field: at,
      description: `Invalid value at '${at}' (type.googleapis.com/google.protobuf.${label}), ${show(value)}`,
    });
    return undefined;
  };
  switch (type.fullName) {
    case '.google.protobuf.Duration':
      return typeof value === 'string' && /^-?\d{1,12}(\.\d{1,9})?s$/.test(value) ? value : invalid('Duration');
    case '.google.protobuf.Timestamp':
      return typeof value === 'string' &&
        !Number.isNaN(Date.parse(value)) &&
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(value)
        ? value
        : invalid('Timestamp');
    case '.google.protobuf.FieldMask':
      return typeof value === 'string' && /^([a-zA-Z_][\w.]*)?(,[a-zA-Z_][\w.]*)*$/.test(value)
        ? value
        : invalid('FieldMask');
    case '.google.protobuf.Struct':
      return isObject(value) ? value : invalid('Struct');
    case '.google.protobuf.Value':
    case '.google.protobuf.Any':
      return value;
    case '.google.protobuf.ListValue':
      return Array.isArray(value) ? value : invalid('ListValue');
    default:
      return NOT_WELL_KNOWN;
  }
}

/**
 * REQUIRED fields left unset in a canonical message, by path relative to the message (the paths
 * Vertex names in its "List of found errors"), looking into every message that is set.
 */
export function missingRequired(type: Protobuf.Type, message: Record<string, Json>, at = ''): string[] {
  const missing: string[] = [];
  const join = (name: string) => (at ? `${at}.${name}` : name);
  for (const field of type.fieldsArray) {
    const value = message[jsonName(field)];
    if (value === undefined && fieldBehaviors(field).has('REQUIRED')) missing.push(join(field.name));
    const nested = field.resolvedType;
    if (value === undefined || !(nested instanceof protobuf.Type) || nested.fullName.startsWith('.google.protobuf.'))
      continue;
    if (field.map) {
      for (const [key, entry] of Object.entries(value as Record<string, Json>))
        missing.push(...missingRequired(nested, entry as Record<string, Json>, `${join(field.name)}[${key}]`));
    } else if (field.repeated) {
      (value as Record<string, Json>[]).forEach((entry, i) =>
        missing.push(...missingRequired(nested, entry, `${join(field.name)}[${i}]`)),
      );
    } else missing.push(...missingRequired(nested, value as Record<string, Json>, join(field.name)));
  }
  return missing;
}

/**
 * A canonical message as Vertex answers it: enums by name, or by number when the request asked
 * for `$alt=json;enum-encoding=int` (as the official client does).
 */
export function renderMessage(
  type: Protobuf.Type,
  message: Record<string, Json>,
  enumsAsNumbers: boolean,
): Record<string, Json> {
  if (!enumsAsNumbers) return message;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(message)) {
    const field = type.fieldsArray.find((f) => jsonName(f) === key);
    out[key] = field ? renderValue(field, value) : value;
  }
  return out;
}

function renderValue(field: Protobuf.Field, value: Json): Json {
  const resolved = field.resolvedType;
  const one = (v: Json): Json => {
    if (resolved instanceof protobuf.Enum) return typeof v === 'string' ? resolved.values[v] : v;
    if (resolved instanceof protobuf.Type && !resolved.fullName.startsWith('.google.protobuf.'))
      return renderMessage(resolved, v as Record<string, Json>, true);
    return v;
  };
  if (field.map) return Object.fromEntries(Object.entries(value as Record<string, Json>).map(([k, v]) => [k, one(v)]));
  if (field.repeated) return (value as Json[]).map(one);
  return one(value);
}

/** An enum's value names, from the model (e.g. the accelerator types). */
export function enumNames(name: string): string[] {
  return Object.keys(vertexProtos().lookupEnum(name).values);
}
