// Waiting between calls to a backend, shared by the status watch and every cloud's log tail: a
// pause that ends early when the signal aborts, and capped exponential backoff with full jitter
// for throttled or failing calls (so that many tails do not retry in step).

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly capMs = 20_000,
  ) {}

  /** The next wait: random in [0, min(cap, base * 2^attempt)). */
  next(): number {
    this.attempt += 1;
    return Math.random() * Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Runs one call until it answers, waiting out the failures `isRetryable` accepts (throttling,
 * 5xx, dropped connections) with the backoff; anything else, or an abort, is thrown. Each call
 * is retried on its own, so a throttled read never throws away what the calls before it read.
 */
export async function retrying<T>(
  request: () => Promise<T>,
  backoff: Backoff,
  isRetryable: (error: unknown) => boolean,
  signal?: AbortSignal,
): Promise<T> {
  for (;;) {
    try {
      const answer = await request();
      backoff.reset();
      return answer;
    } catch (error) {
      if (!isRetryable(error) || signal?.aborted) throw error;
      await sleep(backoff.next(), signal);
    }
  }
}

/**
 * The pages of one paged read, each next page asked for as soon as the page before it arrives,
 * before the caller has handled that one: the service builds page n+1 while the caller decodes
 * and writes page n. Still one request in flight at a time and no more requests than a plain
 * loop; a caller that stops early leaves at most the one in flight, whose answer is dropped.
 */
export async function* pagesAhead<P>(
  fetchPage: (pageToken: string | undefined) => Promise<P>,
  nextToken: (page: P) => string | undefined,
): AsyncGenerator<P> {
  let pending: Promise<P> | undefined = fetchPage(undefined);
  while (pending) {
    const page: P = await pending;
    const token = nextToken(page);
    pending = token ? fetchPage(token) : undefined;
    // Awaited on the next turn of the loop; this keeps a failure nobody awaits (the caller
    // stopped) from being an unhandled rejection.
    pending?.catch(() => undefined);
    yield page;
  }
}
