// Live logs of a custom job from Cloud Logging: entries.list for
// resource.type="ml_job" AND resource.labels.job_id="ID", oldest first, read from a moving
// timestamp cursor (`timestamp>="T"`, so the client library's default 24-hour window never
// applies and a long job's early lines are not lost), paged, each page a batch, each next page
// asked for as soon as a page arrives (Cloud Logging builds it while this one's lines are
// written). Cloud Logging ingests lines late and not always in order, so T trails the newest line
// delivered by a lag window and the cursor remembers the insertIds delivered since T: a line that
// shows up late inside the window is delivered then, once; nothing is repeated. The cursor is that
// state, so a reattach resumes without repeats. Each call is retried on its own (quota, 5xx,
// dropped connections) with capped, jittered backoff, and after the job ends the tail keeps
// reading for a while, since ingestion lags.
import type { google } from '@google-cloud/logging/build/protos/protos';
import { pollingTail } from '../../../operators/logTail';
import { Backoff, pagesAhead, retrying } from '../../../operators/polling';
import type { LogBatch, LogCursor, LogLine } from '../../../operators/stepOperator';
import { isRetryableGoogleError } from '../errors';

type LogEntry = google.logging.v2.ILogEntry;
type Timestamp = google.protobuf.ITimestamp;

export interface ListEntriesRequest {
  readonly resourceNames: readonly string[];
  readonly filter: string;
  readonly orderBy: 'timestamp asc';
  readonly pageSize: number;
  readonly pageToken?: string;
  /**
   * The LogEntry fields the tail reads (JSON names, paths with dots): the answer need carry no
   * others. A full entry is about three times the bytes, and decoding it most of a call's cost.
   */
  readonly entryFields: readonly string[];
}

export interface EntriesPage {
  readonly entries: readonly LogEntry[];
  readonly nextPageToken?: string | null;
}

/** One entries.list call (the client's, or anything speaking its shapes). */
export type ListEntries = (request: ListEntriesRequest, signal?: AbortSignal) => Promise<EntriesPage>;

export interface CloudLoggingCursor {
  readonly v: 1;
  /** The `timestamp>=` bound, RFC 3339 with nanoseconds. */
  readonly from: string;
  /** insertIds delivered at or after `from`, by their timestamp. */
  readonly seen: Readonly<Record<string, readonly string[]>>;
}

export interface TailWindow {
  /** How far `from` trails the newest line delivered, for lines ingested late. */
  readonly lagWindowMs: number;
  /** At most this many insertIds kept; past it the window shrinks (the cursor stays small). */
  readonly maxSeen: number;
}

const RETRY_BASE_MS = 1000;

export const DEFAULT_WINDOW: TailWindow = { lagWindowMs: 10_000, maxSeen: 2_000 };

export interface CloudLoggingTailOptions {
  readonly project: string;
  /** The custom job's numeric id. */
  readonly jobId: string;
  /** When the job was created: where a tail without a cursor starts. */
  readonly since: string;
  /** Name each line's replica (workerpool0-0, workerpool1-0...): only jobs with several have them. */
  readonly multiReplica: boolean;
  readonly jobEnded: () => Promise<boolean>;
  /** When the job ended (epoch ms), once known: the settling time counts from then. */
  readonly endTime?: () => number | undefined;
  readonly pollMs: number;
  /** After the job ended: keep reading at least this long for lines ingested late. */
  readonly settleMs?: number;
  readonly quietRoundsToEnd?: number;
  readonly window?: TailWindow;
  readonly pageSize?: number;
  /** The first retry's wait bound after a failed call (doubling up to 20 s). */
  readonly retryBaseMs?: number;
  readonly signal?: AbortSignal;
}

