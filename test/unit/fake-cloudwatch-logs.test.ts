// The CloudWatch Logs fake through the real CloudWatch Logs client, as a training-log tail uses
// it: streams found by prefix a page at a time, events read forward with CloudWatch's tokens
// (nothing repeated or skipped, the same token while nothing is new), the latest events read
// backward, pages capped at 1 MB or 10,000 events, an ingestion lag, throttling the SDK rides
// out, and requests the model refuses.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogStreamsCommand,
  type DescribeLogStreamsCommandInput,
  GetLogEventsCommand,
  type GetLogEventsCommandInput,
  paginateDescribeLogStreams,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { type FakeCloudWatchLogs, startFakeCloudWatchLogs } from '../fakes/aws/fakeCloudWatchLogs';

// Test-only identities of the fake; they exist nowhere else.
const TAIL = {
  accessKeyId: 'AKIDSTEPOPSLOGS',
  secretAccessKey: 'logs-secret',
  allowed: ['DescribeLogStreams', 'GetLogEvents', 'CreateLogGroup', 'CreateLogStream', 'PutLogEvents'].map(
    (action) => `logs:${action}`,
  ),
};
const NOBODY = { accessKeyId: 'AKIDSTEPOPSLOGSNOBODY', secretAccessKey: 'nobody-secret', allowed: [] };
const REGION = 'eu-west-1';
const GROUP = '/aws/sagemaker/TrainingJobs';
let logs: FakeCloudWatchLogs;
let client: CloudWatchLogsClient;

before(async () => {
  logs = await startFakeCloudWatchLogs(REGION, [TAIL, NOBODY]);
  client = clientFor(TAIL);
});
afterEach(async () => {
  logs.ingestionDelayMs = 0;
  await fetch(`${logs.endpoint}/__faults`, { method: 'DELETE' });
});
after(async () => {
  await logs.close();
});

function clientFor(key: { accessKeyId: string; secretAccessKey: string }, maxAttempts = 3) {
  return new CloudWatchLogsClient({ region: REGION, endpoint: logs.endpoint, credentials: key, maxAttempts });
}

const lines = (prefix: string, count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => ({
    timestamp: 1_700_000_000_000 + from + i,
    message: `${prefix} ${from + i}`,
  }));

const read = (input: Omit<GetLogEventsCommandInput, 'logGroupName'>) =>
  client.send(new GetLogEventsCommand({ logGroupName: GROUP, ...input }));

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = (await promise.then(
    () => assert.fail('expected the call to be refused'),
    (e: unknown) => e,
  )) as Error;
  return { name: error.name, message: error.message };
}

test('streams are listed by prefix, sorted by name, a page at a time, with their event times', async () => {
  for (const host of [3, 1, 4, 2, 5]) logs.append(GROUP, `job-a/algo-${host}-1700000000`, lines(`host ${host}`, host));
  logs.append(GROUP, 'job-b/algo-1-1700000000', lines('other job', 1));
  const first = await client.send(
    new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: 'job-a/', limit: 2 }),
  );
  assert.deepEqual(
    first.logStreams?.map((s) => s.logStreamName),
    ['job-a/algo-1-1700000000', 'job-a/algo-2-1700000000'],
  );
  const [one] = first.logStreams!;
  assert.equal(one?.firstEventTimestamp, 1_700_000_000_000);
  assert.equal(one?.lastEventTimestamp, 1_700_000_000_000);
  assert.ok(one?.lastIngestionTime && Math.abs(one.lastIngestionTime - Date.now()) < 60_000);
  assert.equal(one?.arn, `arn:aws:logs:${REGION}:123456789012:log-group:${GROUP}:log-stream:job-a/algo-1-1700000000`);
  // Streams made while paging: one after the cursor is listed, one before it is not repeated.
  logs.append(GROUP, 'job-a/algo-0-1700000000', lines('late', 1));
  logs.append(GROUP, 'job-a/algo-9-1700000000', lines('late', 1));
  const rest = await client.send(
    new DescribeLogStreamsCommand({
      logGroupName: GROUP,
      logStreamNamePrefix: 'job-a/',
      limit: 2,
      nextToken: first.nextToken,
    }),
  );
  assert.deepEqual(
    rest.logStreams?.map((s) => s.logStreamName),
    ['job-a/algo-3-1700000000', 'job-a/algo-4-1700000000'],
  );
  const all: string[] = [];
  const query: DescribeLogStreamsCommandInput = { logGroupName: GROUP, logStreamNamePrefix: 'job-a/' };
  for await (const page of paginateDescribeLogStreams({ client, pageSize: 3 }, query)) {
    all.push(...page.logStreams!.map((s) => s.logStreamName!.slice('job-a/algo-'.length, -'-1700000000'.length)));
  }
  assert.deepEqual(all, ['0', '1', '2', '3', '4', '5', '9']);
});

