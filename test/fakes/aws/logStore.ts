// What the CloudWatch Logs fake keeps: log groups, their streams and each stream's events, kept in
// CloudWatch's order (by timestamp, then by arrival), and GetLogEvents' pages over them with
// CloudWatch's tokens. A token is a position between two events of one stream: "f/..." reads
// forward from it, "b/..." backward. Reading forward past the last event hands back the very
// token that was passed in, which is how a tail tells "nothing new" from "new events".
//
// Events become visible an ingestion delay after they arrive (CloudWatch lags; a tail must drain
// after its job ends). A position is a (timestamp, arrival) pair, as CloudWatch orders events,
// so an event that arrives with a timestamp before a reader's position is never seen by that
// reader, as with CloudWatch.

export interface StoredEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  /** When GetLogEvents and DescribeLogStreams start to show it. */
  readonly visibleAt: number;
  /** Arrival order within the stream, from 1. */
  readonly seq: number;
}

export interface LogStreamState {
  /** Binds a token to its stream. */
  readonly id: number;
  readonly name: string;
  readonly creationTime: number;
  /** In CloudWatch's order: by timestamp, then by arrival. */
  readonly events: StoredEvent[];
  nextSeq: number;
  uploads: number;
}

export interface LogGroupState {
  readonly name: string;
  readonly creationTime: number;
  readonly streams: Map<string, LogStreamState>;
}

export interface LogEventInput {
  readonly timestamp: number;
  readonly message: string;
}

/** One account's log groups, streams and events. */
export class LogGroups {
  private readonly groups = new Map<string, LogGroupState>();
  private streamIds = 0;
  /** How long after arriving an event becomes visible to readers. */
  ingestionDelayMs = 0;

  group(name: string): LogGroupState | undefined {
    return this.groups.get(name);
  }

  /** false when the group exists already. */
  createGroup(name: string): boolean {
    if (this.groups.has(name)) return false;
    this.groups.set(name, { name, creationTime: Date.now(), streams: new Map() });
    return true;
  }

  /** false when the stream exists already; the group must exist. */
  createStream(group: LogGroupState, name: string): boolean {
    if (group.streams.has(name)) return false;
    group.streams.set(name, {
      id: ++this.streamIds,
      name,
      creationTime: Date.now(),
      events: [],
      nextSeq: 1,
      uploads: 0,
    });
    return true;
  }

  /** The stream, made with its group when missing (as a log agent makes them). */
  streamFor(groupName: string, streamName: string): LogStreamState {
    this.createGroup(groupName);
    const group = this.groups.get(groupName)!;
    this.createStream(group, streamName);
    return group.streams.get(streamName)!;
  }

  /** Stores events that arrive now, visible after the ingestion delay: one upload. */
  add(stream: LogStreamState, events: readonly LogEventInput[]): void {
    const ingestionTime = Date.now();
    const visibleAt = ingestionTime + this.ingestionDelayMs;
    for (const e of events)
      insertEvent(stream, { timestamp: e.timestamp, message: e.message, ingestionTime, visibleAt });
    stream.uploads++;
  }
}

/** A position between events: after every event whose (timestamp, seq) is at most this. */
interface Position {
  readonly timestamp: number;
  readonly seq: number;
}

const START: Position = { timestamp: 0, seq: 0 };

/** CloudWatch's GetLogEvents limits: 1 MB of events (each counted with 26 bytes of overhead) or 10,000 events. */
export const PAGE_BYTES = 1_048_576;
export const PAGE_EVENTS = 10_000;
export const EVENT_OVERHEAD_BYTES = 26;

export const eventBytes = (message: string) => Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;

const after = (e: StoredEvent, p: Position) =>
  e.timestamp > p.timestamp || (e.timestamp === p.timestamp && e.seq > p.seq);

/** Adds an event in CloudWatch's order (after any of the same timestamp). */
export function insertEvent(stream: LogStreamState, event: Omit<StoredEvent, 'seq'>): StoredEvent {
  const stored = { ...event, seq: stream.nextSeq++ };
  const { events } = stream;
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.timestamp <= stored.timestamp) lo = mid + 1;
    else hi = mid;
  }
  events.splice(lo, 0, stored);
  return stored;
}

export function visibleEvents(stream: LogStreamState, now: number): StoredEvent[] {
  return stream.events.filter((e) => e.visibleAt <= now);
}

export interface PageRequest {
  readonly startFromHead: boolean;
  readonly nextToken?: string;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly limit?: number;
}

export interface Page {
  readonly events: readonly StoredEvent[];
  readonly nextForwardToken: string;
  readonly nextBackwardToken: string;
}

export class InvalidToken extends Error {}

/** One GetLogEvents page; throws InvalidToken for a token of another stream or not CloudWatch's shape. */
export function readPage(stream: LogStreamState, request: PageRequest, now: number): Page {
  const visible = visibleEvents(stream, now);
  const token = request.nextToken === undefined ? undefined : parseToken(request.nextToken, stream.id);
  const forward = token ? token.forward : request.startFromHead;
  const last = visible.at(-1);
  const from = token?.position ?? (forward || !last ? START : last);
  const inRange = (e: StoredEvent) =>
    (request.startTime === undefined || e.timestamp >= request.startTime) &&
    (request.endTime === undefined || e.timestamp < request.endTime);
  const limit = Math.min(request.limit ?? PAGE_EVENTS, PAGE_EVENTS);
  const events = forward
    ? take(
        visible.filter((e) => after(e, from) && inRange(e)),
        limit,
      )
    : take(visible.filter((e) => !after(e, from) && inRange(e)).reverse(), limit).reverse();
  if (events.length === 0) {
    // Nothing at this position: the same token again (for a forward reader: "nothing new yet").
    return {
      events: [],
      nextForwardToken: tokenOf('f', stream.id, from),
      nextBackwardToken: tokenOf('b', stream.id, from),
    };
  }
  const first = events[0]!;
  const end = events.at(-1)!;
  return {
    events,
    nextForwardToken: tokenOf('f', stream.id, end),
    nextBackwardToken: tokenOf('b', stream.id, { timestamp: first.timestamp, seq: first.seq - 1 }),
  };
}

/** Events in the given order until the count or the page's bytes run out (one event always fits). */
function take(events: readonly StoredEvent[], limit: number): StoredEvent[] {
  const page: StoredEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    bytes += eventBytes(e.message);
    if (page.length === limit || (page.length > 0 && bytes > PAGE_BYTES)) break;
    page.push(e);
  }
  return page;
}

// CloudWatch's tokens look like "f/<56 digits>/s"; these carry the stream, the timestamp and the arrival.
const TOKEN = /^([fb])\/(\d{16})(\d{20})(\d{20})\/s$/;
const digits = (n: number, width: number) => String(n).padStart(width, '0');

function tokenOf(direction: 'f' | 'b', streamId: number, p: Position): string {
  return `${direction}/${digits(streamId, 16)}${digits(p.timestamp, 20)}${digits(p.seq, 20)}/s`;
}

function parseToken(token: string, streamId: number): { forward: boolean; position: Position } {
  const match = TOKEN.exec(token);
  if (!match || Number(match[2]) !== streamId) throw new InvalidToken('The specified nextToken is invalid.');
  return { forward: match[1] === 'f', position: { timestamp: Number(match[3]), seq: Number(match[4]) } };
}

export const isForwardToken = (token: string) => token.startsWith('f/');
