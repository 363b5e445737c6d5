// The Cloud Logging tail's cursor, on pages shaped as the Logging client decodes entries.list
// answers (timestamps as {seconds, nanos}, jsonPayload as a protobuf Struct, severities by
// name): a moving timestamp bound with the insertIds already delivered, so nothing is repeated
// or skipped across pages, rounds and reattaches; lines ingested late inside the lag window still
// delivered once; the window bounded; textPayload or jsonPayload.message; the replica as the
// source; stderr from the severity. The tail itself is driven with a scripted entries.list that
// fails as Cloud Logging does (RESOURCE_EXHAUSTED, 503, a dropped connection) between pages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { google } from '@google-cloud/logging/build/protos/protos';
import {
  type CloudLoggingCursor,
  type EntriesPage,
  type ListEntriesRequest,
  entryText,
  entryTime,
  loggingFilter,
  parseCloudLoggingCursor,
  rfc3339,
  tailCloudLogging,
  takeEntries,
} from '../../src/core/clouds/gcp/vertex/cloudLoggingTail';
import type { LogBatch } from '../../src/core/operators/stepOperator';

type LogEntry = google.logging.v2.ILogEntry;

const JOB_ID = '8812345678901234567';
const T0 = Date.parse('2026-12-01T10:00:00Z') / 1000;

/** One entry as the client decodes it. */
function entry(id: string, second: number, nanos: number, text: string, extra: object = {}): LogEntry {
  return {
    insertId: id,
    timestamp: { seconds: String(T0 + second), nanos },
    severity: 'INFO',
    textPayload: text,
    resource: { type: 'ml_job', labels: { job_id: JOB_ID, task_name: 'workerpool0-0', project_id: 'p' } },
    logName: 'projects/p/logs/workerpool0-0',
    ...extra,
  } as LogEntry;
}

const WINDOW = { lagWindowMs: 2000, maxSeen: 1000 };
const start = parseCloudLoggingCursor(undefined, '2026-12-01T09:59:00Z');
const take = (entries: object[], cursor: CloudLoggingCursor, window = WINDOW) =>
  takeEntries(entries, cursor, { multiReplica: false, window });

test('the filter names the job and always bounds the time (never the client’s default 24 hours)', () => {
  assert.equal(start.from, '2026-12-01T09:59:00.000000000Z');
  assert.equal(
    loggingFilter(JOB_ID, start),
    `resource.type="ml_job" AND resource.labels.job_id="${JOB_ID}" AND timestamp>="2026-12-01T09:59:00.000000000Z"`,
  );
  assert.equal(entryTime({ seconds: String(T0), nanos: 5 }), '2026-12-01T10:00:00.000000005Z');
  assert.equal(rfc3339('2026-12-01T10:00:00.123Z'), '2026-12-01T10:00:00.123000000Z');
  assert.throws(() => parseCloudLoggingCursor('{"v":1,"streams":{}}', ''), /Not a Vertex AI log cursor/);
  assert.throws(() => parseCloudLoggingCursor('not json', ''), /Not a Vertex AI log cursor/);
});

test('entries at one timestamp across two pages: each once, the cursor holding their insertIds', () => {
  const first = take([entry('a', 1, 0, 'one'), entry('b', 2, 500, 'two'), entry('c', 2, 500, 'three')], start);
  assert.deepEqual(
    first.lines.map((l) => l.text),
    ['one', 'two', 'three'],
  );
  // The next round asks from the cursor again and gets the tied entries once more, plus a new one.
  const again = take(
    [entry('b', 2, 500, 'two'), entry('c', 2, 500, 'three'), entry('d', 2, 500, 'four')],
    first.cursor,
  );
  assert.deepEqual(
    again.lines.map((l) => l.text),
    ['four'],
  );
  assert.deepEqual([...again.cursor.seen['2026-12-01T10:00:02.000000500Z']!].sort(), ['b', 'c', 'd']);
  // Through JSON, as the run record keeps it: a reattach resumes exactly there.
  const resumed = parseCloudLoggingCursor(JSON.stringify(again.cursor), 'ignored');
  assert.deepEqual(
    take([entry('d', 2, 500, 'four'), entry('e', 3, 0, 'five')], resumed).lines.map((l) => l.text),
    ['five'],
  );
});

