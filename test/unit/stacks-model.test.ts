import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_STACK_NAME,
  componentTypeLabel,
  componentsOf,
  defaultStack,
  freeStackName,
} from '../../src/core/stacks/model';

test('the default stack runs everything locally and offers Docker only when an engine answers', () => {
  const withDocker = defaultStack({ artifactRoot: '/tmp/a', dockerEngineAvailable: true });
  assert.equal(withDocker.name, DEFAULT_STACK_NAME);
  assert.deepEqual(
    componentsOf(withDocker).map((c) => [c.type, c.name, c.flavor]),
    [
      ['orchestrator', 'embedded', 'embedded'],
      ['artifact_store', 'local', 'local'],
      ['step_operator', 'local-docker', 'local_docker'],
    ],
  );
  assert.equal(withDocker.artifactStore.config.path, '/tmp/a');

  const withoutDocker = defaultStack({ artifactRoot: '/tmp/a', dockerEngineAvailable: false });
  assert.deepEqual(withoutDocker.stepOperators, []);
  assert.equal(withoutDocker.containerRegistry, undefined);
});

test('components list in sidebar order, registry before step operators', () => {
  const stack = {
    ...defaultStack({ artifactRoot: '/a', dockerEngineAvailable: true }),
    containerRegistry: { name: 'ecr', type: 'container_registry' as const, flavor: 'aws', config: {} },
  };
  assert.deepEqual(
    componentsOf(stack).map((c) => c.name),
    ['embedded', 'local', 'ecr', 'local-docker'],
  );
  assert.equal(componentTypeLabel('container_registry'), 'Container registry');
});

test('a new stack never takes an existing name, nor grows past 64 characters', () => {
  assert.equal(freeStackName('sm-stack', ['default']), 'sm-stack');
  assert.equal(freeStackName('sm-stack', ['sm-stack', 'sm-stack-2']), 'sm-stack-3');
  const long = 'x'.repeat(70);
  assert.equal(freeStackName(long, []), 'x'.repeat(64));
  assert.equal(freeStackName(long, ['x'.repeat(64)]), `${'x'.repeat(62)}-2`);
});
