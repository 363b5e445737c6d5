// Live logs of an Azure ML job: its user_logs/std_log*.txt files (one per process when the job
// is distributed, each process the source of its lines), listed with read-only SAS URLs in the
// run history's details and read forward with HTTP range requests from the byte after the last
// line delivered. The Azure CLI's `az ml job stream` downloads each file whole again every round
// and prints what is new; here a round asks only for the bytes not yet seen, in bounded chunks.
// Each call is retried on its own through throttling (429, Blob's 503 ServerBusy), server errors
// and dropped connections; once the job has ended the shared round loop drains what is left, and
// a last line that never got its newline is delivered at the very end.
import { pollingTail } from '../../../operators/logTail';
import { Backoff, retrying } from '../../../operators/polling';
import type { LogBatch, LogCursor } from '../../../operators/stepOperator';
import { isRetryableAzureCall } from '../errors';
import { type HttpAnswer, httpCall } from '../../shared/httpCall';
import { LogFileTail, encodeLogFilesCursor, parseLogFilesCursor, userLogFiles } from './jobLogFiles';
import type { RunDetails } from './runHistory';

/** The most one range request asks for: a long log arrives in several batches, each bounded. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** A SAS URL refused this many rounds in a row is not an expired one the next listing replaces. */
const REFUSALS_TO_GIVE_UP = 5;
/** The first wait after a throttled or failed read; it doubles (jittered) while they go on. */
const RETRY_BASE_MS = 500;

export interface JobLogTailOptions {
  /** The run's details, whose logFiles name the files and their current SAS URLs. */
  readonly details: (signal?: AbortSignal) => Promise<RunDetails | undefined>;
  /** Whether the job has ended (asked once a round). */
  readonly jobEnded: () => Promise<boolean>;
  readonly pollMs: number;
  /** The pause after a round that read lines (see pollingTail); default pollMs. */
  readonly busyPollMs?: number;
  readonly signal?: AbortSignal;
}

export async function* tailJobLogs(from: LogCursor | undefined, options: JobLogTailOptions): AsyncIterable<LogBatch> {
  const tails = new Map(
    Object.entries(parseLogFilesCursor(from)).map(([name, offset]) => [name, new LogFileTail(name, offset)]),
  );
  const refusals = new Map<string, number>();
  const backoff = new Backoff(RETRY_BASE_MS);
  const cursor = () =>
    encodeLogFilesCursor(Object.fromEntries([...tails].map(([name, tail]) => [name, tail.deliveredBytes])));
  const tailOf = (name: string) => tails.get(name) ?? tails.set(name, new LogFileTail(name)).get(name)!;

  async function* readRound(): AsyncIterable<LogBatch> {
    const details = await options.details(options.signal);
    const urls = details?.logFiles ?? {};
    for (const name of userLogFiles(Object.keys(urls))) {
      const tail = tailOf(name);
      for (;;) {
        const answer = await retrying(
          () => readRange(urls[name]!, tail.readFrom, options.signal),
          backoff,
          isRetryableAzureCall,
          options.signal,
        );
        if (answer.kind === 'refused') {
          const count = (refusals.get(name) ?? 0) + 1;
          refusals.set(name, count);
          if (count >= REFUSALS_TO_GIVE_UP) throw answer.error;
          break; // an expired SAS: the next round's listing brings a fresh one
        }
        refusals.delete(name);
        if (answer.kind === 'nothing') break;
        yield { lines: tail.accept(answer.bytes, answer.offset), cursor: cursor() };
        if (answer.bytes.length < CHUNK_BYTES) break;
      }
    }
  }

  yield* pollingTail({
    readRound,
    jobEnded: options.jobEnded,
    isRetryable: isRetryableAzureCall,
    pollMs: options.pollMs,
    ...(options.busyPollMs !== undefined ? { busyPollMs: options.busyPollMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (options.signal?.aborted) return;
  // The tail ended because the job did: a last line without its newline is complete now.
  for (const tail of tails.values()) {
    const lines = tail.flush();
    if (lines.length > 0) yield { lines, cursor: cursor() };
  }
}

type RangeAnswer =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly offset: number }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'refused'; readonly error: Error };

/** One ranged GET of a blob by its SAS URL, from `offset` for at most CHUNK_BYTES. */
async function readRange(url: string, offset: number, signal?: AbortSignal): Promise<RangeAnswer> {
  const response = await httpCall(url, {
    headers: { range: `bytes=${offset}-${offset + CHUNK_BYTES - 1}`, 'x-ms-version': '2021-08-06' },
    ...(signal ? { signal } : {}),
  });
  // 416: the file has no byte at `offset` yet; 404: the file is listed before its first write.
  if (response.status === 416 || response.status === 404) return { kind: 'nothing' };
  if (response.status === 403) return { kind: 'refused', error: blobError(response, url) };
  if (response.status !== 200 && response.status !== 206) {
    throw Object.assign(blobError(response, url), { statusCode: response.status });
  }
  // A server that ignores Range answers 200 with the whole file.
  const start = response.status === 206 ? rangeStart(response.header('content-range')) : 0;
  return { kind: 'bytes', bytes: response.bytes, offset: start ?? offset };
}

function rangeStart(contentRange: string | undefined): number | undefined {
  const start = /^bytes (\d+)-/.exec(contentRange ?? '')?.[1];
  return start === undefined ? undefined : Number(start);
}

function blobError(response: HttpAnswer, url: string): Error {
  const where = url.split('?')[0];
  const code = response.header('x-ms-error-code');
  return new Error(`The job's log file ${where} answered ${response.status}${code ? ` ${code}` : ''}.`);
}
