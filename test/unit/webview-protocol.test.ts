import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWebviewMessage } from '../../webview/protocol';

test('accepts the messages the webview sends', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'setActive', stackName: 'gpu-stack_2.1' }), {
    type: 'setActive',
    stackName: 'gpu-stack_2.1',
  });
  for (const type of ['validate', 'submit', 'testConnection'] as const) {
    assert.deepEqual(parseWebviewMessage({ type, name: 'vx', values: { project: 'p', region: 'europe-west4' } }), {
      type,
      name: 'vx',
      values: { project: 'p', region: 'europe-west4' },
    });
  }
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
    { type: 'testConnection', name: 'vx' },
    { type: 'testConnection', name: 'vx', values: { Project: 'p' } },
    { type: 'testConnection', name: 'vx', values: { project: 1 } },
    { type: 'testConnection', name: 'vx', values: { project: 'x'.repeat(20_001) } },
    { type: 'testConnection', name: 'x'.repeat(65), values: {} },
    { type: 'testConnection', name: 'vx', values: {}, secret: 'leak' },
  ]) {
    assert.equal(parseWebviewMessage(raw), undefined, `should reject ${JSON.stringify(raw)}`);
  }
});
