import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parametersFromRunConfig } from '../../src/core/orchestrator/runConfig';

const CONFIG = `enable_cache: false
parameters:
  epochs: 20
  unrelated: 1
steps:
  train_model:
    parameters:
      learning_rate: 0.1
      epochs: 30
    settings:
      step_operator.sagemaker:
        instance_type: ml.g5.xlarge
  evaluate_model:
    parameters: {}
`;

test('step parameters win over pipeline parameters, which apply only where the step has them', () => {
  assert.deepEqual(parametersFromRunConfig(CONFIG, 'train_model', ['rows', 'epochs', 'learning_rate']), {
    epochs: 30,
    learning_rate: 0.1,
  });
  assert.deepEqual(parametersFromRunConfig(CONFIG, 'load_customers', ['path']), {});
  assert.deepEqual(parametersFromRunConfig(CONFIG, 'other', ['epochs']), { epochs: 20 });
  assert.deepEqual(parametersFromRunConfig('', 'x', []), {});
});

test('malformed configurations say what is wrong', () => {
  assert.throws(() => parametersFromRunConfig('steps: [oops\n', 's', []), /not valid YAML/);
  assert.throws(() => parametersFromRunConfig('- a\n', 's', []), /must be a YAML mapping/);
  assert.throws(
    () => parametersFromRunConfig('steps:\n  s:\n    parameters: [1]\n', 's', []),
    /steps\.s\.parameters must be a mapping/,
  );
});
