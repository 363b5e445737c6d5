// The local operator's reading of Docker's log stream: frames into lines (long lines the engine
// cut into pieces joined again, a last line without its newline kept), the resume point of a
// cursor, and the batches handed to the runner as the lines come.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import {
  DockerLogDecoder,
  ResumePoint,
  type TimedLine,
  advance,
  lineBatches,
  timestampNanos,
} from '../../src/core/clouds/local/docker/dockerLogStream';

function frame(payload: string, pipe: 1 | 2 = 1): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = pipe;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const T1 = '2026-12-02T14:48:22.107158384Z';
const T2 = '2026-12-02T14:48:22.155001938Z';
const T3 = '2026-12-02T14:48:23.5Z';

test('frames become lines with their timestamps, across chunk boundaries and pipes', () => {
  const decoder = new DockerLogDecoder();
  const bytes = Buffer.concat([frame(`${T1} first\n`), frame(`${T2} oops\r\n`, 2), frame(`${T3} third\n`)]);
  const lines = [...decoder.push(bytes.subarray(0, 13)), ...decoder.push(bytes.subarray(13))];
  assert.deepEqual(
    lines.map(({ text, stream, timestamp, nanos }) => ({ text, stream, timestamp, nanos })),
    [
      { text: 'first', stream: 'stdout', timestamp: Date.parse(T1), nanos: timestampNanos(T1) },
      { text: 'oops', stream: 'stderr', timestamp: Date.parse(T2), nanos: timestampNanos(T2) },
      { text: 'third', stream: 'stdout', timestamp: Date.parse(T3), nanos: 1796222903500000000n },
    ],
  );
});

test('a line the engine cut into pieces is one line again, with its first piece’s time and no later timestamps', () => {
  const decoder = new DockerLogDecoder();
  const long = 'A'.repeat(40_000);
  const lines = decoder.push(
    Buffer.concat([
      frame(`${T1} ${long.slice(0, 16_384)}`),
      frame(`${T2} ${long.slice(16_384, 32_768)}`),
      frame(`${T3} ${long.slice(32_768)}\n`),
    ]),
  );
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.text, long);
  assert.equal(lines[0]!.nanos, timestampNanos(T1));
});

test('a last line without its newline is delivered when the stream ends', () => {
  const decoder = new DockerLogDecoder();
  assert.deepEqual(
    decoder.push(Buffer.concat([frame(`${T1} done\n`), frame(`${T2} no newline`)])).map((l) => l.text),
    ['done'],
  );
  assert.deepEqual(
    decoder.end().map((l) => l.text),
    ['no newline'],
  );
  assert.deepEqual(decoder.end(), []);
});

function line(nanos: bigint, text: string): TimedLine {
  return { nanos, text, timestamp: Number(nanos / 1_000_000n) };
}

test('a resume point skips what the cursor saw, and nothing once past it, even lines sharing its instant', () => {
  // Three lines at one instant were seen; a fourth at it and everything after are new.
  const point = new ResumePoint({ nanos: 5n, seenAtInstant: 3 });
  const replayed = [line(4n, 'old'), line(5n, 'a'), line(5n, 'b'), line(5n, 'c'), line(5n, 'd'), line(6n, 'e')];
  assert.deepEqual(
    replayed.filter((l) => point.isNew(l)).map((l) => l.text),
    ['d', 'e'],
  );
  // A live stream's lines at one instant, read in two chunks: none is dropped.
  const live = new ResumePoint(undefined);
  assert.ok([line(7n, 'x'), line(7n, 'y')].every((l) => live.isNew(l)));
  let cursor = advance(undefined, line(7n, 'x'));
  cursor = advance(cursor, line(7n, 'y'));
  assert.deepEqual(cursor, { nanos: 7n, seenAtInstant: 2 });
  assert.deepEqual(advance(cursor, line(8n, 'z')), { nanos: 8n, seenAtInstant: 1 });
});

function decoded(stream: PassThrough): AsyncIterable<TimedLine[]> {
  const decoder = new DockerLogDecoder();
  return lineBatches(
    stream,
    (chunk) => decoder.push(chunk),
    () => decoder.end(),
    { maxLines: 3, highWater: 6 },
  );
}

test('batches: a line that comes alone is delivered at once, without waiting for more', async () => {
  const stream = new PassThrough();
  const batches = decoded(stream)[Symbol.asyncIterator]();
  stream.write(frame(`${T1} alone\n`));
  const first = await Promise.race([
    batches.next(),
    new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 1000)),
  ]);
  assert.notEqual(first, 'late');
  assert.deepEqual(
    (first as IteratorResult<TimedLine[]>).value.map((l: TimedLine) => l.text),
    ['alone'],
  );
  stream.end(frame(`${T2} last, unterminated`));
  assert.deepEqual(
    (await batches.next()).value.map((l: TimedLine) => l.text),
    ['last, unterminated'],
  );
  assert.equal((await batches.next()).done, true);
});

test('batches: lines that came while the consumer was busy come together, at most maxLines, in order', async () => {
  const stream = new PassThrough();
  const texts = Array.from({ length: 10 }, (_, i) => `line ${i}`);
  for (const text of texts) stream.write(frame(`${T1} ${text}\n`));
  stream.end();
  const sizes: number[] = [];
  const got: string[] = [];
  for await (const batch of decoded(stream)) {
    sizes.push(batch.length);
    got.push(...batch.map((l) => l.text));
    await new Promise((resolve) => setTimeout(resolve, 5)); // a busy consumer
  }
  assert.deepEqual(got, texts);
  assert.ok(
    sizes.every((n) => n <= 3),
    `batches of ${sizes.join(', ')}`,
  );
});

test('batches: past highWater lines waiting, the stream is paused until the consumer catches up', async () => {
  const stream = new PassThrough();
  const batches = decoded(stream)[Symbol.asyncIterator]();
  const first = batches.next();
  for (let i = 0; i < 8; i++) stream.write(frame(`${T1} line ${i}\n`));
  await first;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stream.isPaused(), true, 'more than 6 lines wait');
  await batches.next();
  await batches.next();
  assert.equal(stream.isPaused(), false, 'resumed below half of highWater');
  stream.end();
  for (let next = await batches.next(); !next.done; next = await batches.next());
});

test('batches: a stream error reaches the consumer after the lines that came before it', async () => {
  const stream = new PassThrough();
  stream.write(frame(`${T1} before\n`));
  const got: string[] = [];
  const reading = (async () => {
    for await (const batch of decoded(stream)) got.push(...batch.map((l) => l.text));
  })();
  await new Promise((resolve) => setImmediate(resolve));
  stream.destroy(new Error('connection reset'));
  await assert.rejects(reading, /connection reset/);
  assert.deepEqual(got, ['before']);
});