test('the bound trails the newest line by the lag window: a late line inside it is delivered once, older ids dropped', () => {
  const round1 = take([entry('a', 1, 0, 'one'), entry('c', 5, 0, 'three')], start);
  assert.equal(round1.cursor.from, '2026-12-01T10:00:03.000000000Z', 'newest (10:00:05) less 2 s');
  assert.deepEqual(Object.keys(round1.cursor.seen), ['2026-12-01T10:00:05.000000000Z'], 'ids before the bound dropped');
  // Cloud Logging ingests "two" (stamped 10:00:04) only now: inside the window, so it arrives.
  const round2 = take([entry('b', 4, 0, 'two'), entry('c', 5, 0, 'three')], round1.cursor);
  assert.deepEqual(
    round2.lines.map((l) => l.text),
    ['two'],
  );
  assert.equal(round2.cursor.from, round1.cursor.from, 'the bound never moves back');
  // A line older than the bound is not delivered again even if the service hands it back.
  assert.deepEqual(take([entry('a', 1, 0, 'one')], round2.cursor).lines, []);
});

test('the remembered insertIds stay within their cap: whole timestamps dropped oldest first, the bound moved up', () => {
  const entries = Array.from({ length: 10 }, (_, i) => entry(`id${i}`, 1, i * 1000, `line ${i}`));
  const capped = take(entries, start, { lagWindowMs: 60_000, maxSeen: 4 });
  assert.equal(capped.lines.length, 10);
  const ids = Object.values(capped.cursor.seen).flat();
  assert.deepEqual(ids, ['id6', 'id7', 'id8', 'id9']);
  assert.equal(capped.cursor.from, '2026-12-01T10:00:01.000006000Z');
  assert.deepEqual(take(entries, capped.cursor).lines, [], 'nothing at or after the bound repeats');
  assert.ok(JSON.stringify(capped.cursor).length < 300, 'a small cursor');
});

test('text from textPayload or jsonPayload.message, stderr from the severity, the replica as the source', () => {
  const struct = {
    jsonPayload: { fields: { message: { stringValue: 'from json', kind: 'stringValue' } } },
    textPayload: undefined,
    payload: 'jsonPayload',
  };
  assert.equal(entryText(entry('j', 1, 0, '', struct)), 'from json');
  const noMessage = {
    textPayload: undefined,
    jsonPayload: {
      fields: {
        step: { numberValue: 3 },
        ok: { boolValue: true },
        tags: { listValue: { values: [{ stringValue: 'x' }] } },
      },
    },
  };
  assert.equal(entryText(entry('k', 1, 0, '', noMessage)), '{"step":3,"ok":true,"tags":["x"]}');
  const lines = takeEntries(
    [
      entry('a', 1, 0, 'out line\n'),
      entry('b', 1, 1, 'Traceback (most recent call last):', { severity: 'ERROR' }),
      entry('c', 1, 2, 'worker says hi', {
        severity: 500,
        resource: { type: 'ml_job', labels: { job_id: JOB_ID, task_name: 'workerpool1-0' } },
      }),
    ],
    start,
    { multiReplica: true, window: WINDOW },
  ).lines;
  assert.deepEqual(lines, [
    { text: 'out line', timestamp: (T0 + 1) * 1000, stream: 'stdout', source: 'workerpool0-0' },
    {
      text: 'Traceback (most recent call last):',
      timestamp: (T0 + 1) * 1000,
      stream: 'stderr',
      source: 'workerpool0-0',
    },
    { text: 'worker says hi', timestamp: (T0 + 1) * 1000, stream: 'stderr', source: 'workerpool1-0' },
  ]);
  const single = take([entry('a', 1, 0, 'x')], start).lines;
  assert.equal(single[0]!.source, undefined, 'one replica: no source named');
});

