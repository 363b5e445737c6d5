import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWebviewMessage } from '../../webview/protocol';

test('accepts the messages the webview sends', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'setActive', stackName: 'gpu-stack_2.1' }), {
    type: 'setActive',
    stackName: 'gpu-stack_2.1',
  });
});

test('rejects anything else: unknown types, extra keys, bad names, non-objects', () => {
  for (const raw of [
    null,
    undefined,
    'ready',
    42,
    [],
    {},
    { type: 'runShell', command: 'rm -rf /' },
    { type: 'ready', extra: true },
    { type: 'setActive' },
    { type: 'setActive', stackName: 7 },
    { type: 'setActive', stackName: '' },
    { type: 'setActive', stackName: '../../etc/passwd' },
    { type: 'setActive', stackName: 'x'.repeat(65) },
    { type: 'setActive', stackName: 'ok', more: 1 },
  ]) {
    assert.equal(parseWebviewMessage(raw), undefined, `should reject ${JSON.stringify(raw)}`);
  }
});
