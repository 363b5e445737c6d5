// AWS's official API models as the request validation of the strict AWS fakes. Debian's
// python3-botocore ships the models botocore itself is generated from (one service-2.json per
// service and API version). A request is checked as AWS's front end checks it: first it must
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
  hasOperation(operation: string): boolean;
  /** undefined when the input is valid; else the error AWS answers (type and message in AWS's own wording). */
  validate(operation: string, input: unknown): AwsRequestError | undefined;
  /** A shape's JSON as the model has it (e.g. an enum of instance types); an unknown name throws. */
  shape(name: string): unknown;
}

/** Where Debian's python3-botocore puts the models. */
export const BOTOCORE_DATA = '/usr/lib/python3/dist-packages/botocore/data';

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

function withLaterMembers(service: AwsModelService, model: BotocoreModel): BotocoreModel {
  const shapes: Record<string, ModelShape> = { ...model.shapes };
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

/** The installed model of `service` (read once per process); a missing package is an error naming the fix. */
export function loadServiceModel(service: AwsModelService, dataDir: string = BOTOCORE_DATA): ServiceModel {
  const cacheKey = `${dataDir}\0${service}`;
  let model = loaded.get(cacheKey);
  if (!model) {
    model = serviceModel(service, withLaterMembers(service, readModel(service, dataDir)));
    loaded.set(cacheKey, model);
  }
  return model;
}

function serviceModel(service: AwsModelService, model: BotocoreModel): ServiceModel {
  const shapeOf = (name: string): ModelShape => {
    const shape = model.shapes[name];
    if (!shape) throw new Error(`AWS's ${service} model (${model.metadata.apiVersion}) has no shape named ${name}.`);
    return shape;
  };
  return {
    service,
    apiVersion: model.metadata.apiVersion,
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

function readModel(service: AwsModelService, dataDir: string): BotocoreModel {
  const dir = path.join(dataDir, service);
  // Newest API version first; botocore compresses the models in later releases.
  const versions = existsSync(dir) ? readdirSync(dir).filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v)) : [];
  for (const version of versions.sort().reverse()) {
    for (const name of ['service-2.json', 'service-2.json.gz']) {
      const file = path.join(dir, version, name);
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      return JSON.parse((name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as BotocoreModel;
    }
  }
  throw new Error(
    `AWS's API model for ${service} is not installed (no ${dir}/<version>/service-2.json): the strict AWS fakes ` +
      "validate requests against AWS's official models, which Debian's python3-botocore package ships. " +
      'Install it with `bash scripts/setup-system.sh` (as root).',
  );
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
