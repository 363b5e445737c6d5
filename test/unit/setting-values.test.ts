// The shared setting readers every cloud operator reads its settings with (operators/settingValues.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refuseUnknownKeys, settingByNames, settingValues } from '../../src/core/operators/settingValues';

class OwnError extends Error {}
const fail = (message: string) => new OwnError(message);

test('a setting known by several names: the one given, the same value under two, disagreement refused', () => {
  assert.deepEqual(settingByNames({ size: 'Standard_NC6' }, ['instance_type', 'size'], fail), {
    value: 'Standard_NC6',
    name: 'size',
  });
  assert.deepEqual(settingByNames({ instance_type: 'A', size: 'A' }, ['instance_type', 'size'], fail), {
    value: 'A',
    name: 'instance_type',
  });
  assert.deepEqual(settingByNames({ size: null }, ['instance_type', 'size'], fail), {
    value: undefined,
    name: 'instance_type',
  });
  assert.throws(
    () => settingByNames({ instance_type: 'A', size: 'B' }, ['instance_type', 'size'], fail),
    (error: Error) =>
      error instanceof OwnError &&
      /"instance_type" \("A"\) and "size" \("B"\) are the same setting/.test(error.message),
  );
});

test('typed readers refuse what they cannot read, in the operator’s own error', () => {
  const { int, text, bool } = settingValues(fail);
  assert.equal(int('8', 'count', { min: 1, max: 10 }), 8);
  assert.throws(() => int(0, 'count', { min: 1 }), /"count" must be a whole number of at least 1, not 0/);
  assert.throws(() => text({ $expression: 'NAME' }, 'name'), /"name" is set to NAME, which stepops cannot evaluate/);
  assert.throws(
    () => bool('yes', 'spot'),
    (error: Error) => error instanceof OwnError,
  );
  assert.throws(
    () => refuseUnknownKeys({ a: 1, b: 2 }, ['a'], 'Settings', fail),
    /Settings "b" cannot be honoured by stepops; it reads a\./,
  );
});
