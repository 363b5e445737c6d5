import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamError, toProgress } from '../../src/core/images/progress';
import { registryHostOf } from '../../src/core/images/registryAuth';

test('normalises build and push stream events', () => {
  assert.deepEqual(toProgress('build', { stream: 'Step 1/3 : FROM python\n' }), {
    phase: 'build',
    message: 'Step 1/3 : FROM python',
  });
  assert.deepEqual(
    toProgress('push', { status: 'Pushing', id: 'abc123', progressDetail: { current: 512, total: 2048 } }),
    { phase: 'push', message: 'Pushing', layer: 'abc123', current: 512, total: 2048 },
  );
  assert.equal(toProgress('build', { aux: { ID: 'sha256:00' } }), undefined, 'aux-only events carry no text');
});

test('finds the error the engine puts inside a successful stream', () => {
  assert.equal(
    streamError({ errorDetail: { message: 'denied: requested access' }, error: 'denied' }),
    'denied: requested access',
  );
  assert.equal(streamError({ error: 'unauthorized' }), 'unauthorized');
  assert.equal(streamError({ status: 'Pushed' }), undefined);
});

test('extracts the registry host of an image reference', () => {
  assert.equal(registryHostOf('127.0.0.1:5555/steps/train:abc'), '127.0.0.1:5555');
  assert.equal(
    registryHostOf('123456789012.dkr.ecr.eu-west-1.amazonaws.com/steps:1'),
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  );
  assert.equal(registryHostOf('europe-west4-docker.pkg.dev/proj/repo/img:1'), 'europe-west4-docker.pkg.dev');
  assert.equal(registryHostOf('localhost/img'), 'localhost');
  assert.equal(registryHostOf('library/python:3.11'), 'docker.io');
  assert.equal(registryHostOf('python:3.11'), 'docker.io');
});
