// Azure ML's own model of its REST API, as the request validation of the Azure ML emulator: the
// mappers `@azure/arm-machinelearning` ships (dist-esm/src/models/mappers.js: every class with its
// wire names, required and read-only properties, JSON types, polymorphic discriminators and
// constraints), its URL parameters (parameters.js: the name patterns) and its `Known*` enums, tied
// to the properties they describe through the package's own type declarations (a property typed
// `InputDeliveryMode` takes the values of `KnownInputDeliveryMode`). Read once, at run time, from
// the installed package: the emulator follows the client's API version without a hand-kept copy.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Constraints {
  readonly Pattern?: RegExp;
  readonly MinLength?: number;
  readonly MaxLength?: number;
  readonly InclusiveMinimum?: number;
  readonly InclusiveMaximum?: number;
  readonly ExclusiveMinimum?: number;
  readonly ExclusiveMaximum?: number;
  readonly MinItems?: number;
  readonly MaxItems?: number;
}

export interface Mapper {
  readonly serializedName?: string;
  readonly required?: boolean;
  readonly readOnly?: boolean;
  readonly nullable?: boolean;
  readonly constraints?: Constraints;
  readonly type: MapperType;
}

export interface MapperType {
  readonly name: string;
  readonly className?: string;
  readonly modelProperties?: Readonly<Record<string, Mapper>>;
  readonly uberParent?: string;
  readonly polymorphicDiscriminator?: { readonly serializedName: string };
  readonly element?: Mapper;
  readonly value?: Mapper;
  readonly allowedValues?: readonly unknown[];
}

export interface MachineLearningModel {
  /** The API version the package speaks (and the emulator serves): "2022-10-01". */
  readonly apiVersion: string;
  /** A class's mapper by its name ("CommandJob"); an unknown name throws. */
  mapper(className: string): Mapper;
  /** The subclass a discriminator value picks ("JobBaseProperties" + "Command" -> CommandJob), if any. */
  subclass(className: string, discriminatorValue: string): Mapper | undefined;
  /** Every discriminator value a polymorphic class takes. */
  discriminatorValues(className: string): readonly string[];
  /** The values a property of a class takes when its type is one of the package's Known* enums. */
  enumValues(className: string, property: string): readonly string[] | undefined;
  /** A URL parameter's mapper as the package's parameters.js has it ("id1", "name1"). */
  parameter(name: string): Mapper;
}

const PACKAGE = '@azure/arm-machinelearning';

let loading: Promise<MachineLearningModel> | undefined;

/** The model of the installed package, read once. */
export function loadMachineLearningModel(): Promise<MachineLearningModel> {
  loading ??= readModel();
  return loading;
}

async function readModel(): Promise<MachineLearningModel> {
  const mappers = (await importModels('mappers.js')) as Record<string, unknown>;
  const parameters = (await importModels('parameters.js')) as Record<string, { mapper: Mapper }>;
  const runtime = createRequire(__filename)(PACKAGE) as Record<string, unknown>;
  const concrete = Object.values(mappers).filter(
    (m): m is Mapper => typeof m === 'object' && m !== null && 'serializedName' in m && 'type' in m,
  );
  const declarations = parseInterfaces(readDeclarations());
  const apiVersion = String((parameters.apiVersion!.mapper as { defaultValue?: unknown }).defaultValue);

  const mapper = (className: string): Mapper => {
    const found = mappers[className] as Mapper | undefined;
    if (!found?.type) throw new Error(`${PACKAGE} has no model class ${className}`);
    return found;
  };
  return {
    apiVersion,
    mapper,
    subclass: (className, value) => subclassesOf(concrete, mapper(className)).find((m) => m.serializedName === value),
    discriminatorValues: (className) => subclassesOf(concrete, mapper(className)).map((m) => m.serializedName!),
    enumValues: (className, property) => {
      const typeName = propertyType(declarations, className, property);
      const known = typeName ? runtime[`Known${typeName}`] : undefined;
      return known && typeof known === 'object' ? Object.values(known as Record<string, string>) : undefined;
    },
    parameter: (name) => {
      const found = parameters[name];
      if (!found) throw new Error(`${PACKAGE} has no URL parameter ${name}`);
      return found.mapper;
    },
  };
}

/**
 * The classes a polymorphic base stands for: those named by a discriminator value (their
 * serializedName) that have every property of the base. Found this way rather than through the
 * package's `discriminators` table, which files some under an intermediate class
 * ("AssetJobInput.uri_folder"), so that core-client itself falls back to the base class for them.
 */
function subclassesOf(concrete: readonly Mapper[], base: Mapper): Mapper[] {
  const baseProperties = Object.keys(base.type.modelProperties ?? {});
  return concrete.filter((m) => {
    const properties = m.type.modelProperties ?? {};
    if (m.type.name !== 'Composite' || m.type.uberParent === undefined || m.type.className === base.type.className) {
      return false;
    }
    return baseProperties.every((p) => Object.hasOwn(properties, p));
  });
}

/** One of the package's ES module files of models (the CommonJS bundle keeps its mappers to itself). */
function importModels(file: string): Promise<unknown> {
  const resolved = createRequire(__filename).resolve(`${PACKAGE}/dist-esm/src/models/${file}`);
  return import(pathToFileURL(resolved).href);
}

function readDeclarations(): string {
  const entry = createRequire(__filename).resolve(PACKAGE);
  const root = entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`));
  return readFileSync(path.join(root, 'types', 'arm-machinelearning.d.ts'), 'utf8');
}

interface Declaration {
  readonly bases: readonly string[];
  readonly properties: ReadonlyMap<string, string>;
}

/** `export declare interface X extends A, B { name?: Type; ... }` blocks: each property's declared type name. */
function parseInterfaces(source: string): Map<string, Declaration> {
  const interfaces = new Map<string, Declaration>();
  const header = /^export declare interface (\w+)(?: extends ([\w, ]+))? \{$/gm;
  for (let match = header.exec(source); match; match = header.exec(source)) {
    const end = source.indexOf('\n}', match.index);
    const body = source.slice(match.index + match[0].length, end);
    const properties = new Map<string, string>();
    for (const line of body.matchAll(/^ {4}(?:readonly )?(\w+)\??: (\w+);$/gm)) properties.set(line[1]!, line[2]!);
    const bases = (match[2] ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    interfaces.set(match[1]!, { bases, properties });
  }
  return interfaces;
}

function propertyType(interfaces: Map<string, Declaration>, className: string, property: string): string | undefined {
  const declaration = interfaces.get(className);
  if (!declaration) return undefined;
  return (
    declaration.properties.get(property) ??
    declaration.bases.map((base) => propertyType(interfaces, base, property)).find((t) => t !== undefined)
  );
}
