// A container's output as the job emulators turn it into their clouds' log entries: the engine's
// multiplexed log stream (8-byte frame headers, stdout and stderr told apart), followed with
// timestamps, cut into lines, each with the engine's own RFC 3339 time (nanoseconds) and its pipe.

export interface ContainerLine {
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** The engine's RFC 3339 time with its nanoseconds ("2024-05-01T10:00:00.123456789Z"). */
  readonly time: string;
  readonly stream: 'stdout' | 'stderr';
  readonly message: string;
}

const PIPES = { 1: 'stdout', 2: 'stderr' } as const;

export interface ForwardOptions {
  /** Keep empty lines (for a log file); by default they are left out, as no log service takes an empty message. */
  readonly keepEmptyLines?: boolean;
}

/** Reads the stream until it ends and hands on the lines of each frame, in the order they arrived. */
export function forwardLogs(
  stream: NodeJS.ReadableStream,
  deliver: (lines: ContainerLine[]) => unknown,
  options: ForwardOptions = {},
): Promise<void> {
  let pending = Buffer.alloc(0);
  const partial = { 1: '', 2: '' } as Record<1 | 2, string>;
  let delivering: Promise<unknown> = Promise.resolve();
  const send = (lines: ContainerLine[]) => {
    if (lines.length > 0) delivering = delivering.then(() => deliver(lines));
  };
  const lines = (kind: 1 | 2, text: string, final: boolean): ContainerLine[] => {
    // At the end, only an unterminated last line is left to hand on.
    if (final && partial[kind] + text === '') return [];
    const parts = (partial[kind] + text).split('\n');
    partial[kind] = final ? '' : parts.pop()!;
    return parts
      .map((raw) => parseLine(raw, PIPES[kind], options.keepEmptyLines ?? false))
      .filter((e): e is ContainerLine => e !== undefined);
  };
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8 && pending.length >= 8 + pending.readUInt32BE(4)) {
        const size = pending.readUInt32BE(4);
        const kind = pending[0] === 2 ? 2 : 1;
        send(lines(kind, pending.subarray(8, 8 + size).toString('utf8'), false));
        pending = pending.subarray(8 + size);
      }
    });
    stream.on('error', reject);
    stream.on('end', () => {
      send([...lines(1, '', true), ...lines(2, '', true)]);
      delivering.then(() => resolve(), reject);
    });
  });
}

function parseLine(raw: string, stream: ContainerLine['stream'], keepEmpty: boolean): ContainerLine | undefined {
  const space = raw.indexOf(' ');
  const stamp = space > 0 ? raw.slice(0, space) : '';
  const parsed = stamp ? Date.parse(stamp) : NaN;
  const message = (space > 0 ? raw.slice(space + 1) : raw).replace(/\r$/, '');
  if (message === '' && !keepEmpty) return undefined;
  if (Number.isNaN(parsed)) {
    const now = new Date();
    return { timestamp: now.getTime(), time: now.toISOString(), stream, message };
  }
  return { timestamp: parsed, time: stamp, stream, message };
}