test('streams by last event time, newest first; a prefix with that order, a foreign token and an unknown group are refused', async () => {
  const byTime = await client.send(
    new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: 'LastEventTime', descending: true, limit: 1 }),
  );
  assert.equal(byTime.logStreams?.[0]?.logStreamName, 'job-a/algo-5-1700000000');
  assert.deepEqual(
    await refusal(
      client.send(
        new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: 'LastEventTime', logStreamNamePrefix: 'job-a/' }),
      ),
    ),
    { name: 'InvalidParameterException', message: 'Cannot order by LastEventTime with a logStreamNamePrefix.' },
  );
  const other = await refusal(
    client.send(
      new DescribeLogStreamsCommand({
        logGroupName: GROUP,
        logStreamNamePrefix: 'job-b/',
        nextToken: byTime.nextToken,
      }),
    ),
  );
  assert.equal(other.name, 'InvalidParameterException');
  assert.deepEqual(
    await refusal(client.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/sagemaker/Nothing' }))),
    {
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    },
  );
});

test('forward tokens page through every event once, and hand back the same token while nothing is new', async () => {
  const stream = 'job-c/algo-1-1700000000';
  logs.append(GROUP, stream, lines('line', 25));
  const seen: string[] = [];
  const sizes: number[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await read({ logStreamName: stream, startFromHead: true, limit: 10, nextToken: token });
    sizes.push(page.events!.length);
    seen.push(...page.events!.map((e) => e.message!));
    if (page.nextForwardToken === token) break;
    token = page.nextForwardToken;
  }
  assert.deepEqual(sizes, [10, 10, 5, 0]);
  const again = await read({ logStreamName: stream, startFromHead: true, nextToken: token });
  assert.deepEqual([again.events, again.nextForwardToken], [[], token]);
  logs.append(GROUP, stream, lines('line', 3, 25));
  const fresh = await read({ logStreamName: stream, startFromHead: true, nextToken: token });
  seen.push(...fresh.events!.map((e) => e.message!));
  assert.notEqual(fresh.nextForwardToken, token);
  assert.deepEqual(
    seen,
    lines('line', 28).map((e) => e.message),
  );
  assert.deepEqual(fresh.events?.[0], {
    timestamp: 1_700_000_000_025,
    message: 'line 25',
    ingestionTime: fresh.events![0]!.ingestionTime,
  });
  assert.match(token ?? '', /^f\/\d{56}\/s$/);
});

test('without a token the latest events come first; backward tokens read earlier ones, the forward token only new ones', async () => {
  const stream = 'job-d/algo-1-1700000000';
  logs.append(GROUP, stream, lines('line', 12));
  const latest = await read({ logStreamName: stream, limit: 5 });
  assert.deepEqual(
    latest.events?.map((e) => e.message),
    ['line 7', 'line 8', 'line 9', 'line 10', 'line 11'],
  );
  const earlier = await read({ logStreamName: stream, limit: 5, nextToken: latest.nextBackwardToken });
  assert.deepEqual(
    earlier.events?.map((e) => e.message),
    ['line 2', 'line 3', 'line 4', 'line 5', 'line 6'],
  );
  assert.match(latest.nextBackwardToken ?? '', /^b\/\d{56}\/s$/);
  const nothing = await read({ logStreamName: stream, startFromHead: true, nextToken: latest.nextForwardToken });
  assert.deepEqual(nothing.events, []);
  logs.append(GROUP, stream, lines('line', 1, 12));
  const next = await read({ logStreamName: stream, startFromHead: true, nextToken: latest.nextForwardToken });
  assert.deepEqual(
    next.events?.map((e) => e.message),
    ['line 12'],
  );
  const window = await read({
    logStreamName: stream,
    startFromHead: true,
    startTime: 1_700_000_000_003,
    endTime: 1_700_000_000_006,
  });
  assert.deepEqual(
    window.events?.map((e) => e.message),
    ['line 3', 'line 4', 'line 5'],
  );
});

