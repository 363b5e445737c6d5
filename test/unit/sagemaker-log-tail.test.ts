// The SageMaker log tail against the strict CloudWatch Logs fake, through the real client: a
// two-instance job's streams merged by time with each line's instance, resumed from any cursor
// with nothing lost or repeated, throttling, 5xx answers and dropped connections waited out, and
// lines CloudWatch shows late (its ingestion lag) still delivered after the job has ended.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { TRAINING_LOG_GROUP, tailTrainingLogs } from '../../src/core/clouds/aws/sagemaker/trainingLogTail';
import type { LogBatch } from '../../src/core/operators/stepOperator';
import { type FakeCloudWatchLogs, startFakeCloudWatchLogs } from '../fakes/aws/fakeCloudWatchLogs';

const KEY = { accessKeyId: 'AKIDSTEPOPSLOGTAIL', secretAccessKey: 'log-tail-test-secret' };
let logs: FakeCloudWatchLogs;
let client: CloudWatchLogsClient;
const saved = { ...process.env };

before(async () => {
  logs = await startFakeCloudWatchLogs('eu-west-1', [
    { ...KEY, allowed: ['logs:DescribeLogStreams', 'logs:GetLogEvents'] },
  ]);
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  client = new CloudWatchLogsClient({
    region: 'eu-west-1',
    endpoint: logs.endpoint,
    credentials: KEY,
    maxAttempts: 1, // the tail's own backoff is what is under test
  });
});
after(async () => {
  client.destroy();
  await logs.close();
  process.env = saved;
});

async function faults(rules: unknown[]): Promise<void> {
  await fetch(`${logs.endpoint}/__faults`, { method: 'DELETE' });
  if (rules.length) {
    const answer = await fetch(`${logs.endpoint}/__faults`, { method: 'POST', body: JSON.stringify(rules) });
    assert.equal(answer.status, 201, await answer.text());
  }
}

/** Writes `count` lines per instance, a millisecond apart and interleaved, as two containers would. */
function writeJob(job: string, from: number, count: number, start = 1_700_000_000_000): void {
  for (const instance of [1, 2]) {
    logs.append(
      TRAINING_LOG_GROUP,
      `${job}/algo-${instance}-1700000000`,
      Array.from({ length: count }, (_, i) => ({
        timestamp: start + (from + i) * 10 + instance,
        message: `line ${from + i} from ${instance}`,
      })),
    );
  }
}

async function collect(batches: AsyncIterable<LogBatch>): Promise<LogBatch[]> {
  const all: LogBatch[] = [];
  for await (const batch of batches) all.push(batch);
  return all;
}

const texts = (batches: readonly LogBatch[]) => batches.flatMap((b) => b.lines.map((l) => `${l.source}: ${l.text}`));

test('two instances merged by time, each line naming its instance, resumable from any cursor', async () => {
  writeJob('tail-a', 0, 3);
  let ended = false;
  const tail = tailTrainingLogs(client, undefined, {
    jobName: 'tail-a',
    multiInstance: true,
    jobEnded: async () => ended,
    pollMs: 20,
  });
  const batches: LogBatch[] = [];
  for await (const batch of tail) {
    batches.push(batch);
    if (batches.length === 1) writeJob('tail-a', 3, 2);
    if (batches.length === 2) ended = true;
  }
  assert.deepEqual(texts(batches), [
    'algo-1: line 0 from 1',
    'algo-2: line 0 from 2',
    'algo-1: line 1 from 1',
    'algo-2: line 1 from 2',
    'algo-1: line 2 from 1',
    'algo-2: line 2 from 2',
    'algo-1: line 3 from 1',
    'algo-2: line 3 from 2',
    'algo-1: line 4 from 1',
    'algo-2: line 4 from 2',
  ]);
  const resumed = await collect(
    tailTrainingLogs(client, batches[0]!.cursor, {
      jobName: 'tail-a',
      multiInstance: true,
      jobEnded: async () => true,
      pollMs: 20,
    }),
  );
  assert.deepEqual(texts(resumed), texts(batches).slice(6), 'after the first batch: exactly the rest');
});

test('throttling, 5xx answers and dropped connections are waited out, with every line once', async () => {
  writeJob('tail-b', 0, 20);
  await faults([
    { service: 'logs', operation: 'GetLogEvents', kind: 'throttle', rate: 0.5 },
    { service: 'logs', operation: 'DescribeLogStreams', kind: 'error', status: 503, count: 2 },
    { service: 'logs', operation: 'GetLogEvents', kind: 'drop', count: 1 },
  ]);
  try {
    const batches = await collect(
      tailTrainingLogs(client, undefined, {
        jobName: 'tail-b',
        multiInstance: true,
        jobEnded: async () => true,
        pollMs: 10,
      }),
    );
    const lines = texts(batches);
    assert.equal(lines.length, 40);
    assert.equal(new Set(lines).size, 40, 'nothing repeated');
  } finally {
    await faults([]);
  }
});

test('lines CloudWatch shows late are still delivered after the job has ended', async () => {
  logs.ingestionDelayMs = 150;
  try {
    writeJob('tail-c', 0, 2);
    const batches = await collect(
      tailTrainingLogs(client, undefined, {
        jobName: 'tail-c',
        multiInstance: false,
        jobEnded: async () => true,
        pollMs: 60,
        quietRoundsToEnd: 4,
      }),
    );
    // Each stream shows up when CloudWatch has ingested it, so two streams may arrive in either
    // order across rounds; what holds is every line once, each stream in its own order.
    const lines = batches.flatMap((b) => b.lines.map((l) => l.text));
    assert.deepEqual([...lines].sort(), ['line 0 from 1', 'line 0 from 2', 'line 1 from 1', 'line 1 from 2']);
    for (const instance of ['1', '2']) {
      assert.deepEqual(
        lines.filter((l) => l.endsWith(`from ${instance}`)),
        [`line 0 from ${instance}`, `line 1 from ${instance}`],
      );
    }
    assert.ok(
      batches.every((b) => b.lines.every((l) => l.source === undefined)),
      'one instance: no source named',
    );
  } finally {
    logs.ingestionDelayMs = 0;
  }
});
