// Live logs of a training job from CloudWatch Logs, as sagemaker-python-sdk's logs.py reads
// them: the job's streams (/aws/sagemaker/TrainingJobs, "<job>/algo-N-<epoch>") are found by
// prefix as they appear, each is read forward with its own token, and a round's events are
// merged by time, each line naming its instance when the job has several. The cursor is the
// per-stream tokens, so a reattach resumes exactly after the last delivered line. Throttling and
// 5xx answers are waited out with capped, jittered backoff; once the job has ended the tail keeps
// reading until CloudWatch (which lags) has nothing more, then ends.
import type * as CloudWatchLogs from '@aws-sdk/client-cloudwatch-logs';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { pollingTail } from '../../../operators/logTail';
import { Backoff, retrying } from '../../../operators/polling';
import type { LogBatch, LogCursor, LogLine } from '../../../operators/stepOperator';
import { isDroppedConnection } from '../../shared/networkErrors';

export const TRAINING_LOG_GROUP = '/aws/sagemaker/TrainingJobs';

export interface TailOptions {
  readonly jobName: string;
  /** Name each line's instance ("algo-2"): only jobs with more than one have several streams. */
  readonly multiInstance: boolean;
  /** Whether the job has ended (asked once a round). */
  readonly jobEnded: () => Promise<boolean>;
  readonly pollMs: number;
  /** The pause after a round that read lines (see pollingTail); default pollMs. */
  readonly busyPollMs?: number;
  /** After the job ended: quiet rounds in a row before the tail is taken as complete. */
  readonly quietRoundsToEnd?: number;
  readonly signal?: AbortSignal;
}

interface TailCursor {
  readonly v: 1;
  /** Stream name -> the forward token to read it from. */
  readonly streams: Record<string, string>;
}

export function parseTailCursor(cursor: LogCursor | undefined): TailCursor {
  if (!cursor) return { v: 1, streams: {} };
  const value = JSON.parse(cursor) as TailCursor;
  if (value.v !== 1 || typeof value.streams !== 'object') throw new Error(`Not a SageMaker log cursor: ${cursor}`);
  return value;
}

export async function* tailTrainingLogs(
  logs: CloudWatchLogsClient,
  from: LogCursor | undefined,
  options: TailOptions,
): AsyncIterable<LogBatch> {
  const { DescribeLogStreamsCommand, GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const tokens = { ...parseTailCursor(from).streams };
  const backoff = new Backoff(options.pollMs);
  const call = <T>(request: () => Promise<T>): Promise<T> => retrying(request, backoff, isRetryable, options.signal);
  async function* readRound(): AsyncIterable<LogBatch> {
    const perStream: LogLine[][] = [];
    for (const stream of await streamsOf(logs, DescribeLogStreamsCommand, options, call)) {
      perStream.push(await readStream(logs, GetLogEventsCommand, stream, tokens, options, call));
    }
    // Each stream is in time order already; several are merged by time (a stable sort keeps each
    // stream's own order among lines of one millisecond).
    const lines =
      perStream.length === 1 ? perStream[0]! : perStream.flat().sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    yield { lines, cursor: JSON.stringify({ v: 1, streams: tokens }) };
  }
  yield* pollingTail({
    readRound,
    jobEnded: options.jobEnded,
    isRetryable,
    pollMs: options.pollMs,
    ...(options.busyPollMs !== undefined ? { busyPollMs: options.busyPollMs } : {}),
    ...(options.quietRoundsToEnd !== undefined ? { quietRoundsToEnd: options.quietRoundsToEnd } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

type Call = <T>(request: () => Promise<T>) => Promise<T>;

async function streamsOf(
  logs: CloudWatchLogsClient,
  Describe: typeof CloudWatchLogs.DescribeLogStreamsCommand,
  options: TailOptions,
  call: Call,
): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await call(() =>
        logs.send(
          new Describe({
            logGroupName: TRAINING_LOG_GROUP,
            logStreamNamePrefix: `${options.jobName}/`,
            ...(nextToken ? { nextToken } : {}),
          }),
          { abortSignal: options.signal },
        ),
      );
    } catch (error) {
      // The group appears with the first job's first line: until then there is nothing to read.
      if ((error as Error).name === 'ResourceNotFoundException') return [];
      throw error;
    }
    names.push(...(page.logStreams ?? []).map((s) => s.logStreamName!).filter(Boolean));
    nextToken = page.nextToken;
  } while (nextToken);
  return names.sort();
}

async function readStream(
  logs: CloudWatchLogsClient,
  GetEvents: typeof CloudWatchLogs.GetLogEventsCommand,
  stream: string,
  tokens: Record<string, string>,
  options: TailOptions,
  call: Call,
): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const source = options.multiInstance ? /\/(algo-\d+)/.exec(stream)?.[1] : undefined;
  for (;;) {
    const token = tokens[stream];
    const page = await call(() =>
      logs.send(
        new GetEvents({
          logGroupName: TRAINING_LOG_GROUP,
          logStreamName: stream,
          startFromHead: true,
          ...(token ? { nextToken: token } : {}),
        }),
        { abortSignal: options.signal },
      ),
    );
    for (const event of page.events ?? []) {
      lines.push({
        text: (event.message ?? '').replace(/\r?\n$/, ''),
        ...(event.timestamp !== undefined ? { timestamp: event.timestamp } : {}),
        ...(source ? { source } : {}),
      });
    }
    // CloudWatch hands back the token it was given when there is nothing newer.
    const next = page.nextForwardToken;
    if (!next || next === token) return lines;
    tokens[stream] = next;
    if ((page.events ?? []).length === 0) return lines;
  }
}

function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    e.name === 'ThrottlingException' ||
    e.name === 'ServiceUnavailableException' ||
    status === 429 ||
    status >= 500 ||
    isDroppedConnection(error)
  );
}