test('a page holds at most 1 MB of events (26 bytes each on top of the message) or 10,000 of them', async () => {
  const big = 'x'.repeat(200_000);
  logs.append(
    GROUP,
    'job-e/big',
    Array.from({ length: 11 }, (_, i) => ({ timestamp: 1_700_000_000_000 + i, message: big })),
  );
  const sizes: number[] = [];
  let token: string | undefined;
  for (let page = 0; page < 4; page++) {
    const { events, nextForwardToken } = await read({
      logStreamName: 'job-e/big',
      startFromHead: true,
      nextToken: token,
    });
    sizes.push(events!.length);
    token = nextForwardToken;
  }
  assert.deepEqual(sizes, [5, 5, 1, 0]);
  logs.append(GROUP, 'job-e/many', lines('n', 10_050));
  const first = await read({ logStreamName: 'job-e/many', startFromHead: true });
  assert.equal(first.events?.length, 10_000);
  const second = await read({ logStreamName: 'job-e/many', startFromHead: true, nextToken: first.nextForwardToken });
  assert.deepEqual([second.events?.length, second.events?.[0]?.message], [50, 'n 10000']);
});

test('events show only after the ingestion delay, as CloudWatch lags', async () => {
  logs.ingestionDelayMs = 400;
  const stream = 'job-f/algo-1-1700000000';
  logs.append(GROUP, stream, lines('lagging', 2));
  const early = await read({ logStreamName: stream, startFromHead: true });
  assert.deepEqual(early.events, []);
  const [described] = (
    await client.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: stream }))
  ).logStreams!;
  assert.equal(described?.lastEventTimestamp, undefined);
  assert.equal(logs.eventsOf(GROUP, stream).length, 2, 'stored already');
  await new Promise((resolve) => setTimeout(resolve, 450));
  const late = await read({ logStreamName: stream, startFromHead: true, nextToken: early.nextForwardToken });
  assert.deepEqual(
    late.events?.map((e) => e.message),
    ['lagging 0', 'lagging 1'],
  );
});

test('throttled reads are retried by the SDK and never reach the fake; without retries the SDK sees ThrottlingException', async () => {
  logs.append(GROUP, 'job-g/algo-1', lines('line', 1));
  const rule = { service: 'logs', operation: 'GetLogEvents', kind: 'throttle', count: 2 };
  const added = await fetch(`${logs.endpoint}/__faults`, { method: 'POST', body: JSON.stringify(rule) });
  assert.equal(added.status, 201);
  const before = logs.requests.length;
  const page = await read({ logStreamName: 'job-g/algo-1', startFromHead: true });
  assert.deepEqual(
    page.events?.map((e) => e.message),
    ['line 0'],
  );
  assert.equal(logs.requests.length - before, 1);
  assert.equal(page.$metadata.attempts, 3);
  await fetch(`${logs.endpoint}/__faults`, {
    method: 'POST',
    body: JSON.stringify({ service: 'logs', operation: 'DescribeLogStreams', kind: 'throttle', count: 1 }),
  });
  const throttled = await refusal(clientFor(TAIL, 1).send(new DescribeLogStreamsCommand({ logGroupName: GROUP })));
  assert.deepEqual(throttled, { name: 'ThrottlingException', message: 'Rate exceeded' });
});

