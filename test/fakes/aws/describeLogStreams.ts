// CloudWatch Logs' DescribeLogStreams over the fake's log groups: a group's streams by name prefix,
// ordered by name or by last event time, a page at a time (50 unless a limit says fewer), each
// with the times of its visible events, as CloudWatch describes them.
import { type AwsReply, awsError } from '../awsJsonService';
import { type LogGroupState, type LogStreamState, type StoredEvent, visibleEvents } from './logStore';

const DESCRIBE_PAGE = 50;

interface DescribedStream {
  readonly logStreamName: string;
  readonly creationTime: number;
  readonly firstEventTimestamp?: number;
  readonly lastEventTimestamp?: number;
  readonly lastIngestionTime?: number;
  readonly uploadSequenceToken: string;
  readonly arn: string;
  readonly storedBytes: number;
}

export interface DescribeInput {
  readonly logStreamNamePrefix?: string;
  readonly orderBy?: 'LogStreamName' | 'LastEventTime';
  readonly descending?: boolean;
  readonly limit?: number;
  readonly nextToken?: string;
}

const invalid = (message: string) => awsError(400, 'InvalidParameterException', message);

/** The page of `group`'s streams a (validated) DescribeLogStreams input asks for. */
export function describeLogStreams(group: LogGroupState, input: DescribeInput, arnPrefix: string): AwsReply {
  const { logStreamNamePrefix: prefix = '', orderBy = 'LogStreamName', descending = false } = input;
  if (orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
    return invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const query = JSON.stringify([group.name, prefix, orderBy, descending]);
  const from = input.nextToken === undefined ? {} : describeCursor(input.nextToken, query);
  if (!from) return invalid('The specified nextToken is invalid.');
  const now = Date.now();
  const listed = [...group.streams.values()]
    .filter((s) => s.name.startsWith(prefix))
    .map((s) => describeStream(s, visibleEvents(s, now), `${arnPrefix}:log-group:${group.name}`));
  listed.sort(orderBy === 'LastEventTime' ? byLastEvent : byName);
  if (descending) listed.reverse();
  // By name, a page goes on after the last name given, so streams made meanwhile are neither
  // repeated nor skipped; by last event time (which moves) it goes on by position.
  const after = from.afterName;
  const rest =
    after === undefined
      ? listed.slice(from.offset ?? 0)
      : listed.filter((s) => (descending ? s.logStreamName < after : s.logStreamName > after));
  const page = rest.slice(0, input.limit ?? DESCRIBE_PAGE);
  if (page.length === rest.length) return [200, { logStreams: page }];
  const cursor: DescribeCursor =
    orderBy === 'LogStreamName'
      ? { afterName: page.at(-1)!.logStreamName }
      : { offset: (from.offset ?? 0) + page.length };
  return [200, { logStreams: page, nextToken: describeToken(query, cursor) }];
}

function describeStream(stream: LogStreamState, visible: readonly StoredEvent[], groupArn: string): DescribedStream {
  const times = visible.length
    ? {
        firstEventTimestamp: visible[0]!.timestamp,
        lastEventTimestamp: visible.at(-1)!.timestamp,
        lastIngestionTime: Math.max(...visible.map((e) => e.ingestionTime)),
      }
    : {};
  return {
    logStreamName: stream.name,
    creationTime: stream.creationTime,
    ...times,
    uploadSequenceToken: sequenceToken(stream),
    arn: `${groupArn}:log-stream:${stream.name}`,
    // Deprecated by CloudWatch, which answers 0.
    storedBytes: 0,
  };
}

const byName = (a: DescribedStream, b: DescribedStream) =>
  a.logStreamName < b.logStreamName ? -1 : a.logStreamName > b.logStreamName ? 1 : 0;
const byLastEvent = (a: DescribedStream, b: DescribedStream) =>
  (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) || byName(a, b);

/** CloudWatch's sequence tokens are 56-digit numbers; it no longer requires them, but still answers one. */
export const sequenceToken = (stream: LogStreamState) =>
  `4${String(stream.id).padStart(27, '0')}${String(stream.uploads).padStart(28, '0')}`;

interface DescribeCursor {
  readonly afterName?: string;
  readonly offset?: number;
}

/** DescribeLogStreams' tokens: opaque, bound to the query they page through. */
function describeToken(query: string, cursor: DescribeCursor): string {
  return Buffer.from(JSON.stringify({ query, ...cursor })).toString('base64url');
}

function describeCursor(token: string, query: string): DescribeCursor | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (parsed.query !== query) return undefined;
    if (typeof parsed.afterName === 'string') return { afterName: parsed.afterName };
    return Number.isInteger(parsed.offset) ? { offset: parsed.offset as number } : undefined;
  } catch {
    return undefined;
  }
}
