// Docker's log stream for a container without a TTY: frames of [stream, 0, 0, 0, size(4 bytes
// big-endian)] + payload, each line prefixed with an RFC 3339 timestamp when asked for.
// The cursor is "<nanoseconds since epoch>:<lines already seen at that instant>", enough to
// resume exactly after the last delivered line with `since` (which has one-second precision).
import type { LogCursor, LogLine } from '../../../operators/stepOperator';

export interface ParsedCursor {
  readonly nanos: bigint;
  readonly seenAtInstant: number;
}

export function parseCursor(cursor: LogCursor | undefined): ParsedCursor | undefined {
  if (!cursor) return undefined;
  const match = /^(\d+):(\d+)$/.exec(cursor);
  return match ? { nanos: BigInt(match[1]!), seenAtInstant: Number(match[2]) } : undefined;
}

export function formatCursor(cursor: ParsedCursor): LogCursor {
  return `${cursor.nanos}:${cursor.seenAtInstant}`;
}

/** "2026-11-29T11:52:19.123456789Z" -> nanoseconds since the epoch. */
export function timestampNanos(stamp: string): bigint | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(stamp);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}Z`) / 1000;
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

export interface TimedLine extends LogLine {
  readonly nanos: bigint;
}

/** Splits demultiplexed frames into timestamped lines, keeping partial lines between chunks. */
export class DockerLogDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  push(chunk: Buffer): TimedLine[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const lines: TimedLine[] = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const stream = this.pending[0] === 2 ? 'stderr' : 'stdout';
      const text = this.partial[stream] + this.pending.subarray(8, 8 + size).toString('utf8');
      this.pending = this.pending.subarray(8 + size);
      const parts = text.split('\n');
      this.partial[stream] = parts.pop() ?? '';
      for (const raw of parts) {
        const space = raw.indexOf(' ');
        const nanos = space > 0 ? timestampNanos(raw.slice(0, space)) : undefined;
        if (nanos === undefined) continue;
        lines.push({
          nanos,
          timestamp: Number(nanos / 1_000_000n),
          text: raw.slice(space + 1).replace(/\r$/, ''),
          stream,
        });
      }
    }
    return lines;
  }
}

/** Drops lines at or before the cursor and returns the cursor after the rest. */
export function afterCursor(
  lines: readonly TimedLine[],
  cursor: ParsedCursor | undefined,
): { lines: TimedLine[]; cursor: ParsedCursor | undefined } {
  let current = cursor;
  let skipAtInstant = cursor?.seenAtInstant ?? 0;
  const kept: TimedLine[] = [];
  for (const line of lines) {
    if (cursor && line.nanos < cursor.nanos) continue;
    if (cursor && line.nanos === cursor.nanos && skipAtInstant > 0) {
      skipAtInstant--;
      continue;
    }
    kept.push(line);
    current =
      current && current.nanos === line.nanos
        ? { nanos: line.nanos, seenAtInstant: current.seenAtInstant + 1 }
        : { nanos: line.nanos, seenAtInstant: 1 };
  }
  return { lines: kept, cursor: current };
}