test("requests the model refuses are answered with CloudWatch's InvalidParameterException", async () => {
  assert.deepEqual(await refusal(read({ logStreamName: 'job-g/algo-1', limit: 0 })), {
    name: 'InvalidParameterException',
    message:
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
  });
  const badGroup = await refusal(client.send(new DescribeLogStreamsCommand({ logGroupName: 'my group', limit: 51 })));
  assert.equal(badGroup.name, 'InvalidParameterException');
  assert.match(badGroup.message, /^2 validation errors detected: /);
  assert.match(
    badGroup.message,
    /Value 'my group' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
  );
  assert.match(
    badGroup.message,
    /Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50/,
  );
  const colon = await refusal(read({ logStreamName: 'job:1' }));
  assert.match(
    colon.message,
    /Value 'job:1' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\^:\*\]\*/,
  );
});

test('tokens belong to their stream and their direction; identities need the logs: action', async () => {
  logs.append(GROUP, 'job-h/one', lines('one', 2));
  logs.append(GROUP, 'job-h/two', lines('two', 2));
  const { nextForwardToken } = await read({ logStreamName: 'job-h/one', startFromHead: true });
  assert.equal(
    (await refusal(read({ logStreamName: 'job-h/two', startFromHead: true, nextToken: nextForwardToken }))).name,
    'InvalidParameterException',
  );
  assert.match(
    (await refusal(read({ logStreamName: 'job-h/one', nextToken: nextForwardToken }))).message,
    /startFromHead/,
  );
  const denied = await refusal(
    clientFor(NOBODY).send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 'job-h/one' })),
  );
  assert.equal(denied.name, 'AccessDeniedException');
  assert.match(denied.message, /not authorized to perform: logs:GetLogEvents/);
});

test('writers make groups and streams and put events, refused as CloudWatch refuses them', async () => {
  const group = '/stepops/test-writes';
  await client.send(new CreateLogGroupCommand({ logGroupName: group }));
  assert.equal(
    (await refusal(client.send(new CreateLogGroupCommand({ logGroupName: group })))).name,
    'ResourceAlreadyExistsException',
  );
  assert.deepEqual(
    await refusal(
      client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 's', logEvents: lines('x', 1) })),
    ),
    {
      name: 'ResourceNotFoundException',
      message: 'The specified log stream does not exist.',
    },
  );
  await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's' }));
  assert.equal(
    (await refusal(client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's' })))).name,
    'ResourceAlreadyExistsException',
  );
  const now = Date.now();
  const day = 24 * 3600_000;
  const put = (logEvents: { timestamp: number; message: string }[]) =>
    client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 's', logEvents }));
  const old = await put([
    { timestamp: now - 14 * day - 3600_000, message: 'too old' },
    { timestamp: now - 14 * day + 3600_000, message: 'kept, nearly too old' },
  ]);
  assert.deepEqual(old.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 0 });
  const fresh = await put([
    { timestamp: now, message: 'kept' },
    { timestamp: now + 3 * 3600_000, message: 'too new' },
  ]);
  assert.deepEqual(fresh.rejectedLogEventsInfo, { tooNewLogEventStartIndex: 1 });
  assert.deepEqual(
    await refusal(
      put([
        { timestamp: now - 2 * day, message: 'a' },
        { timestamp: now, message: 'b' },
      ]),
    ),
    {
      name: 'InvalidParameterException',
      message: 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
    },
  );
  const outOfOrder = await refusal(
    client.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 's',
        logEvents: [
          { timestamp: now, message: 'b' },
          { timestamp: now - 1, message: 'a' },
        ],
      }),
    ),
  );
  assert.deepEqual(outOfOrder, {
    name: 'InvalidParameterException',
    message: 'Log events in a single PutLogEvents request must be in chronological order.',
  });
  const events = await client.send(
    new GetLogEventsCommand({ logGroupName: group, logStreamName: 's', startFromHead: true }),
  );
  assert.deepEqual(
    events.events?.map((e) => e.message),
    ['kept, nearly too old', 'kept'],
  );
  assert.throws(() => logs.append(group, 's', [{ timestamp: now, message: '' }]), /empty message/);
});
