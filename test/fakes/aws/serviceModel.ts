// AWS's official API models as the request validation of the strict AWS fakes: the models
// Debian's python3-botocore ships (one service-2.json per service and API version; from 2022, so
// the few members and limits AWS changed since that stepops relies on are added below, each
// with its source). A request is checked as
// AWS's front end checks it: first it must
// deserialize into the operation's input shape (known members only, each of its shape's JSON
// type), then every constraint of the model is checked (required, enum, pattern, lengths, list
// and map sizes, ranges) and all violations are answered at once, in AWS's wording:
//   1 validation error detected: Value 'x_y' at 'trainingJobName' failed to satisfy constraint: ...
// Paths use lower-camel member names joined by '.', list entries as `.N.member` (1-based), as AWS
// writes them. Where AWS answers in another shape (ECR's InvalidParameterException), the
// service's own style is used.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TrainingInstanceType } from '@aws-sdk/client-sagemaker';
import { type Violation, validateInput } from './modelWalk';

export type AwsModelService = 'sagemaker' | 'logs' | 'ecr';

export interface AwsRequestError {
  readonly type: string;
  readonly message: string;
}

export interface ServiceModel {
  readonly service: AwsModelService;
  /** The model's API version, e.g. "2017-07-24". */
  readonly apiVersion: string;
  /** The file the model was read from. */
  readonly source: string;
  hasOperation(operation: string): boolean;
  /** undefined when the input is valid; else the error AWS answers (type and message in AWS's own wording). */
  validate(operation: string, input: unknown): AwsRequestError | undefined;
  /** A shape's JSON as the model has it (e.g. an enum of instance types); an unknown name throws. */
  shape(name: string): unknown;
}

/** Where Debian's python3-botocore puts the models: DIR/<service>/<version>/service-2.json. */
export const BOTOCORE_DATA = '/usr/lib/python3/dist-packages/botocore/data';
/** Where models are looked for, the first found wins. */
export const MODEL_SOURCES: readonly string[] = [BOTOCORE_DATA];

export interface ModelShape {
  readonly type: string;
  readonly members?: Readonly<Record<string, { readonly shape: string }>>;
  readonly required?: readonly string[];
  readonly member?: { readonly shape: string };
  readonly key?: { readonly shape: string };
  readonly value?: { readonly shape: string };
  readonly enum?: readonly string[];
  readonly pattern?: string;
  readonly min?: number;
  readonly max?: number;
}

interface BotocoreModel {
  readonly metadata: { readonly apiVersion: string };
  readonly operations: Readonly<Record<string, { readonly input?: { readonly shape: string } }>>;
  readonly shapes: Readonly<Record<string, ModelShape>>;
}

interface LaterMember {
  readonly shapeName: string;
  readonly shape: ModelShape;
}

/**
 * Members AWS added after the model Debian ships (botocore 1.29.27, December 2022) that stepops
 * sends, as the SDK's own types declare them (@aws-sdk/client-sagemaker: OutputDataConfig's
 * CompressionType is an OutputCompressionType, GZIP or NONE). Added only where the installed model
 * lacks them, so a newer model always wins. Keep this to what stepops needs, each with its source.
 */
const LATER_MEMBERS: Partial<Record<AwsModelService, Record<string, Record<string, LaterMember>>>> = {
  sagemaker: {
    OutputDataConfig: {
      CompressionType: { shapeName: 'OutputCompressionType', shape: { type: 'string', enum: ['GZIP', 'NONE'] } },
    },
  },
};

/**
 * Limits AWS raised after that model: SageMaker's training Environment takes 100 variables now
 * (48 in 2022; the CreateTrainingJob API reference: "Maximum number of 100 items"). Applied only
 * where the installed model's limit is lower.
 */
const RAISED_LIMITS: Partial<Record<AwsModelService, Record<string, { readonly max: number }>>> = {
  sagemaker: { TrainingEnvironmentMap: { max: 100 } },
};

/**
 * Enum values AWS added after that model, taken from the enums the installed SDK declares (which
 * the SDK generates from AWS's current Smithy model): training instance types such as ml.g6.* and
 * ml.p5.*, which SageMaker takes and a 2022 model would refuse. The union, so a value is never lost.
 */
const LATER_ENUM_VALUES: Partial<Record<AwsModelService, Record<string, () => readonly string[]>>> = {
  sagemaker: { TrainingInstanceType: () => Object.values(TrainingInstanceType) },
};

function withLaterMembers(service: AwsModelService, model: BotocoreModel): BotocoreModel {
  const shapes: Record<string, ModelShape> = { ...model.shapes };
  for (const [name, values] of Object.entries(LATER_ENUM_VALUES[service] ?? {})) {
    const shape = shapes[name];
    if (shape?.enum) shapes[name] = { ...shape, enum: [...new Set([...shape.enum, ...values()])] };
  }
  for (const [name, { max }] of Object.entries(RAISED_LIMITS[service] ?? {})) {
    const shape = shapes[name];
    if (shape && (shape.max ?? 0) < max) shapes[name] = { ...shape, max };
  }
  for (const [structure, members] of Object.entries(LATER_MEMBERS[service] ?? {})) {
    const known = shapes[structure]?.members ?? {};
    for (const [member, { shapeName, shape }] of Object.entries(members)) {
      if (Object.hasOwn(known, member)) continue;
      shapes[shapeName] ??= shape;
      shapes[structure] = {
        ...shapes[structure]!,
        members: { ...shapes[structure]!.members, [member]: { shape: shapeName } },
      };
    }
  }
  return { ...model, shapes };
}

