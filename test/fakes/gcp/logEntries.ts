// What the Cloud Logging fake keeps: log entries as a logging agent wrote them, each given a unique
// insertId and its receiveTimestamp on arrival, visible to readers only an ingestion delay later
// (as Cloud Logging's entries are), and entries:list's pages over them in timestamp order (entries
// of one timestamp by insertId, as Cloud Logging orders them), with page tokens that resume after
// the last entry handed out and work only for the query they came from.
import { randomBytes } from 'node:crypto';
import { type EntryPredicate, type FilterableEntry } from './loggingFilter';
import { formatTimestamp, nowNanos, parseTimestamp } from './googleTime';
import type { LogEntryInput } from './vertexReplicas';

export interface StoredEntry extends FilterableEntry {
  /** The LogEntry as entries:list answers it (severity by name). */
  readonly json: Readonly<Record<string, unknown>>;
  readonly insertId: string;
  /** The project the entry's logName names. */
  readonly project: string;
  /** When entries:list starts to show it (milliseconds). */
  readonly visibleAt: number;
}

/** Cloud Logging's entries:list page sizes: 50 by default, 1000 at most. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

const insertIdAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Cloud Logging-like insertIds: short, random, unique (so order among equal timestamps is theirs, not arrival's). */
function newInsertId(taken: ReadonlySet<string>): string {
  for (;;) {
    const id = [...randomBytes(14)].map((b) => insertIdAlphabet[b % insertIdAlphabet.length]).join('');
    if (!taken.has(id)) return id;
  }
}

export interface EntryQuery {
  readonly projects: readonly string[];
  readonly matches: EntryPredicate;
  readonly descending: boolean;
  readonly pageSize: number;
  /** Identifies the query a page token belongs to. */
  readonly key: string;
  readonly pageToken?: string;
}

interface Cursor {
  readonly key: string;
  readonly timestampNs: bigint;
  readonly insertId: string;
}

export class InvalidPageToken extends Error {}

export class LogEntryStore {
  private readonly entries: StoredEntry[] = [];
  private readonly insertIds = new Set<string>();
  private readonly cursors = new Map<string, Cursor>();
  /** How long after arriving an entry becomes visible to entries:list. */
  ingestionDelayMs: number;

  constructor(ingestionDelayMs: number) {
    this.ingestionDelayMs = ingestionDelayMs;
  }

  /** Stores entries that arrive now, as a logging agent's write. */
  write(inputs: readonly LogEntryInput[]): void {
    const receiveNs = nowNanos();
    const visibleAt = Date.now() + this.ingestionDelayMs;
    for (const input of inputs) {
      const insertId = newInsertId(this.insertIds);
      this.insertIds.add(insertId);
      const timestampNs = parseTimestamp(input.timestamp) ?? receiveNs;
      const project = /^projects\/([^/]+)\/logs\//.exec(input.logName)?.[1] ?? '';
      this.entries.push({
        json: {
          insertId,
          ...input,
          timestamp: formatTimestamp(timestampNs),
          receiveTimestamp: formatTimestamp(receiveNs),
        },
        insertId,
        project,
        timestampNs,
        receiveNs,
        visibleAt,
      });
    }
  }

  /** Every entry stored, visible yet or not, in arrival order (for tests). */
  all(): readonly StoredEntry[] {
    return this.entries;
  }

  /** One page; throws InvalidPageToken for a token of another query. */
  page(query: EntryQuery, now = Date.now()): { entries: StoredEntry[]; nextPageToken?: string } {
    let cursor: Cursor | undefined;
    if (query.pageToken) {
      cursor = this.cursors.get(query.pageToken);
      if (!cursor || cursor.key !== query.key) throw new InvalidPageToken();
    }
    const sign = query.descending ? -1 : 1;
    const ordered = this.entries
      .filter((e) => e.visibleAt <= now && query.projects.includes(e.project) && query.matches(e))
      .sort((a, b) => sign * compare(a, b))
      .filter((e) => !cursor || sign * compare(e, cursor) > 0);
    const entries = ordered.slice(0, query.pageSize);
    if (entries.length === ordered.length) return { entries };
    const last = entries.at(-1)!;
    const token = randomBytes(24).toString('base64url');
    this.cursors.set(token, { key: query.key, timestampNs: last.timestampNs, insertId: last.insertId });
    return { entries, nextPageToken: token };
  }
}

function compare(a: { timestampNs: bigint; insertId: string }, b: { timestampNs: bigint; insertId: string }): number {
  if (a.timestampNs !== b.timestampNs) return a.timestampNs < b.timestampNs ? -1 : 1;
  return a.insertId === b.insertId ? 0 : a.insertId < b.insertId ? -1 : 1;
}
