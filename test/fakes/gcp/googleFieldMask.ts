// Response field masks, as Google's front end applies them to every API: the `fields` (or
// `$fields`) system parameter, or the X-Goog-FieldMask header, names the fields the answer keeps
// ("nextPageToken,entries(insertId,timestamp)", "entries.resource.labels", "*"). Paths are
// checked against the response message's .proto: a name the message does not have is refused
// (INVALID_ARGUMENT), and so is a path into a field that is not a message of its own (a map, a
// Struct, a Timestamp: their JSON is not a message's). What is kept is named by JSON name; proto
// names are read too. The error wording is this fake's; Google's names the path the same way.
import type http from 'node:http';
import type * as Protobuf from 'protobufjs';
import { jsonName } from './protoModel';

export class FieldMaskError extends Error {}

/** What a mask keeps of one message: everything, or some fields (by JSON name), each with its own selection. */
export type FieldSelection = 'all' | ReadonlyMap<string, FieldSelection>;

/** The mask a request carries, if any: the header first, then the system parameter. */
export function requestedFieldMask(req: http.IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-goog-fieldmask'];
  const value =
    (Array.isArray(header) ? header.join(',') : header) ??
    url.searchParams.get('$fields') ??
    url.searchParams.get('fields');
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

/** Parses `mask` against the response message `type`. */
export function parseFieldMask(mask: string, type: Protobuf.Type): FieldSelection {
  const reader = { text: mask.replace(/\s+/g, ''), at: 0 };
  const selection = readList(reader, type, '');
  if (reader.at < reader.text.length)
    throw new FieldMaskError(
      `Invalid field mask "${mask}": unexpected "${reader.text[reader.at]}" at ${reader.at + 1}.`,
    );
  return selection;
}

/** The reply with only the selected fields (lists element by element). */
export function applyFieldMask(value: unknown, selection: FieldSelection): unknown {
  if (selection === 'all') return value;
  if (Array.isArray(value)) return value.map((item) => applyFieldMask(item, selection));
  if (typeof value !== 'object' || value === null) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, inner] of selection) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) kept[key] = applyFieldMask(field, inner);
  }
  return kept;
}

interface Reader {
  readonly text: string;
  at: number;
}

/** path (',' path)*, merged: "a.b,a.c" keeps both of a's fields. */
function readList(reader: Reader, type: Protobuf.Type, prefix: string): FieldSelection {
  let selection = readPath(reader, type, prefix);
  while (reader.text[reader.at] === ',') {
    reader.at++;
    selection = merge(selection, readPath(reader, type, prefix));
  }
  return selection;
}

/** '*' | name (('.' | '/') name)* ['(' list ')'] */
function readPath(reader: Reader, type: Protobuf.Type, prefix: string): FieldSelection {
  if (reader.text[reader.at] === '*') {
    reader.at++;
    return 'all';
  }
  const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(reader.text.slice(reader.at))?.[0];
  const where = `${prefix}${name ?? ''}`;
  if (!name)
    throw new FieldMaskError(`Invalid field mask: a field name was expected at ${reader.at + 1} ("${reader.text}").`);
  reader.at += name.length;
  const field = type.fields[name] ?? Object.values(type.fields).find((f) => jsonName(f) === name);
  if (!field) throw new FieldMaskError(`Invalid field mask path "${where}": ${type.name} has no field "${name}".`);
  const next = reader.text[reader.at];
  let inner: FieldSelection = 'all';
  if (next === '.' || next === '/' || next === '(') {
    const nested = messageOf(field, where);
    reader.at++;
    if (next === '(') {
      inner = readList(reader, nested, `${where}.`);
      if (reader.text[reader.at] !== ')')
        throw new FieldMaskError(`Invalid field mask: ")" expected at ${reader.at + 1} ("${reader.text}").`);
      reader.at++;
    } else {
      inner = readPath(reader, nested, `${where}.`);
    }
  }
  return new Map([[jsonName(field), inner]]);
}

/** The message a path goes into: not a map, nor a well-known type (their JSON has no fields). */
function messageOf(field: Protobuf.Field, where: string): Protobuf.Type {
  const resolved = field.resolve().resolvedType;
  const isMessage = resolved && 'fields' in resolved && !resolved.fullName.startsWith('.google.protobuf.');
  if (field.map || !isMessage)
    throw new FieldMaskError(`Invalid field mask path "${where}": it has no subfields to select.`);
  return resolved as Protobuf.Type;
}

function merge(a: FieldSelection, b: FieldSelection): FieldSelection {
  if (a === 'all' || b === 'all') return 'all';
  const merged = new Map(a);
  for (const [key, inner] of b) merged.set(key, merged.has(key) ? merge(merged.get(key)!, inner) : inner);
  return merged;
}
