// The job emulators' waits between stages: over at once when the job was stopped already, and cut
// short when it is stopped while waiting (unlike a plain sleep, which an aborted signal never ends).

/** Waits `ms` (nothing when negative), or less when `signal` fires. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
