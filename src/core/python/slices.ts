// Long discovery work written once, run two ways: to the end (the CLI, tests), or in slices that
// return to the event loop in between, so that the extension host never stalls on a large or
// broken file. The work is a generator that asks `pause()` at safe points (between chunks, between
// statements, and inside a parse through tree-sitter's progress callback) and yields when it
// answers true.
//
// Why slices on the extension host's thread rather than a worker_threads Worker, from the figures
// of `npm run bench:discovery`: discovery in chunks (chunks.ts) costs a 5 MB file with an early
// unclosed bracket what the clean file costs (about 2 s here), a keystroke in a 20,000-line file
// about 2 ms, and every unit of work between two pause checks (a hundred parser operations, one
// statement's walk, one chunk's trees freed) well under a millisecond, so 15 ms slices keep the
// host responsive: the longest stall measured while the 5 MB broken file is read, opened and
// typed in is one slice plus garbage collection. A worker would copy every version of a document
// (megabytes per keystroke) and every model across threads, hold a second WebAssembly instance of
// the parser with its own trees, and need a bundle entry of its own, for work slicing keeps short.

/** Asked at safe points; true means "yield now, you will be resumed". */
export type Pause = () => boolean;

/** Work that yields whenever `pause()` says so and returns its result at the end. */
export type Sliced<T> = Generator<void, T, void>;

/** Never pauses: for callers that want the result now (the CLI, tests, small files). */
export const NEVER_PAUSE: Pause = () => false;

/** Runs sliced work to its end without returning to the event loop. */
export function runToEnd<T>(work: (pause: Pause) => Sliced<T>): T {
  const generator = work(NEVER_PAUSE);
  for (;;) {
    const step = generator.next();
    if (step.done) return step.value;
  }
}

export interface SliceOptions {
  /** Longest stretch of work between two returns to the event loop, in milliseconds. */
  readonly sliceMs?: number;
  readonly signal?: AbortSignal;
  /** Updated with the longest stretch actually spent (overshoots are bounded by the finest unit of work). */
  readonly stats?: { longestSliceMs: number };
}

/** Target for one slice; overshoot is one unit of work (a statement's walk, 100 parser operations). */
export const DEFAULT_SLICE_MS = 15;

/** Runs sliced work, returning to the event loop (setImmediate) each time it pauses. */
export async function runInSlices<T>(work: (pause: Pause) => Sliced<T>, options: SliceOptions = {}): Promise<T> {
  const sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
  let deadline = 0;
  const generator = work(() => performance.now() >= deadline);
  try {
    for (;;) {
      // Every slice, the first included, starts in a task of its own: a caller's promise chain
      // (one update awaited after another) would otherwise join slices into one long stretch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      options.signal?.throwIfAborted();
      const started = performance.now();
      deadline = started + sliceMs;
      const step = generator.next();
      if (options.stats) {
        options.stats.longestSliceMs = Math.max(options.stats.longestSliceMs, performance.now() - started);
      }
      if (step.done) return step.value;
    }
  } finally {
    generator.return(undefined as never); // runs the work's finally blocks when it stopped early
  }
}
