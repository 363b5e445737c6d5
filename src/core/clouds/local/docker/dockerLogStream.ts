// Docker's log stream for a container without a TTY: frames of [stream, 0, 0, 0, size(4 bytes
// big-endian)] + payload, one log message each, its payload prefixed with an RFC 3339 timestamp
// when asked for. A message is a line with its newline, or a piece of one: the engine cuts lines
// longer than 16 KiB into pieces (each with a timestamp of its own), and a last line the container
// never ended comes without its newline.
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

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;

/** "2026-11-29T11:52:19.123456789Z" -> nanoseconds since the epoch. */
export function timestampNanos(stamp: string): bigint | undefined {
  const match = STAMP.exec(stamp);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}Z`) / 1000;
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

export interface TimedLine extends LogLine {
  readonly nanos: bigint;
}

type Pipe = 'stdout' | 'stderr';

/** A line still being received: its text so far and the time of its first piece. */
interface Unfinished {
  text: string;
  readonly nanos: bigint;
  readonly timestamp: number;
}

/**
 * Splits demultiplexed frames into timestamped lines. A line's pieces are joined (the timestamps
 * of the later pieces dropped) and the line takes its first piece's time; `end()` hands on a last
 * line that never got its newline. Lines without a timestamp are not the engine's and are skipped.
 */
export class DockerLogDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private readonly unfinished: Record<Pipe, Unfinished | undefined> = { stdout: undefined, stderr: undefined };
  /** The last second seen and its parse: lines of one second share it, so each line parses only its fraction. */
  private second = '';
  private secondNanos = 0n;
  private secondMs = 0;

  push(chunk: Buffer): TimedLine[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const lines: TimedLine[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 8) {
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset < 8 + size) break;
      const pipe: Pipe = this.pending[offset] === 2 ? 'stderr' : 'stdout';
      this.message(pipe, this.pending.toString('utf8', offset + 8, offset + 8 + size), lines);
      offset += 8 + size;
    }
    this.pending = this.pending.subarray(offset);
    return lines;
  }

  /** The stream ended: lines left without their newline are complete now. */
  end(): TimedLine[] {
    const lines: TimedLine[] = [];
    for (const pipe of ['stdout', 'stderr'] as const) {
      const line = this.unfinished[pipe];
      if (line) lines.push(finished(line, pipe));
      this.unfinished[pipe] = undefined;
    }
    return lines;
  }

  private message(pipe: Pipe, payload: string, lines: TimedLine[]): void {
    const space = payload.indexOf(' ');
    const time = space > 0 ? this.time(payload.slice(0, space)) : undefined;
    if (!time) return;
    const parts = payload.slice(space + 1).split('\n');
    const rest = parts.pop()!;
    for (const text of parts) {
      const open = this.unfinished[pipe];
      this.unfinished[pipe] = undefined;
      lines.push(finished(open ? { ...open, text: open.text + text } : { text, ...time }, pipe));
    }
    if (rest === '') return;
    const open = this.unfinished[pipe];
    if (open) open.text += rest;
    else this.unfinished[pipe] = { text: rest, ...time };
  }

  private time(stamp: string): { nanos: bigint; timestamp: number } | undefined {
    // The usual form, "YYYY-MM-DDTHH:MM:SS.fffffffffZ" (the engine trims trailing zeros), of a second already seen.
    if (
      this.second !== '' &&
      stamp.startsWith(this.second) &&
      stamp.length > 21 &&
      stamp.length <= 30 &&
      stamp[19] === '.'
    ) {
      const fraction = stamp.slice(20, -1);
      if (stamp.endsWith('Z') && /^\d+$/.test(fraction)) {
        const nanos = fraction.padEnd(9, '0');
        return { nanos: this.secondNanos + BigInt(nanos), timestamp: this.secondMs + Math.floor(Number(nanos) / 1e6) };
      }
    }
    const nanos = timestampNanos(stamp);
    if (nanos === undefined) return undefined;
    this.second = stamp.slice(0, 19);
    this.secondNanos = (nanos / 1_000_000_000n) * 1_000_000_000n;
    this.secondMs = Number(this.secondNanos / 1_000_000n);
    return { nanos, timestamp: Number(nanos / 1_000_000n) };
  }
}

function finished(line: Unfinished, stream: Pipe): TimedLine {
  return { nanos: line.nanos, timestamp: line.timestamp, text: line.text.replace(/\r$/, ''), stream };
}

/**
 * Where a resumed stream picks up: `since` replays the whole second of the cursor, so the lines
 * before the cursor's instant and the first `seenAtInstant` at it were delivered already. Once a
 * line past that point came, every later line is new.
 */
export class ResumePoint {
  private remaining: number;
  private passed: boolean;

  constructor(private readonly cursor: ParsedCursor | undefined) {
    this.remaining = cursor?.seenAtInstant ?? 0;
    this.passed = cursor === undefined;
  }

  isNew(line: TimedLine): boolean {
    if (this.passed) return true;
    const cursor = this.cursor!;
    if (line.nanos < cursor.nanos) return false;
    if (line.nanos === cursor.nanos && this.remaining > 0) {
      this.remaining--;
      return false;
    }
    this.passed = true;
    return true;
  }
}

/** The cursor after one more delivered line. */
export function advance(cursor: ParsedCursor | undefined, line: TimedLine): ParsedCursor {
  return cursor && cursor.nanos === line.nanos
    ? { nanos: line.nanos, seenAtInstant: cursor.seenAtInstant + 1 }
    : { nanos: line.nanos, seenAtInstant: 1 };
}

export interface BatchOptions {
  /** The most lines one batch holds. */
  readonly maxLines: number;
  /** Reading pauses while this many lines wait for the consumer, and resumes at half of it. */
  readonly highWater: number;
}

/**
 * A log stream's lines as fast as the engine sends them, handed out in batches of whatever has
 * arrived when the consumer asks: a line that comes alone is delivered at once, and a consumer
 * that is busy (writing the previous batch) finds the lines that came meanwhile in one batch
 * instead of holding up the engine's stream. At most `highWater` lines wait in memory.
 */
export async function* lineBatches(
  stream: NodeJS.ReadableStream,
  decode: (chunk: Buffer) => TimedLine[],
  finish: () => TimedLine[],
  options: BatchOptions,
): AsyncIterable<TimedLine[]> {
  const queue: TimedLine[][] = [];
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const add = (lines: TimedLine[]): void => {
    if (lines.length === 0) return;
    queue.push(lines);
    queued += lines.length;
  };
  const onData = (chunk: Buffer): void => {
    add(decode(chunk));
    if (queued >= options.highWater) stream.pause();
    notify();
  };
  // Only a stream that ended (the container exited) completes its last line; one closed early (an
  // abort) may have stopped in the middle of it.
  const onEnd = (): void => {
    if (!ended) add(finish());
    ended = true;
    notify();
  };
  const onClose = (): void => {
    ended = true;
    notify();
  };
  const onError = (error: unknown): void => {
    failure ??= { error };
    ended = true;
    notify();
  };
  stream.on('data', onData);
  stream.once('end', onEnd);
  stream.once('close', onClose);
  stream.once('error', onError);
  try {
    for (;;) {
      if (queued > 0) {
        const batch = take(queue, options.maxLines);
        queued -= batch.length;
        if (stream.isPaused() && !ended && queued < options.highWater / 2) stream.resume();
        yield batch;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.removeListener('data', onData);
    stream.removeListener('end', onEnd);
    stream.removeListener('close', onClose);
    stream.removeListener('error', onError);
  }
}

function take(queue: TimedLine[][], max: number): TimedLine[] {
  if (queue[0]!.length >= max) {
    const first = queue[0]!;
    if (first.length === max) return queue.shift()!;
    queue[0] = first.slice(max);
    return first.slice(0, max);
  }
  const batch: TimedLine[] = [];
  while (queue.length > 0 && batch.length + queue[0]!.length <= max) batch.push(...queue.shift()!);
  if (queue.length > 0 && batch.length < max) {
    const room = max - batch.length;
    batch.push(...queue[0]!.slice(0, room));
    queue[0] = queue[0]!.slice(room);
  }
  return batch;
}
