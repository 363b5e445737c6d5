// Loaded into a process under measurement (the stepops CLI, as a user runs it; cliRun.ts bundles
// it and starts the CLI with `node --expose-gc --require probe.js`): from the first byte the process writes to stdout (its
// first log line) to its exit, the event loop's delay (perf_hooks' histogram) and the heap in use
// (sampled every 20 ms); over the whole run, every HTTP request it sends, by origin and operation,
// counted with Node's diagnostics channels (node:http and the fetch of undici alike, so no SDK is
// left out). At exit it writes what it saw as JSON to $STEPOPS_BENCH_PROBE.
import diagnostics from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProbeReport {
  /** Event-loop delay from the first stdout write to exit, in ms. */
  readonly loopDelayMaxMs: number;
  readonly loopDelayP99Ms: number;
  /** heapUsed at the first stdout write (after a full GC) and the most seen after it, in bytes. */
  readonly heapAtFirstWrite: number;
  readonly heapPeak: number;
  /** heapUsed at exit after a full GC: what the process still holds. */
  readonly heapRetainedAtExit: number;
  /** "origin operation" -> how many requests. */
  readonly requests: Readonly<Record<string, number>>;
}

const target = process.env.STEPOPS_BENCH_PROBE;
/** Present when the process was started with --expose-gc. */
const gc = (globalThis as { gc?: () => void }).gc;
if (target) {
  const requests: Record<string, number> = {};
  const count = (origin: string, operation: string): void => {
    const key = `${origin} ${operation}`;
    requests[key] = (requests[key] ?? 0) + 1;
  };
  diagnostics.subscribe('http.client.request.start', (message) => {
    const request = (message as { request: ClientRequest }).request;
    const host = request.host ?? String(request.getHeader('host') ?? '');
    const protocol = request.protocol ?? 'http:';
    const port = (request as unknown as { socketPath?: string }).socketPath
      ? 'docker.sock'
      : `${protocol}//${host}${portOf(request)}`;
    count(port, operationOf(request.method, request.path, request.getHeader('x-amz-target')));
  });
  diagnostics.subscribe('undici:request:create', (message) => {
    const request = (message as { request: { origin: string; method: string; path: string; headers: unknown } })
      .request;
    count(String(request.origin), operationOf(request.method, request.path, undefined));
  });

  const delay = monitorEventLoopDelay({ resolution: 10 });
  let heapAtFirstWrite = 0;
  let heapPeak = 0;
  let sampling: ReturnType<typeof setInterval> | undefined;
  const write = process.stdout.write.bind(process.stdout);
  let started = false;
  process.stdout.write = ((...args: Parameters<typeof write>) => {
    if (!started) {
      started = true;
      gc?.();
      heapAtFirstWrite = process.memoryUsage().heapUsed;
      heapPeak = heapAtFirstWrite;
      delay.enable();
      sampling = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 20);
      sampling.unref();
    }
    return write(...args);
  }) as typeof process.stdout.write;
  process.on('exit', () => {
    if (sampling) clearInterval(sampling);
    delay.disable();
    const peak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    gc?.();
    const report: ProbeReport = {
      loopDelayMaxMs: started ? delay.max / 1e6 : 0,
      loopDelayP99Ms: started ? delay.percentile(99) / 1e6 : 0,
      heapAtFirstWrite,
      heapPeak: peak,
      heapRetainedAtExit: process.memoryUsage().heapUsed,
      requests,
    };
    writeFileSync(target, JSON.stringify(report));
  });
}

function portOf(request: ClientRequest): string {
  const header = String(request.getHeader('host') ?? '');
  const port = /:(\d+)$/.exec(header)?.[1];
  return port && !(request.host ?? '').includes(':') ? `:${port}` : '';
}

/** The API operation a request is: the AWS target header, else the method and the path without ids or query. */
function operationOf(method: string, path: string, amzTarget: unknown): string {
  if (typeof amzTarget === 'string') return amzTarget.replace(/^.*\./, '');
  const bare = path.split('?')[0]!;
  return `${method} ${bare.replace(/\/[0-9a-f-]{16,}|\/\d{6,}/g, '/ID')}`;
}