/** How each service words a request that breaks the model's constraints. */
const ANSWER: Record<AwsModelService, (violations: readonly Violation[]) => AwsRequestError> = {
  sagemaker: (violations) => coralAnswer('ValidationException', violations),
  logs: (violations) => coralAnswer('InvalidParameterException', violations),
  ecr: ([first]) => ecrAnswer(first!),
};

const loaded = new Map<string, ServiceModel>();

/** The model of `service` from the first of `sources` that has it (read once per process); none is an error naming the fix. */
export function loadServiceModel(service: AwsModelService, sources: readonly string[] = MODEL_SOURCES): ServiceModel {
  const cacheKey = `${sources.join('\0')}\0${service}`;
  let model = loaded.get(cacheKey);
  if (!model) {
    const { file, json } = readModel(service, sources);
    model = serviceModel(service, file, withLaterMembers(service, json));
    loaded.set(cacheKey, model);
  }
  return model;
}

function serviceModel(service: AwsModelService, source: string, model: BotocoreModel): ServiceModel {
  const shapeOf = (name: string): ModelShape => {
    const shape = model.shapes[name];
    if (!shape) throw new Error(`AWS's ${service} model (${model.metadata.apiVersion}) has no shape named ${name}.`);
    return shape;
  };
  return {
    service,
    apiVersion: model.metadata.apiVersion,
    source,
    hasOperation: (operation) => Object.hasOwn(model.operations, operation),
    shape: shapeOf,
    validate(operation, input) {
      const op = Object.hasOwn(model.operations, operation) ? model.operations[operation] : undefined;
      if (!op) return { type: 'UnknownOperationException', message: `Unknown operation ${operation}` };
      const outcome = validateInput(shapeOf, op.input?.shape, input);
      if (outcome.kind === 'malformed') return { type: 'SerializationException', message: outcome.message };
      return outcome.violations.length ? ANSWER[service](outcome.violations) : undefined;
    },
  };
}

/** The model files `sources` hold for `service`, newest first: DIR/<service>/<version>/service-2.json(.gz). */
export function modelFiles(service: AwsModelService, sources: readonly string[]): string[] {
  const files: string[] = [];
  for (const dir of sources) {
    const versionsDir = path.join(dir, service);
    // Newest API version first; botocore compresses its models in later releases.
    const versions = existsSync(versionsDir)
      ? readdirSync(versionsDir).filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v))
      : [];
    for (const version of versions.sort().reverse()) {
      for (const name of ['service-2.json', 'service-2.json.gz']) {
        const file = path.join(versionsDir, version, name);
        if (existsSync(file)) files.push(file);
      }
    }
  }
  return files;
}

function readModel(service: AwsModelService, sources: readonly string[]): { file: string; json: BotocoreModel } {
  const [file] = modelFiles(service, sources);
  if (!file) {
    throw new Error(
      `AWS's API model for ${service} is not installed (looked for ${sources.map((d) => `${d}/${service}.json`).join(', ')} ` +
        `and ${sources.map((d) => `${d}/${service}/<version>/service-2.json`).join(', ')}): the strict AWS fakes ` +
        "validate requests against AWS's official models, which Debian's python3-botocore package ships. " +
        'Install it with `bash scripts/setup-system.sh` (as root).',
    );
  }
  const bytes = readFileSync(file);
  return {
    file,
    json: JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as BotocoreModel,
  };
}

/** Java's rendering of a value, as AWS's messages quote it: [a, b] for lists, {k=v} for maps. */
function javaText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(javaText).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${javaText(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

const quoted = (value: unknown) => (value === null || value === undefined ? 'null' : `'${javaText(value)}'`);

function coralAnswer(type: string, violations: readonly Violation[]): AwsRequestError {
  const n = violations.length;
  const each = violations.map(
    (v) => `Value ${quoted(v.value)} at '${v.path}' failed to satisfy constraint: ${v.constraint}`,
  );
  return { type, message: `${n} validation error${n === 1 ? '' : 's'} detected: ${each.join('; ')}` };
}

/**
 * ECR answers the first violation only, as InvalidParameterException, with the constraint in
 * quotes and without "Member": 'must satisfy regular expression '...'', 'must have length ...'.
 */
function ecrAnswer(violation: Violation): AwsRequestError {
  const pattern = /^Member must satisfy regular expression pattern: (.*)$/s.exec(violation.constraint);
  const constraint = pattern
    ? `must satisfy regular expression '${pattern[1]}'`
    : violation.constraint.replace(/^Member (must (?!satisfy constraint))/, '$1');
  return {
    type: 'InvalidParameterException',
    message: `Invalid parameter at '${violation.path}' failed to satisfy constraint: '${constraint}'`,
  };
}
