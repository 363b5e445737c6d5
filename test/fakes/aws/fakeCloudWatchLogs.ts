// A strict stand-in for CloudWatch Logs, for what a log tail reads (DescribeLogStreams,
// GetLogEvents with CloudWatch's forward and backward tokens) and what writes logs
// (CreateLogGroup, CreateLogStream, PutLogEvents), on the shared AWS fake (protocol, SigV4,
// permissions) with every request validated against AWS's CloudWatch Logs model. One AWS
// account's logs: every identity of the fake sees the same groups. The emulator that runs
// training containers writes their output with append(), as the log agent on an instance would.
import {
  accountIdOf,
  type AwsReply,
  awsError,
  type FakeAccount,
  type FakeAwsService,
  startFakeAwsJsonService,
} from '../awsJsonService';
import type { FakeListen } from '../loopbackServer';
import { type DescribeInput, describeLogStreams, sequenceToken } from './describeLogStreams';
import {
  eventBytes,
  InvalidToken,
  isForwardToken,
  type LogEventInput,
  type LogGroupState,
  LogGroups,
  type LogStreamState,
  PAGE_BYTES,
  readPage,
  type StoredEvent,
} from './logStore';
import { loadServiceModel } from './serviceModel';

export type { LogEventInput, StoredEvent } from './logStore';

export interface FakeCloudWatchLogs extends FakeAwsService {
  /** Appends events to GROUP/STREAM (both made when missing), as a log agent would; each event's ingestion time is now. */
  append(group: string, stream: string, events: readonly LogEventInput[]): void;
  /** Every event of GROUP/STREAM in CloudWatch's order, visible yet or not ([] for a stream that does not exist). */
  eventsOf(group: string, stream: string): readonly StoredEvent[];
  /** How long after arriving an event becomes visible to readers (CloudWatch lags); default 0. */
  ingestionDelayMs: number;
}

const DAY_MS = 24 * 3600_000;
/** PutLogEvents takes events from 14 days before now to 2 hours after. */
const OLDEST_MS = 14 * DAY_MS;
const NEWEST_MS = 2 * 3600_000;

type Input = Record<string, unknown>;

const notFound = (what: 'group' | 'stream') =>
  awsError(400, 'ResourceNotFoundException', `The specified log ${what} does not exist.`);
const alreadyExists = (what: 'group' | 'stream') =>
  awsError(400, 'ResourceAlreadyExistsException', `The specified log ${what} already exists`);
const invalid = (message: string) => awsError(400, 'InvalidParameterException', message);

export async function startFakeCloudWatchLogs(
  region: string,
  accounts: readonly FakeAccount[],
  listen: FakeListen = {},
): Promise<FakeCloudWatchLogs> {
  const logs = new LogGroups();
  const service = await startFakeAwsJsonService({
    service: 'logs',
    targetPrefix: 'Logs_20140328',
    region,
    accounts,
    listen,
    model: loadServiceModel('logs'),
    operations: {
      CreateLogGroup: (input) => (logs.createGroup(input.logGroupName as string) ? [200, {}] : alreadyExists('group')),
      CreateLogStream: (input) => {
        const group = logs.group(input.logGroupName as string);
        if (!group) return notFound('group');
        return logs.createStream(group, input.logStreamName as string) ? [200, {}] : alreadyExists('stream');
      },
      PutLogEvents: (input) => putLogEvents(logs, input),
      DescribeLogStreams: (input, account) => {
        const group = groupOf(logs, input);
        return Array.isArray(group)
          ? group
          : describeLogStreams(group, input as DescribeInput, `arn:aws:logs:${region}:${accountIdOf(account)}`);
      },
      GetLogEvents: (input) => getLogEvents(logs, input),
    },
  });
  return {
    ...service,
    get ingestionDelayMs() {
      return logs.ingestionDelayMs;
    },
    set ingestionDelayMs(ms: number) {
      logs.ingestionDelayMs = ms;
    },
    append(group, stream, events) {
      const empty = events.findIndex((e) => e.message === '');
      if (empty >= 0) {
        throw new Error(
          `Event ${empty} for ${group}/${stream} has an empty message, which CloudWatch Logs refuses ` +
            '(its messages are at least 1 character): skip empty lines or give them content.',
        );
      }
      logs.add(logs.streamFor(group, stream), events);
    },
    eventsOf: (group, stream) => [...(logs.group(group)?.streams.get(stream)?.events ?? [])],
  };
}

