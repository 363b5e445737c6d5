import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { defaultStack } from '../../src/core/stacks/model';
import { exportZenmlStack, importZenmlStack } from '../../src/core/stacks/zenmlInterop';

// The shape `zenml stack export` writes (0.40+): one entry per component type, config under
// `configuration`.
const AWS_EXPORT = `zenml_version: 0.68.1
stack_name: aws stack
components:
  orchestrator:
    flavor: local
    name: default
    configuration: {}
  artifact_store:
    flavor: s3
    name: s3_artifacts
    configuration:
      path: s3://zenml-artifacts/prod
      key: null
  container_registry:
    flavor: aws
    name: ecr
    configuration:
      uri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com
      default_repository: null
  step_operator:
    flavor: sagemaker
    name: sagemaker_gpu
    configuration:
      role: arn:aws:iam::123456789012:role/zenml-sagemaker
      region: eu-west-1
      instance_type: ml.g5.xlarge
      experiment_name: churn
  experiment_tracker:
    flavor: mlflow
    name: mlflow
    configuration:
      tracking_uri: http://mlflow
`;

test('imports a ZenML AWS stack, mapping what maps and reporting the rest', async () => {
  const report = await importZenmlStack(AWS_EXPORT);
  assert.equal(report.stackName, 'aws-stack');
  assert.deepEqual(
    report.components.map((c) => [c.type, c.name, c.flavor]),
    [
      ['artifact_store', 's3_artifacts', 's3'],
      ['container_registry', 'ecr', 'aws'],
      ['step_operator', 'sagemaker_gpu', 'sagemaker'],
    ],
  );
  assert.deepEqual(report.components[2]!.config, {
    role: 'arn:aws:iam::123456789012:role/zenml-sagemaker',
    region: 'eu-west-1',
    instance_type: 'ml.g5.xlarge',
    experiment_name: 'churn',
  });
  assert.deepEqual(report.stack, {
    name: 'aws-stack',
    artifact_store: 's3_artifacts',
    container_registry: 'ecr',
    step_operators: ['sagemaker_gpu'],
  });
  assert.ok(report.notes.some((n) => /experiment_tracker "mlflow".*no experiment_tracker components/.test(n)));
  assert.ok(report.notes.some((n) => /artifact_store "s3_artifacts".*left out key/.test(n)));
  assert.ok(report.notes.some((n) => /container_registry "ecr".*left out default_repository/.test(n)));
});

test('reads older flat exports, and reports components that do not validate', async () => {
  const report = await importZenmlStack(`stack_name: gcp
components:
  artifact_store:
    flavor: gcp
    name: gcs_store
    path: gs://bucket/zenml
  step_operator:
    flavor: vertex
    name: vertex_op
    project: my-project-1
  orchestrator:
    flavor: kubeflow
    name: kfp
`);
  assert.deepEqual(
    report.components.map((c) => c.name),
    ['gcs_store'],
  );
  assert.ok(
    report.notes.some((n) => /Skipped step_operator "vertex_op".*region/.test(n)),
    report.notes.join('\n'),
  );
  assert.ok(
    report.notes.some((n) => /Replaced orchestrator "kfp" \(kubeflow\) with the embedded orchestrator/.test(n)),
  );
});

test('rejects files that are not stack exports', async () => {
  await assert.rejects(importZenmlStack('just: text\n'), /not a `zenml stack export` file/);
  await assert.rejects(importZenmlStack('a: [b\n'), /not valid YAML/);
});

test('exports in the same shape, and the export imports back', async () => {
  const base = defaultStack({ artifactRoot: '/data/artifacts', dockerEngineAvailable: true });
  const stack = {
    ...base,
    name: 'gpu',
    stepOperators: [
      ...base.stepOperators,
      {
        name: 'sm',
        type: 'step_operator' as const,
        flavor: 'sagemaker',
        config: { role: 'arn:aws:iam::123456789012:role/R', region: 'us-east-1' },
      },
      {
        name: 'vx',
        type: 'step_operator' as const,
        flavor: 'vertex',
        config: { project: 'my-project-1', region: 'us-central1' },
      },
    ],
  };
  const { yaml, notes } = await exportZenmlStack(stack);
  const data = parse(yaml) as { stack_name: string; components: Record<string, { flavor: string; name: string }> };
  assert.equal(data.stack_name, 'gpu');
  assert.deepEqual(
    Object.entries(data.components).map(([type, c]) => [type, c.flavor, c.name]),
    [
      ['orchestrator', 'local', 'embedded'],
      ['artifact_store', 'local', 'local'],
      ['step_operator', 'sagemaker', 'sm'],
    ],
  );
  assert.ok(notes.some((n) => /local-docker.*no "local_docker" flavor/.test(n)));
  assert.ok(notes.some((n) => /"vx": a ZenML stack has one step_operator/.test(n)));
  const back = await importZenmlStack(yaml);
  assert.deepEqual(back.stack.step_operators, ['sm']);
  assert.equal(back.stack.artifact_store, 'local');
});
