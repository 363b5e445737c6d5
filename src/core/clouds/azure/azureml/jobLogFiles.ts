// The byte accounting of an Azure ML job's log files, kept apart from the network so it can be
// held to its promise on its own: each user_logs/std_log*.txt file is read from the byte after
// the last complete line delivered, a line is delivered once its newline has arrived (a partial
// last line waits for the rest), and the cursor is those offsets per file, so a reattach resumes
// exactly there with nothing delivered twice and complete lines never fetched again.
import type { LogCursor, LogLine } from '../../../operators/stepOperator';

/** The user's output, one file per process when the job is distributed (std_log_process_0.txt...). */
const USER_LOG = /^user_logs\/std_log(?:_([^/]+))?\.txt$/;
const NEWLINE = 0x0a;

interface LogFilesCursor {
  readonly v: 1;
  /** Log file name -> bytes delivered (up to and including the last complete line's newline). */
  readonly files: Readonly<Record<string, number>>;
}

export function parseLogFilesCursor(cursor: LogCursor | undefined): Record<string, number> {
  if (!cursor) return {};
  const value = JSON.parse(cursor) as LogFilesCursor;
  const offsets = Object.values(value.files ?? {});
  if (value.v !== 1 || typeof value.files !== 'object' || offsets.some((o) => !Number.isSafeInteger(o) || o < 0)) {
    throw new Error(`Not an Azure ML log cursor: ${cursor}`);
  }
  return { ...value.files };
}

export function encodeLogFilesCursor(files: Readonly<Record<string, number>>): LogCursor {
  return JSON.stringify({ v: 1, files } satisfies LogFilesCursor);
}

/** The user log files among a run's log files, in process order (process_2 before process_10). */
export function userLogFiles(names: readonly string[]): string[] {
  return names.filter((name) => USER_LOG.test(name)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Which process wrote a file's lines: "process_1" for std_log_process_1.txt; none for a single std_log.txt. */
export function sourceOf(fileName: string): string | undefined {
  return USER_LOG.exec(fileName)?.[1];
}

/** One log file read forward: where to ask from, and the lines each answer completes. */
export class LogFileTail {
  /** Bytes after the last complete line: the start of a line still being written. */
  private partial: Uint8Array = new Uint8Array(0);
  private readonly source: string | undefined;

  constructor(
    readonly fileName: string,
    /** Bytes delivered so far (from the cursor). */
    private delivered = 0,
  ) {
    this.source = sourceOf(fileName);
  }

  /** The offset delivered up to: what the cursor keeps. */
  get deliveredBytes(): number {
    return this.delivered;
  }

  /** The next byte to ask for: after the partial line already held. */
  get readFrom(): number {
    return this.delivered + this.partial.length;
  }

  /**
   * Takes the bytes the service returned starting at `offset` (a ranged answer starts at the
   * offset asked for; a whole-file answer at 0) and returns the lines they complete.
   */
  accept(bytes: Uint8Array, offset: number): LogLine[] {
    if (offset > this.readFrom) {
      throw new Error(`${this.fileName}: bytes from ${offset} arrived, but ${this.readFrom} was asked for.`);
    }
    const fresh = bytes.subarray(Math.min(bytes.length, this.readFrom - offset));
    if (fresh.length === 0) return [];
    const data = concat(this.partial, fresh);
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      this.partial = data;
      return [];
    }
    const complete = data.subarray(0, lastNewline + 1);
    this.partial = data.slice(lastNewline + 1);
    this.delivered += complete.length;
    return this.linesOf(complete);
  }

  /** After the job ended and the file stopped growing: a last line without its newline. */
  flush(): LogLine[] {
    if (this.partial.length === 0) return [];
    const rest = this.partial;
    this.partial = new Uint8Array(0);
    this.delivered += rest.length;
    return this.linesOf(concat(rest, Uint8Array.of(NEWLINE)));
  }

  private linesOf(complete: Uint8Array): LogLine[] {
    // Splitting at the newline byte never cuts a UTF-8 sequence, so each line decodes whole.
    const text = new TextDecoder().decode(complete.subarray(0, complete.length - 1));
    return text.split('\n').map((line) => ({
      text: line.replace(/\r$/, ''),
      ...(this.source !== undefined ? { source: this.source } : {}),
    }));
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
