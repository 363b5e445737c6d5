import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { discoverPythonSource } from '../../src/core/python/discovery';
import type { DiscoveredStep } from '../../src/core/python/model';
import { type PythonParser, loadPythonParser } from '../../src/core/python/pythonParser';
import { executionSummary } from '../../src/core/stacks/executionSummary';
import { type Stack, type StackComponent, defaultStack } from '../../src/core/stacks/model';
import { runTargetTitle, runTargets } from '../../src/core/stacks/runTargets';

let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser();
});

const step = (decorator: string): DiscoveredStep =>
  discoverPythonSource(parser, `from zenml import step\n${decorator}\ndef s(): ...\n`).steps[0]!;

const operator = (name: string, flavor: string, config: Record<string, unknown> = {}): StackComponent => ({
  name,
  type: 'step_operator',
  flavor,
  config,
});

const local = defaultStack({ artifactRoot: '/a', dockerEngineAvailable: true });
const cloud: Stack = {
  ...local,
  name: 'cloud',
  stepOperators: [
    operator('sagemaker', 'sagemaker', { instance_type: 'ml.g5.xlarge' }),
    operator('vertex', 'vertex'),
    operator('vertex-gpu', 'vertex', { base_image: 'my/cuda:12' }),
  ],
};
const titles = (s: DiscoveredStep, active: Stack, all: Stack[] = [local, cloud]): string[] => {
  const targets = runTargets(s, active, all);
  return targets.map((t) => runTargetTitle(t, targets));
};

test('a plain step offers the active stack operators and a local run, once', () => {
  assert.deepEqual(titles(step('@step'), local), ['▶ Run locally']);
  assert.deepEqual(titles(step('@step'), cloud), [
    '▶ Run on SageMaker',
    '▶ Run on Vertex AI (vertex)',
    '▶ Run on Vertex AI (vertex-gpu)',
    '▶ Run locally',
  ]);
  assert.deepEqual(titles(step('@step(step_operator=True)'), cloud).length, 4);
});

test('a named operator is used wherever it is registered; an unknown name asks to register it', () => {
  assert.deepEqual(titles(step('@step(step_operator="sagemaker")'), local), ['▶ Run on SageMaker', '▶ Run locally']);
  assert.deepEqual(titles(step('@step(custom_step_operator="vertex-gpu")'), cloud), [
    '▶ Run on Vertex AI',
    '▶ Run locally',
  ]);
  assert.deepEqual(titles(step('@step(step_operator="azure")'), cloud), [
    '⚠ Register step operator "azure"',
    '▶ Run locally',
  ]);
});

test('the summary prefers step settings over operator config over flavor defaults', () => {
  const [fromConfig] = runTargets(step('@step(step_operator="sagemaker")'), cloud, [cloud]);
  assert.deepEqual(executionSummary(step('@step(step_operator="sagemaker")'), fromConfig!).rows, [
    ['Operator', 'sagemaker'],
    ['Flavor', 'SageMaker'],
    ['Machine', 'ml.g5.xlarge (instance_type)'],
    ['Image', 'python:3.11-slim + project code (built once per content hash)'],
  ]);
  const withSettings = step(
    '@step(step_operator="sagemaker", settings={"step_operator": {"instance_type": "ml.m5.xlarge"}, "step_operator.sagemaker": {"instance_type": "ml.p3.2xlarge"}})',
  );
  const [target] = runTargets(withSettings, cloud, [cloud]);
  assert.deepEqual(executionSummary(withSettings, target!).rows[2], ['Machine', 'ml.p3.2xlarge (instance_type)']);

  const vertexStep = step(
    '@step(step_operator="vertex-gpu", settings={"step_operator.vertex": {"accelerator_type": "NVIDIA_TESLA_T4", "accelerator_count": 2}})',
  );
  const [vertex] = runTargets(vertexStep, cloud, [cloud]);
  assert.deepEqual(executionSummary(vertexStep, vertex!).rows, [
    ['Operator', 'vertex-gpu'],
    ['Flavor', 'Vertex AI'],
    ['Machine', 'n1-standard-4 (default)'],
    ['Accelerator', 'NVIDIA_TESLA_T4 × 2'],
    ['Image', 'my/cuda:12 + project code (built once per content hash)'],
  ]);
});
