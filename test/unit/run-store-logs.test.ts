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
