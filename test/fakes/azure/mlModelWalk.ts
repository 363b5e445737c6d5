// The walk of a request body over the classes of Azure ML's model (mlModel.ts): JSON types,
// required properties, polymorphic classes picked by their discriminator (jobType, jobInputType,
// distributionType...), the Known* enum values, and the constraints the model states (patterns,
// lengths, ranges). Every violation is collected, each with the wire path of the property, so one
// answer names them all. Read-only properties are ignored, as Resource Manager ignores them in a
// request; a property the class does not have is refused (stricter than Azure ML, which may drop
// it: the SDK never sends one, so one is a bug in the caller).
import type { Mapper, MachineLearningModel } from './mlModel';

export interface Violation {
  /** The wire path: "properties.inputs.training.uri". */
  readonly target: string;
  readonly code: 'RequiredPropertyMissing' | 'UnknownProperty' | 'InvalidType' | 'InvalidEnumValue' | 'InvalidValue';
  readonly message: string;
}

interface Walk {
  readonly model: MachineLearningModel;
  readonly violations: Violation[];
}

/** Every way `value` breaks the model's class `className` (none: it is valid). */
export function validateBody(model: MachineLearningModel, className: string, value: unknown): Violation[] {
  const w: Walk = { model, violations: [] };
  walkComposite(w, className, value, '');
  return w.violations;
}

/** The class and property a value belongs to, for its enum. */
interface Owner {
  readonly className: string;
  readonly property: string;
}

function walk(w: Walk, mapper: Mapper, value: unknown, at: string, owner?: Owner): void {
  const { type } = mapper;
  switch (type.name) {
    case 'Composite':
      return walkComposite(w, type.className!, value, at);
    case 'Dictionary':
      if (!isObject(value)) return wrongType(w, at, 'an object (a map)', value);
      for (const [key, entry] of Object.entries(value)) walkEntry(w, type.value!, entry, `${at}.${key}`);
      return;
    case 'Sequence':
      if (!Array.isArray(value)) return wrongType(w, at, 'an array', value);
      value.forEach((entry: unknown, i) => walkEntry(w, type.element!, entry, `${at}[${i}]`));
      return;
    default:
      return walkScalar(w, mapper, value, at, owner);
  }
}

function walkEntry(w: Walk, mapper: Mapper, value: unknown, at: string): void {
  if (value === null || value === undefined) {
    if (!mapper.nullable) w.violations.push({ target: at, code: 'InvalidValue', message: `'${at}' must not be null.` });
    return;
  }
  walk(w, mapper, value, at);
}

function walkComposite(w: Walk, className: string, value: unknown, at: string): void {
  if (!isObject(value)) return wrongType(w, at || 'the request body', 'an object', value);
  const resolved = concreteClass(w, className, value, at);
  if (!resolved) return;
  const properties = Object.entries(resolved.type.modelProperties ?? {});
  const byWireName = new Map(properties.map(([name, m]) => [m.serializedName ?? name, { name, m }]));
  const concreteName = resolved.type.className!;
  for (const key of Object.keys(value)) {
    if (byWireName.has(key)) continue;
    const known = [...byWireName.keys()].join(', ');
    w.violations.push({
      target: join(at, key),
      code: 'UnknownProperty',
      message: `'${join(at, key)}' is not a property of ${concreteName} (its properties: ${known}).`,
    });
  }
  for (const [wireName, { name, m }] of byWireName) {
    if (m.readOnly) continue;
    const member = value[wireName];
    const memberAt = join(at, wireName);
    if (member === undefined || member === null) {
      if (m.required) {
        w.violations.push({
          target: memberAt,
          code: 'RequiredPropertyMissing',
          message: `'${memberAt}' is required (${concreteName}.${name} in api-version ${w.model.apiVersion}).`,
        });
      }
      continue;
    }
    walk(w, m, member, memberAt, { className: concreteName, property: name });
  }
}

/** The class itself, or the subclass its discriminator names; undefined (with a violation) when it names none. */
function concreteClass(w: Walk, className: string, value: Record<string, unknown>, at: string): Mapper | undefined {
  const base = w.model.mapper(className);
  const discriminator = base.type.polymorphicDiscriminator?.serializedName;
  if (!discriminator) return base;
  const named = value[discriminator];
  // A missing discriminator is reported as the required property it is.
  if (typeof named !== 'string') return base;
  if (base.serializedName === named) return base;
  const sub = w.model.subclass(className, named);
  if (sub) return sub;
  const target = join(at, discriminator);
  const known = w.model.discriminatorValues(className);
  w.violations.push({
    target,
    code: 'InvalidEnumValue',
    message: `'${target}' is '${named}': ${className} has the kinds ${known.join(', ')}.`,
  });
  return undefined;
}

