// The round loop every cloud log tail shares (src/core/operators/logTail.ts): while the job is
// printing the next round comes after the short pause, when a round found nothing after the
// operator's poll interval; once the job has ended it stops after its quiet rounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollingTail } from '../../src/core/operators/logTail';
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
