// The jobs an emulator runs in the background: each started run is kept until it settles, and
// close() stops every one still running (through the job's own stop signal, as a user's stop
// call would) and waits for their cleanup, telling them the emulator is closing so that they
// skip the grace periods a real stop honours.
export class BackgroundJobs<Job> {
  private readonly running = new Map<Job, Promise<void>>();
  private closing = false;

  constructor(
    /** The controller a job's stop (or cancel) call aborts. */
    private readonly stopOf: (job: Job) => AbortController,
  ) {}

  start(job: Job, run: (closing: () => boolean) => Promise<void>): void {
    const settled = run(() => this.closing).finally(() => this.running.delete(job));
    this.running.set(job, settled);
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.running.keys()) {
      const stop = this.stopOf(job);
      if (!stop.signal.aborted) stop.abort();
    }
    await Promise.all(this.running.values());
  }
}