const SCALAR_TYPES: Readonly<Record<string, { expected: string; holds: (v: unknown) => boolean }>> = {
  String: { expected: 'a string', holds: (v) => typeof v === 'string' },
  Number: { expected: 'a number', holds: (v) => typeof v === 'number' && Number.isFinite(v) },
  Boolean: { expected: 'true or false', holds: (v) => typeof v === 'boolean' },
  DateTime: {
    expected: 'an ISO 8601 date and time',
    holds: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
  },
  TimeSpan: { expected: 'an ISO 8601 duration (PT30M)', holds: (v) => typeof v === 'string' && isDuration(v) },
  Uuid: {
    expected: 'a UUID',
    holds: (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  },
  any: { expected: 'a value', holds: () => true },
};

function walkScalar(w: Walk, mapper: Mapper, value: unknown, at: string, owner?: Owner): void {
  const { type } = mapper;
  if (type.name === 'Enum') {
    if (!type.allowedValues!.includes(value)) {
      w.violations.push({
        target: at,
        code: 'InvalidEnumValue',
        message: `'${at}' is ${JSON.stringify(value)}: expected one of ${type.allowedValues!.join(', ')}.`,
      });
    }
    return;
  }
  const scalar = SCALAR_TYPES[type.name];
  if (!scalar) throw new Error(`the Azure ML model has a type the emulator does not know: ${type.name} at ${at}`);
  if (!scalar.holds(value)) return wrongType(w, at, scalar.expected, value);
  const values = owner && typeof value === 'string' ? w.model.enumValues(owner.className, owner.property) : undefined;
  // Azure ML reads its enums without regard to case, as .NET's enum converter does.
  if (values && !values.some((v) => v.toLowerCase() === (value as string).toLowerCase())) {
    w.violations.push({
      target: at,
      code: 'InvalidEnumValue',
      message: `'${at}' is '${value as string}': expected one of ${values.join(', ')}.`,
    });
    return;
  }
  checkConstraints(w, mapper, value, at);
}

function checkConstraints(w: Walk, mapper: Mapper, value: unknown, at: string): void {
  const c = mapper.constraints;
  if (!c) return;
  const fail = (rule: string) =>
    w.violations.push({ target: at, code: 'InvalidValue', message: `'${at}' is ${JSON.stringify(value)}: ${rule}.` });
  if (typeof value === 'string') {
    // Unanchored, as the API's patterns are written and core-client applies them.
    if (c.Pattern && !c.Pattern.test(value)) fail(`it must match the pattern ${c.Pattern.source}`);
    if (c.MinLength !== undefined && value.length < c.MinLength) fail(`it must be at least ${c.MinLength} long`);
    if (c.MaxLength !== undefined && value.length > c.MaxLength) fail(`it must be at most ${c.MaxLength} long`);
  }
  if (typeof value === 'number') {
    if (c.InclusiveMinimum !== undefined && value < c.InclusiveMinimum) fail(`it must be >= ${c.InclusiveMinimum}`);
    if (c.InclusiveMaximum !== undefined && value > c.InclusiveMaximum) fail(`it must be <= ${c.InclusiveMaximum}`);
    if (c.ExclusiveMinimum !== undefined && value <= c.ExclusiveMinimum) fail(`it must be > ${c.ExclusiveMinimum}`);
    if (c.ExclusiveMaximum !== undefined && value >= c.ExclusiveMaximum) fail(`it must be < ${c.ExclusiveMaximum}`);
  }
}

/** ISO 8601 durations as .NET's XmlConvert reads a TimeSpan: P[nD][T[nH][nM][n[.n]S]] (and weeks). */
export function isDuration(text: string): boolean {
  return /^-?P(?=\d|T\d)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/.test(text);
}

function wrongType(w: Walk, at: string, expected: string, value: unknown): void {
  w.violations.push({
    target: at,
    code: 'InvalidType',
    message: `'${at}' must be ${expected}, not ${describe(value)}.`,
  });
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

const join = (at: string, key: string) => (at ? `${at}.${key}` : key);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
