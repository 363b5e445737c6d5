// How a followed run is kept: the status watch reports each change once and waits out a few
// failed reads (a dropped connection, throttling) before giving up; the record keeper writes
// transitions at once and a moving log cursor at most once per interval, newest last; a big log
// batch is stored and announced in slices.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { JobHandle, JobStatus, LogBatch, StepOperator } from '../../src/core/operators/stepOperator';
import { watchJobStatus } from '../../src/core/orchestrator/jobStatusWatch';
import { RecentStatuses } from '../../src/core/operators/recentStatus';
import { RecordKeeper } from '../../src/core/orchestrator/recordKeeper';
import { StepRunner } from '../../src/core/orchestrator/stepRunner';
import { type RunRecord, withState } from '../../src/core/runs/runRecord';
import { RunStore } from '../../src/core/runs/runStore';

let folder: string;
before(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'stepops-following-'));
});
after(() => rm(folder, { recursive: true, force: true }));

const HANDLE: JobHandle = { version: 2, operator: 'scripted', jobId: 'j', config: {}, details: {} };

/** A backend whose status reads follow a script: a status, or an error to throw. */
function scripted(steps: readonly (JobStatus | Error)[]): StepOperator & { reads: number } {
  let index = 0;
  return {
    reads: 0,
    async status() {
      this.reads += 1;
      const step = steps[Math.min(index++, steps.length - 1)]!;
      if (step instanceof Error) throw step;
      return step;
    },
    submit: () => Promise.reject(new Error('not used')),
    find: () => Promise.resolve(undefined),
    logs: async function* (): AsyncIterable<LogBatch> {},
    cancel: () => Promise.resolve(),
  };
}

const status = (state: JobStatus['state'], stage?: string): JobStatus => ({
  state,
  backendStatus: state,
  ...(stage ? { stage } : {}),
});

test('the status watch reports each change once, waits out failed reads, and ends with the outcome', async () => {
  const operator = scripted([
    status('pending', 'Starting'),
    status('pending', 'Starting'),
    new Error('socket hang up'),
    status('pending', 'Downloading'),
    new Error('ThrottlingException'),
    new Error('ThrottlingException'),
    status('running', 'Training'),
    status('succeeded', 'Completed'),
  ]);
  const changes: string[] = [];
  const final = await watchJobStatus(operator, HANDLE, {
    pollMs: 1,
    signal: new AbortController().signal,
    onChange: (s) => void changes.push(`${s.state}/${s.stage}`),
  });
  assert.equal(final?.state, 'succeeded');
  assert.deepEqual(changes, ['pending/Starting', 'pending/Downloading', 'running/Training', 'succeeded/Completed']);
  assert.equal(operator.reads, 8);
});

test('the status watch gives up after too many failed reads in a row, and stops when told', async () => {
  const failing = scripted([status('running'), new Error('ECONNREFUSED')]);
  await assert.rejects(
    watchJobStatus(failing, HANDLE, {
      pollMs: 1,
      signal: new AbortController().signal,
      onChange: () => {},
      maxFailures: 3,
    }),
    /ECONNREFUSED/,
  );
  assert.equal(failing.reads, 5, 'one good read, then the first failure and three retries');
  const stop = new AbortController();
  const endless = scripted([status('running')]);
  const watching = watchJobStatus(endless, HANDLE, { pollMs: 5, signal: stop.signal, onChange: () => {} });
  setTimeout(() => stop.abort(), 30);
  assert.equal(await watching, undefined);
});

class CountingStore extends RunStore {
  saves: RunRecord[] = [];
  override async save(record: RunRecord): Promise<void> {
    this.saves.push(record);
    await super.save(record);
  }
}

test('the record keeper writes transitions at once and a moving cursor at most once per interval', async () => {
  const store = new CountingStore(folder);
  const announced: string[] = [];
  const start = recordOf('keep-1', 'created');
  const keeper = new RecordKeeper(store, start, (r) => announced.push(r.state), 50);
  await keeper.transition('running');
  assert.equal(store.saves.length, 1);
  for (let i = 1; i <= 100; i++) keeper.update({ logCursor: String(i), logBytes: i });
  assert.equal(store.saves.length, 1, 'cursor moves are not written one by one');
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(store.saves.length, 2, 'but within the interval');
  assert.equal((await store.get('keep-1'))?.logCursor, '100');
  keeper.update({ logCursor: '101' });
  await keeper.transition('succeeded');
  await new Promise((resolve) => setTimeout(resolve, 80));
  const stored = await store.get('keep-1');
  assert.equal(stored?.state, 'succeeded', 'a pending cursor save never overwrites a later transition');
  assert.equal(stored?.logCursor, '101');
  assert.deepEqual(announced, ['running', 'succeeded']);
});

