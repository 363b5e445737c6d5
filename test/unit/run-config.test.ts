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

test('step parameters win over pipeline parameters, which apply only where the step has them', async () => {
  assert.deepEqual(await parametersFromRunConfig(CONFIG, 'train_model', ['rows', 'epochs', 'learning_rate']), {
    epochs: 30,
    learning_rate: 0.1,
  });
  assert.deepEqual(await parametersFromRunConfig(CONFIG, 'load_customers', ['path']), {});
  assert.deepEqual(await parametersFromRunConfig(CONFIG, 'other', ['epochs']), { epochs: 20 });
  assert.deepEqual(await parametersFromRunConfig('', 'x', []), {});
});

test('malformed configurations say what is wrong', async () => {
  await assert.rejects(parametersFromRunConfig('steps: [oops\n', 's', []), /not valid YAML/);
  await assert.rejects(parametersFromRunConfig('- a\n', 's', []), /must be a YAML mapping/);
  await assert.rejects(
    parametersFromRunConfig('steps:\n  s:\n    parameters: [1]\n', 's', []),
    /steps\.s\.parameters must be a mapping/,
  );
});
