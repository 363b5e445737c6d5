// The run log and its byte cursor: reading up to the cursor cuts bytes, not characters, so a log
// with non-ASCII text shows each line once; rewinding drops what was written after the cursor.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { RunStore } from '../../src/core/runs/runStore';

let folder: string;
before(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'stepops-runlogs-'));
});
after(() => rm(folder, { recursive: true, force: true }));

test('reads up to a byte cursor and rewinds to it, with multi-byte text', async () => {
  const store = new RunStore(folder);
  const cursor = await store.appendLogs('r1', [{ text: 'température 21°C' }, { text: 'épreuve ✓' }]);
  await store.appendLogs('r1', [{ text: 'written after the cursor was saved' }]);
  assert.equal(await store.readLogs('r1', cursor), 'température 21°C\népreuve ✓\n');
  await store.rewindLogs('r1', cursor);
  assert.equal(await store.readLogs('r1'), 'température 21°C\népreuve ✓\n');
  assert.equal(await store.readLogs('missing', 10), '');
});

test('keeps each line’s source, stream and time, and names the source in the text', async () => {
  const store = new RunStore(folder);
  await store.appendLogs('one', [{ text: 'alone', stream: 'stdout', timestamp: 5 }]);
  assert.equal(await store.readLogs('one'), 'alone\n');
  const lines = [
    { text: 'epoch 1', source: 'algo-1', stream: 'stdout' as const, timestamp: 1_700_000_000_000 },
    { text: 'warning', source: 'algo-2', stream: 'stderr' as const, timestamp: 1_700_000_000_001 },
  ];
  await store.appendLogs('many', lines);
  assert.deepEqual(await store.readLogLines('many'), lines);
  assert.equal(await store.readLogs('many'), '[algo-1] epoch 1\n[algo-2] warning\n');
});

test('reads the plain-text log of runs recorded before lines kept their source', async () => {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path.join(folder, 'old.log'), 'first\nsecond\n');
  const store = new RunStore(folder);
  assert.deepEqual(await store.readLogLines('old'), [{ text: 'first' }, { text: 'second' }]);
  const size = await store.appendLogs('old', [{ text: 'third' }]);
  assert.equal(size, 'first\nsecond\nthird\n'.length, 'an old run keeps appending to its own file');
  assert.equal(await store.readLogs('old'), 'first\nsecond\nthird\n');
});