test('a big log batch is stored and shown in slices, in order, and the cursor moves once all of it is stored', async () => {
  const store = new RunStore(path.join(folder, 'slices'));
  const texts = Array.from({ length: 4500 }, (_, i) => `line ${i}`);
  const operator: StepOperator = {
    ...scripted([status('failed')]),
    logs: async function* (): AsyncIterable<LogBatch> {
      yield { lines: texts.map((text) => ({ text })), cursor: 'after-all' };
    },
  };
  const record = runningRecord('slices-1');
  const runner = scriptedRunner(store, operator);
  const slices: string[][] = [];
  const final = await runner.follow(record, {
    onEvent: (e) => {
      if (e.type === 'logs') slices.push(e.lines.map((l) => l.text));
    },
  });
  assert.deepEqual(
    slices.map((s) => s.length),
    [2000, 2000, 500],
  );
  assert.deepEqual(slices.flat(), texts);
  assert.deepEqual(
    (await store.readLogLines('slices-1')).map((l) => l.text),
    texts,
  );
  assert.equal(final.logCursor, 'after-all');
  assert.equal(final.logBytes, (await stat(path.join(folder, 'slices', 'slices-1.jsonl'))).size);
});

test("a job's end is told after its last lines, though the status saw it end first", async () => {
  const store = new RunStore(path.join(folder, 'ending'));
  const operator: StepOperator = {
    // The very first status read already says it is over (a short job between two polls).
    ...scripted([status('succeeded', 'Completed')]),
    logs: async function* (): AsyncIterable<LogBatch> {
      await new Promise((resolve) => setTimeout(resolve, 30)); // the log service lags behind
      yield { lines: [{ text: 'tallied 20 customers' }], cursor: 'end' };
    },
  };
  const told: string[] = [];
  await scriptedRunner(store, operator).follow(runningRecord('ending-1'), {
    onEvent: (e) => {
      if (e.type === 'logs') told.push(...e.lines.map((l) => l.text));
      if (e.type === 'status') told.push(`status ${e.status.stage}`);
    },
  });
  assert.deepEqual(told, ['tallied 20 customers', 'status Completed']);
});

test("the status is asked for at the operator's own interval (a cloud's), else every 500 ms", async () => {
  const store = new RunStore(path.join(folder, 'intervals'));
  const readsOf = async (statusPollMs: number | undefined) => {
    const times: number[] = [];
    const script = scripted([status('pending'), status('running'), status('succeeded')]);
    const operator: StepOperator = {
      ...script,
      status: (handle) => {
        times.push(performance.now());
        return script.status(handle);
      },
      ...(statusPollMs !== undefined ? { statusPollMs } : {}),
    };
    await scriptedRunner(store, operator, 'operator').follow(runningRecord(`intervals-${statusPollMs}`), {
      onEvent: () => {},
    });
    return times.slice(1).map((t, i) => t - times[i]!);
  };
  const gaps = await readsOf(120);
  assert.ok(
    gaps.every((gap) => gap >= 115 && gap < 400),
    `the operator's 120 ms: ${gaps.map((g) => g.toFixed(0))}`,
  );
  for (const gap of await readsOf(undefined)) assert.ok(gap >= 490, `the default 500 ms: ${gap.toFixed(0)} ms`);
});

test('a log tail\'s "has it ended?" is answered by the watch\'s status within two of its intervals, else read', async () => {
  // Wide margins: a busy machine's timers fire late, and 150 ms late must not make it read.
  const recent = new RecentStatuses(200);
  let reads = 0;
  const read = async () => {
    reads += 1;
    return status('succeeded');
  };
  recent.remember('j', status('running'));
  await new Promise((resolve) => setTimeout(resolve, 250)); // past one interval: a slow watch read
  assert.equal(await recent.ended('j', read), false, 'the remembered status answers');
  assert.equal(reads, 0);
  await new Promise((resolve) => setTimeout(resolve, 200)); // past two
  assert.equal(await recent.ended('j', read), true, 'too old: read afresh');
  assert.equal(reads, 1);
});

/** A runner of the scripted backend; its status poll is 1 ms unless `pollMs` says ('operator': the operator's own). */
function scriptedRunner(store: RunStore, operator: StepOperator, pollMs: number | 'operator' = 1): StepRunner {
  return new StepRunner({
    docker: () => Promise.reject(new Error('not used')),
    store,
    operatorFor: async () => operator,
    artifactStoreFor: () => Promise.reject(new Error('not used')),
    recordable: (c) => ({ name: c.name, flavor: c.flavor, config: {} }),
    runtimeRoot: folder,
    ...(pollMs !== 'operator' ? { pollMs } : {}),
  });
}

/** A run whose job was submitted and runs on the scripted backend. */
function runningRecord(id: string): RunRecord {
  return recordOf(id, 'running', { job: HANDLE });
}

function recordOf(id: string, state: RunRecord['state'], extra: Partial<RunRecord> = {}): RunRecord {
  return withState(
    {
      version: 1,
      id,
      step: { name: 's', file: 'f.py', module: 'f', function: 's' },
      projectRoot: folder,
      stack: 'default',
      operator: { name: 'o', flavor: 'scripted' },
      parameters: {},
      state: 'created',
      transitions: [],
      ...extra,
    },
    state,
  );
}
