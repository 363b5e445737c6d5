// Keeps a run's record on disk while the run moves: every transition is written at once (and
// announced), while the log cursor, which moves with every batch, is written at most every
// `cursorSaveMs`. That is safe because RunStore.rewindLogs cuts the log back to the last saved
// cursor on reattach: lines after it are fetched again, never shown twice.
import { type RunRecord, type RunState, withState } from '../runs/runRecord';
import type { RunStore } from '../runs/runStore';

export class RecordKeeper {
  private pending: ReturnType<typeof setTimeout> | undefined;
  /** Saves run one after another, so an older snapshot never overwrites a newer one. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RunStore,
    private record: RunRecord,
    private readonly announce: (record: RunRecord) => void,
    private readonly cursorSaveMs: number,
  ) {}

  get current(): RunRecord {
    return this.record;
  }

  /** Enters a state: saved and announced before this returns. */
  async transition(state: RunState, changes: Partial<RunRecord> = {}): Promise<RunRecord> {
    this.record = withState(this.record, state, changes);
    await this.save();
    this.announce(this.record);
    return this.record;
  }

  /** Changes that need not be on disk at once (the cursor): saved within `cursorSaveMs`. */
  update(changes: Partial<RunRecord>): void {
    this.record = { ...this.record, ...changes };
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      void this.save().catch(() => undefined); // the next save or flush writes it again
    }, this.cursorSaveMs);
  }

  /** Changes worth saving now, without a transition (a new stage, a console link). */
  async note(changes: Partial<RunRecord>): Promise<void> {
    this.record = { ...this.record, ...changes };
    await this.save();
    this.announce(this.record);
  }

  async flush(): Promise<void> {
    await this.save();
  }

  private save(): Promise<void> {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    const snapshot = this.record;
    this.writes = this.writes.catch(() => undefined).then(() => this.store.save(snapshot));
    return this.writes;
  }
}