/** The group a request names by logGroupName or logGroupIdentifier (a name or an ARN), or the error to answer. */
function groupOf(logs: LogGroups, input: Input): LogGroupState | AwsReply {
  const name = input.logGroupName as string | undefined;
  const identifier = input.logGroupIdentifier as string | undefined;
  if (name !== undefined && identifier !== undefined) {
    return invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  const wanted = name ?? identifier?.replace(/^arn:aws[a-z-]*:logs:[^:]*:\d{12}:log-group:/, '').replace(/:\*$/, '');
  if (wanted === undefined) return invalid('Either logGroupName or logGroupIdentifier must be specified.');
  return logs.group(wanted) ?? notFound('group');
}

function streamOf(logs: LogGroups, input: Input): LogStreamState | AwsReply {
  const group = groupOf(logs, input);
  if (Array.isArray(group)) return group;
  return group.streams.get(input.logStreamName as string) ?? notFound('stream');
}

function putLogEvents(logs: LogGroups, input: Input): AwsReply {
  const stream = streamOf(logs, input);
  if (Array.isArray(stream)) return stream;
  const events = input.logEvents as LogEventInput[];
  if (events.some((e, i) => i > 0 && e.timestamp < events[i - 1]!.timestamp)) {
    return invalid('Log events in a single PutLogEvents request must be in chronological order.');
  }
  if (events.at(-1)!.timestamp - events[0]!.timestamp > DAY_MS) {
    return invalid('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  }
  const bytes = events.reduce((sum, e) => sum + eventBytes(e.message), 0);
  if (bytes > PAGE_BYTES) return invalid(`Upload too large: ${bytes} bytes exceeds limit of ${PAGE_BYTES}`);
  // Events too old or too new are rejected by index (they are in order: a head and a tail), the rest stored.
  const now = Date.now();
  const tooOld = events.filter((e) => e.timestamp < now - OLDEST_MS).length - 1;
  const tooNew = events.findIndex((e) => e.timestamp > now + NEWEST_MS);
  logs.add(stream, events.slice(tooOld + 1, tooNew === -1 ? undefined : tooNew));
  const rejected = {
    ...(tooOld >= 0 ? { tooOldLogEventEndIndex: tooOld } : {}),
    ...(tooNew >= 0 ? { tooNewLogEventStartIndex: tooNew } : {}),
  };
  const reply = { nextSequenceToken: sequenceToken(stream) };
  return [200, Object.keys(rejected).length ? { ...reply, rejectedLogEventsInfo: rejected } : reply];
}

function getLogEvents(logs: LogGroups, input: Input): AwsReply {
  const stream = streamOf(logs, input);
  if (Array.isArray(stream)) return stream;
  const token = input.nextToken as string | undefined;
  const startFromHead = input.startFromHead === true;
  if (token !== undefined && isForwardToken(token) && !startFromHead) {
    // CloudWatch documents this: a nextForwardToken reads on only with startFromHead true.
    return invalid('A nextForwardToken must be used with startFromHead set to true.');
  }
  try {
    const page = readPage(
      stream,
      {
        startFromHead,
        nextToken: token,
        startTime: input.startTime as number | undefined,
        endTime: input.endTime as number | undefined,
        limit: input.limit as number | undefined,
      },
      Date.now(),
    );
    const events = page.events.map(({ timestamp, message, ingestionTime }) => ({ timestamp, message, ingestionTime }));
    return [200, { events, nextForwardToken: page.nextForwardToken, nextBackwardToken: page.nextBackwardToken }];
  } catch (error) {
    if (error instanceof InvalidToken) return invalid(error.message);
    throw error;
  }
}
