// The round loop every cloud log tail shares (src/core/operators/logTail.ts): while the job is
// printing the next round comes after the short pause, when a round found nothing after the
// operator's poll interval; once the job has ended it stops after its quiet rounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollingTail } from '../../src/core/operators/logTail';
import { pagesAhead } from '../../src/core/operators/polling';
import type { LogBatch } from '../../src/core/operators/stepOperator';

test('a round that read lines is followed sooner (busyPollMs) than one that found nothing (pollMs)', async () => {
  // Rounds 1-3 find a line each, rounds 4-5 nothing; the job has ended from round 4.
  const found = [1, 1, 1, 0, 0];
  const startedAt: number[] = [];
  const tail = pollingTail({
    readRound: async function* (): AsyncIterable<LogBatch> {
      startedAt.push(performance.now());
      const lines = found[startedAt.length - 1] ? [{ text: `line ${startedAt.length}` }] : [];
      yield { lines, cursor: String(startedAt.length) };
    },
    jobEnded: () => Promise.resolve(startedAt.length >= 3),
    isRetryable: () => false,
    pollMs: 300,
    busyPollMs: 30,
  });
  const lines: string[] = [];
  for await (const batch of tail) lines.push(...batch.lines.map((l) => l.text));
  assert.deepEqual(lines, ['line 1', 'line 2', 'line 3']);
  const pauses = startedAt.slice(1).map((t, i) => t - startedAt[i]!);
  assert.equal(pauses.length, 4, 'three rounds with lines, then two quiet ones (the second ends the tail)');
  for (const busy of pauses.slice(0, 3)) assert.ok(busy < 200, `after a round with lines: ${busy.toFixed(0)} ms`);
  for (const idle of pauses.slice(3)) assert.ok(idle >= 290, `after a round without: ${idle.toFixed(0)} ms`);
});

test('pagesAhead asks for the next page while the caller handles this one, one request at a time, and drops what a stopped caller left', async () => {
  const events: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchPage = async (token: string | undefined) => {
    const n = Number(token ?? 0);
    events.push(`ask ${n}`);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight--;
    if (n === 3) throw new Error('page 3 refused');
    return { n, next: n < 4 ? String(n + 1) : undefined };
  };
  const handled: number[] = [];
  for await (const page of pagesAhead(fetchPage, (p) => p.next)) {
    events.push(`handle ${page.n}`);
    handled.push(page.n);
    if (page.n === 2) break;
  }
  assert.deepEqual(handled, [0, 1, 2]);
  assert.deepEqual(events, ['ask 0', 'ask 1', 'handle 0', 'ask 2', 'handle 1', 'ask 3', 'handle 2']);
  assert.equal(maxInFlight, 1);
  // Page 3, asked for before the caller stopped, fails with nobody awaiting it: no unhandled rejection.
  await new Promise((resolve) => setTimeout(resolve, 20));
  // A failure the caller reaches is its error.
  await assert.rejects(async () => {
    for await (const _ of pagesAhead(fetchPage, (p) => p.next)) void _;
  }, /page 3 refused/);
});
