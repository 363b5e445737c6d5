// The byte accounting of Azure ML's log tail (jobLogFiles.ts), held to its promise over any cut
// of a file into ranged answers: every line delivered once and whole, a partial last line held
// until its newline arrives, the cursor at the end of the last complete line (so a resume asks
// for the bytes after it and nothing before), whole-file answers from servers that ignore Range.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LogFileTail,
  encodeLogFilesCursor,
  parseLogFilesCursor,
  sourceOf,
  userLogFiles,
} from '../../src/core/clouds/azure/azureml/jobLogFiles';

const FILE = 'user_logs/std_log.txt';
const bytes = (text: string) => new TextEncoder().encode(text);
/** A log with a multi-byte character, a CRLF line and a last line still being written. */
const LOG = bytes('epoch 1 loss=0.5\nmodèle écrit ✓\r\nepoch 2 loss=0.25\nSTEPOPS_STATUS {"status": "succe');

/** Reads `log` as a service answering ranged GETs in pieces of at most `size` bytes would. */
function readInPieces(tail: LogFileTail, log: Uint8Array, size: number): string[] {
  const lines: string[] = [];
  while (tail.readFrom < log.length) {
    const from = tail.readFrom;
    lines.push(...tail.accept(log.subarray(from, from + size), from).map((l) => l.text));
  }
  return lines;
}

test('every cut of the file into ranged answers delivers each complete line once, whole', () => {
  const expected = ['epoch 1 loss=0.5', 'modèle écrit ✓', 'epoch 2 loss=0.25'];
  for (let size = 1; size <= LOG.length; size++) {
    const tail = new LogFileTail(FILE);
    assert.deepEqual(readInPieces(tail, LOG, size), expected, `pieces of ${size} bytes`);
    const complete = LOG.lastIndexOf(0x0a) + 1;
    assert.equal(tail.deliveredBytes, complete, 'the cursor stops after the last newline');
    assert.equal(tail.readFrom, LOG.length, 'the partial line is held, not asked for again');
  }
});

test('the partial last line is delivered once its newline arrives, or at the very end', () => {
  const tail = new LogFileTail(FILE);
  readInPieces(tail, LOG, 7);
  const rest = bytes('eded"}\n');
  assert.deepEqual(
    tail.accept(rest, LOG.length).map((l) => l.text),
    ['STEPOPS_STATUS {"status": "succeeded"}'],
  );
  assert.equal(tail.deliveredBytes, LOG.length + rest.length);
  const unfinished = new LogFileTail(FILE);
  readInPieces(unfinished, bytes('last words'), 4);
  assert.deepEqual(
    unfinished.flush().map((l) => l.text),
    ['last words'],
  );
  assert.deepEqual(unfinished.flush(), [], 'flushed once');
});

test('a resume from the cursor asks for the bytes after the last delivered line and repeats nothing', () => {
  const first = new LogFileTail(FILE);
  const before = readInPieces(first, LOG.subarray(0, 30), 30);
  const cursor = encodeLogFilesCursor({ [FILE]: first.deliveredBytes });
  const resumed = new LogFileTail(FILE, parseLogFilesCursor(cursor)[FILE]);
  assert.equal(resumed.readFrom, first.deliveredBytes, 'the next range starts right after the delivered bytes');
  const after = readInPieces(resumed, LOG, 11);
  assert.deepEqual([...before, ...after], ['epoch 1 loss=0.5', 'modèle écrit ✓', 'epoch 2 loss=0.25']);
});

test('a whole-file answer (a server that ignores Range) yields only what is new', () => {
  const tail = new LogFileTail(FILE);
  assert.deepEqual(
    tail.accept(bytes('a\nb\n'), 0).map((l) => l.text),
    ['a', 'b'],
  );
  assert.deepEqual(
    tail.accept(bytes('a\nb\nc\n'), 0).map((l) => l.text),
    ['c'],
  );
  assert.deepEqual(tail.accept(bytes('a\nb\nc\n'), 0), [], 'nothing new');
  assert.throws(() => tail.accept(bytes('x\n'), 100), /bytes from 100 arrived, but 6 was asked for/);
});

test('the user log files in process order, each process the source of its lines', () => {
  const files = userLogFiles([
    'user_logs/std_log_process_10.txt',
    'system_logs/lifecycler/execution-wrapper.log',
    'user_logs/std_log_process_2.txt',
    'azureml-logs/70_driver_log.txt',
    'user_logs/std_log_process_0.txt',
  ]);
  assert.deepEqual(files, [
    'user_logs/std_log_process_0.txt',
    'user_logs/std_log_process_2.txt',
    'user_logs/std_log_process_10.txt',
  ]);
  assert.equal(sourceOf('user_logs/std_log_process_2.txt'), 'process_2');
  assert.equal(sourceOf(FILE), undefined, 'a single process names no source');
  const tail = new LogFileTail('user_logs/std_log_process_2.txt');
  assert.deepEqual(tail.accept(bytes('hi\n'), 0), [{ text: 'hi', source: 'process_2' }]);
});

test('a cursor that is not one of this tail’s is refused rather than misread', () => {
  assert.deepEqual(parseLogFilesCursor(undefined), {});
  assert.throws(() => parseLogFilesCursor('{"v":1,"streams":{}}'), /Not an Azure ML log cursor/);
  assert.throws(() => parseLogFilesCursor('{"v":1,"files":{"a":-1}}'), /Not an Azure ML log cursor/);
});