/** A scripted entries.list over a growing log, paged, failing on the calls it is told to. */
function scriptedLogging(pageSize: number, failures: Map<number, Error>) {
  const log: LogEntry[] = [];
  const requests: ListEntriesRequest[] = [];
  const list = async (request: ListEntriesRequest): Promise<EntriesPage> => {
    requests.push(request);
    const failure = failures.get(requests.length);
    if (failure) throw failure;
    const bound = /timestamp>="([^"]+)"/.exec(request.filter)![1]!;
    const matching = log
      .filter((e) => entryTime(e.timestamp)! >= bound)
      .sort((a, b) => entryTime(a.timestamp)!.localeCompare(entryTime(b.timestamp)!));
    const offset = Number(request.pageToken ?? 0);
    const next = offset + pageSize < matching.length ? String(offset + pageSize) : undefined;
    return { entries: matching.slice(offset, offset + pageSize), nextPageToken: next ?? '' };
  };
  return { log, requests, list };
}

const googleError = (code: number, message: string) => Object.assign(new Error(message), { code });

test('the tail pages through, waits out quota, 5xx and dropped connections per call, and drains after the end', async () => {
  const failures = new Map<number, Error>([
    [2, googleError(8, '8 RESOURCE_EXHAUSTED: Quota exceeded for quota metric Read requests')],
    [
      4,
      Object.assign(new Error('request to http://127.0.0.1/v2/entries:list failed, reason: socket hang up'), {
        code: 'ECONNRESET',
      }),
    ],
    [5, googleError(14, '14 UNAVAILABLE: 503 Service Unavailable')],
  ]);
  const logging = scriptedLogging(3, failures);
  for (let i = 0; i < 7; i++) logging.log.push(entry(`e${i}`, 1 + i, 0, `line ${i}`));
  let ended = false;
  const batches: LogBatch[] = [];
  for await (const batch of tailCloudLogging(logging.list, undefined, {
    project: 'p',
    jobId: JOB_ID,
    since: '2026-12-01T10:00:00Z',
    multiReplica: false,
    jobEnded: async () => ended,
    pollMs: 5,
    retryBaseMs: 5,
    settleMs: 30,
    window: WINDOW,
  })) {
    batches.push(batch);
    if (batches.length === 3) {
      // A line the service ingests late, stamped before the newest one, inside the lag window.
      logging.log.push(entry('late', 6, 500, 'late line'));
      logging.log.push(entry('e7', 8, 0, 'line 7'));
      ended = true;
    }
  }
  const texts = batches.flatMap((b) => b.lines.map((l) => l.text));
  assert.deepEqual(
    texts.filter((t) => t.startsWith('line ')),
    Array.from({ length: 8 }, (_, i) => `line ${i}`),
  );
  assert.equal(texts.filter((t) => t === 'late line').length, 1);
  assert.equal(new Set(texts).size, texts.length, 'nothing repeated');
  assert.ok(batches.length >= 3, 'a page is a batch');
  for (const request of logging.requests) {
    assert.equal(request.orderBy, 'timestamp asc');
    assert.deepEqual(request.resourceNames, ['projects/p']);
    assert.match(request.filter, /timestamp>="/);
  }
  // Resumed from the first batch's cursor, it reads exactly what came after.
  const rest: string[] = [];
  for await (const batch of tailCloudLogging(logging.list, batches[0]!.cursor, {
    project: 'p',
    jobId: JOB_ID,
    since: 'unused',
    multiReplica: false,
    jobEnded: async () => true,
    pollMs: 5,
    settleMs: 0,
    window: WINDOW,
  }))
    rest.push(...batch.lines.map((l) => l.text));
  assert.deepEqual([...batches[0]!.lines.map((l) => l.text), ...rest].sort(), [...texts].sort());
});

test('a refusal that waiting cannot fix ends the tail with the error', async () => {
  const logging = scriptedLogging(
    10,
    new Map([[1, googleError(7, '7 PERMISSION_DENIED: logging.logEntries.list denied')]]),
  );
  const tail = tailCloudLogging(logging.list, undefined, {
    project: 'p',
    jobId: JOB_ID,
    since: '2026-12-01T10:00:00Z',
    multiReplica: false,
    jobEnded: async () => false,
    pollMs: 5,
    retryBaseMs: 5,
  });
  await assert.rejects(async () => {
    for await (const _ of tail) void _;
  }, /PERMISSION_DENIED/);
});