export function tailCloudLogging(
  list: ListEntries,
  from: LogCursor | undefined,
  options: CloudLoggingTailOptions,
): AsyncIterable<LogBatch> {
  let cursor = parseCloudLoggingCursor(from, options.since);
  const window = options.window ?? DEFAULT_WINDOW;
  // Its own base, not the poll interval: a dropped connection is worth a quick second try, and
  // repeated quota answers still grow the wait to the cap.
  const backoff = new Backoff(options.retryBaseMs ?? RETRY_BASE_MS);
  async function* readRound(): AsyncIterable<LogBatch> {
    // One filter for the whole round: page tokens belong to the filter they were issued for.
    const filter = loggingFilter(options.jobId, cursor);
    const fetchPage = (pageToken: string | undefined) => {
      const request: ListEntriesRequest = {
        resourceNames: [`projects/${options.project}`],
        filter,
        orderBy: 'timestamp asc',
        pageSize: options.pageSize ?? 1000,
        ...(pageToken ? { pageToken } : {}),
        entryFields: entryFields(options.multiReplica),
      };
      return retrying(() => list(request, options.signal), backoff, isRetryableGoogleError, options.signal);
    };
    const nextToken = (page: EntriesPage) => (options.signal?.aborted ? undefined : page.nextPageToken || undefined);
    for await (const page of pagesAhead(fetchPage, nextToken)) {
      const taken = takeEntries(page.entries, cursor, { multiReplica: options.multiReplica, window });
      cursor = taken.cursor;
      yield { lines: taken.lines, cursor: JSON.stringify(cursor) };
    }
  }
  return pollingTail({
    readRound,
    jobEnded: options.jobEnded,
    isRetryable: isRetryableGoogleError,
    pollMs: options.pollMs,
    settleMs: options.settleMs ?? 10_000,
    ...(options.endTime ? { endTime: options.endTime } : {}),
    ...(options.quietRoundsToEnd !== undefined ? { quietRoundsToEnd: options.quietRoundsToEnd } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export function parseCloudLoggingCursor(cursor: LogCursor | undefined, since: string): CloudLoggingCursor {
  if (!cursor) return { v: 1, from: rfc3339(since), seen: {} };
  let value: CloudLoggingCursor;
  try {
    value = JSON.parse(cursor) as CloudLoggingCursor;
  } catch {
    throw new Error(`Not a Vertex AI log cursor: ${cursor}`);
  }
  if (value?.v !== 1 || typeof value.from !== 'string' || typeof value.seen !== 'object') {
    throw new Error(`Not a Vertex AI log cursor: ${cursor}`);
  }
  return value;
}

export function loggingFilter(jobId: string, cursor: CloudLoggingCursor): string {
  return `resource.type="ml_job" AND resource.labels.job_id="${jobId}" AND timestamp>="${cursor.from}"`;
}

/**
 * A page's entries as lines, skipping those already delivered, and the cursor after them. Every
 * entry delivered at or after the cursor's `from` stays in `seen`; `from` only moves forward.
 */
export function takeEntries(
  entries: readonly LogEntry[],
  cursor: CloudLoggingCursor,
  options: { readonly multiReplica: boolean; readonly window: TailWindow },
): { lines: LogLine[]; cursor: CloudLoggingCursor } {
  const seen = new Map(Object.entries(cursor.seen).map(([time, ids]) => [time, new Set(ids)]));
  const lines: LogLine[] = [];
  for (const entry of entries) {
    const time = entryTime(entry.timestamp);
    const id = entry.insertId ?? '';
    if (!time || time < cursor.from || seen.get(time)?.has(id)) continue;
    if (!seen.has(time)) seen.set(time, new Set());
    seen.get(time)!.add(id);
    lines.push(entryLine(entry, time, options.multiReplica));
  }
  return { lines, cursor: windowed(cursor.from, seen, options.window) };
}

/** `from` moved up to (newest - lag), older insertIds dropped, and the set kept within its cap. */
function windowed(from: string, seen: Map<string, Set<string>>, window: TailWindow): CloudLoggingCursor {
  const times = [...seen.keys()].sort();
  const newest = times.at(-1);
  let start = newest ? maxTime(from, shiftedTime(newest, -window.lagWindowMs)) : from;
  let first = times.findIndex((t) => t >= start);
  if (first === -1) first = times.length;
  let count = 0;
  for (let i = first; i < times.length; i++) count += seen.get(times[i]!)!.size;
  // Whole timestamps are dropped, oldest first, and `from` moves to the oldest kept: every id at
  // or after `from` is still known, so nothing is delivered twice. (One pass: a page of a busy
  // job drops a thousand timestamps at a time.)
  const firstKept = first;
  while (count > window.maxSeen && times.length - first > 1) count -= seen.get(times[first++]!)!.size;
  if (first > firstKept) start = times[first]!;
  // Assigned one by one: Object.fromEntries of two thousand timestamp keys took 12 ms a page.
  const kept: Record<string, string[]> = {};
  for (let i = first; i < times.length; i++) kept[times[i]!] = [...seen.get(times[i]!)!];
  return { v: 1, from: start, seen: kept };
}

/** What takeEntries reads of an entry (the replica's name only where there are several). */
export function entryFields(multiReplica: boolean): string[] {
  const fields = ['insertId', 'timestamp', 'severity', 'textPayload', 'jsonPayload'];
  return multiReplica ? [...fields, 'resource.labels'] : fields;
}

function entryLine(entry: LogEntry, time: string, multiReplica: boolean): LogLine {
  const source = multiReplica ? entry.resource?.labels?.task_name : undefined;
  return {
    text: entryText(entry).replace(/\r?\n$/, ''),
    timestamp: Date.parse(time),
    stream: isErrorSeverity(entry.severity) ? 'stderr' : 'stdout',
    ...(source ? { source } : {}),
  };
}

/** textPayload, else jsonPayload.message, else the structured payload as JSON. */
export function entryText(entry: LogEntry): string {
  if (typeof entry.textPayload === 'string') return entry.textPayload;
  const fields = entry.jsonPayload?.fields;
  if (fields) {
    const message = fields.message?.stringValue;
    if (typeof message === 'string') return message;
    return JSON.stringify(structValue({ fields }));
  }
  return '';
}

type ProtoValue = google.protobuf.IValue;

function structValue(struct: google.protobuf.IStruct): Record<string, unknown> {
  return Object.fromEntries(Object.entries(struct.fields ?? {}).map(([key, value]) => [key, plainValue(value)]));
}

function plainValue(value: ProtoValue): unknown {
  if (value.structValue) return structValue(value.structValue);
  if (value.listValue) return (value.listValue.values ?? []).map(plainValue);
  if (value.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value.numberValue !== undefined && value.numberValue !== null) return value.numberValue;
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  return null;
}

const ERROR_SEVERITIES = new Set(['ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY']);

/** Vertex logs a container's stderr as ERROR and its stdout as INFO. */
function isErrorSeverity(severity: LogEntry['severity']): boolean {
  if (typeof severity === 'number') return severity >= 500;
  return ERROR_SEVERITIES.has(String(severity ?? ''));
}

/** A Timestamp as fixed-width RFC 3339 (nanoseconds): such strings sort as the times do. */
export function entryTime(timestamp: Timestamp | null | undefined): string | undefined {
  if (!timestamp || timestamp.seconds === undefined || timestamp.seconds === null) return undefined;
  const seconds = String(timestamp.seconds);
  if (!/^\d+$/.test(seconds)) return undefined;
  return fromNanos(BigInt(seconds) * NANOS_PER_SECOND + BigInt(timestamp.nanos ?? 0));
}

/** Any ISO 8601 time as the fixed-width form entryTime gives. */
export function rfc3339(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (match) return `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`Not a time: ${iso}`);
  return rfc3339(new Date(ms).toISOString());
}

const NANOS_PER_SECOND = 1_000_000_000n;

function toNanos(time: string): bigint {
  return (BigInt(Date.parse(`${time.slice(0, 19)}Z`)) / 1000n) * NANOS_PER_SECOND + BigInt(time.slice(20, 29));
}

function fromNanos(nanos: bigint): string {
  const whole = new Date(Number(nanos / NANOS_PER_SECOND) * 1000).toISOString().slice(0, 19);
  return `${whole}.${(nanos % NANOS_PER_SECOND).toString().padStart(9, '0')}Z`;
}

function shiftedTime(time: string, deltaMs: number): string {
  return fromNanos(toNanos(time) + BigInt(deltaMs) * 1_000_000n);
}

function maxTime(a: string, b: string): string {
  return a >= b ? a : b;
}
