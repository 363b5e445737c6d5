// The round loop every cloud log tail shares: ask whether the job has ended, read what is new
// (the backend's own calls, each batch carrying the cursor after it), pause, and once the job
// has ended keep reading until the backend (whose log ingestion lags) has had nothing new for a
// few rounds and a settling time, then end. What a round reads and how its cursor is encoded is
// each backend's; the loop, the drain and the abort are here once.
import { sleep } from './polling';
import type { LogBatch } from './stepOperator';

export interface PollingTailOptions {
  /** Everything new since the last batch, as batches with their cursors (empty ones are skipped). */
  readonly readRound: () => AsyncIterable<LogBatch>;
  /** Whether the job has ended; a failure `isRetryable` accepts counts as "not yet". */
  readonly jobEnded: () => Promise<boolean>;
  readonly isRetryable: (error: unknown) => boolean;
  readonly pollMs: number;
  /**
   * The pause after a round that read lines (the job is printing, more is likely on its way):
   * shorter than pollMs where the backend's read quotas allow, so that a busy log arrives sooner.
   * Default pollMs.
   */
  readonly busyPollMs?: number;
  /** After the job ended: quiet rounds in a row before the tail is taken as complete. */
  readonly quietRoundsToEnd?: number;
  /** After the job ended: how long to keep reading at least, for lines the backend ingests late. */
  readonly settleMs?: number;
  /** When the job ended (epoch ms), if the backend says: the settling time counts from then. */
  readonly endTime?: () => number | undefined;
  readonly signal?: AbortSignal;
}

export async function* pollingTail(options: PollingTailOptions): AsyncIterable<LogBatch> {
  let endedAt: number | undefined;
  let quiet = 0;
  while (!options.signal?.aborted) {
    // Asked before reading, so that a round that starts after the end reads everything written.
    if (endedAt === undefined) {
      const ended = await options.jobEnded().catch((error: unknown) => {
        if (options.isRetryable(error)) return false;
        throw error;
      });
      if (ended) endedAt = Math.min(Date.now(), options.endTime?.() ?? Date.now());
    }
    let read = 0;
    for await (const batch of options.readRound()) {
      if (batch.lines.length === 0) continue;
      read += batch.lines.length;
      yield batch;
    }
    if (read > 0) quiet = 0;
    else if (endedAt !== undefined && ++quiet >= (options.quietRoundsToEnd ?? 2)) {
      if (Date.now() - endedAt >= (options.settleMs ?? 0)) return;
    }
    await sleep(read > 0 ? (options.busyPollMs ?? options.pollMs) : options.pollMs, options.signal);
  }
}
