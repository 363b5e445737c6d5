// What a run sends and how it ends: the step's settings merged over the operator's config (once,
// in core, as the hover shows them), a cloud operator refused in a stack whose store it cannot
// reach, and the outcome decided from the runtime's status line and the backend's status.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { JobStatus } from '../../src/core/operators/stepOperator';
import { RunPlanError, planStepRun } from '../../src/core/orchestrator/planRun';
import { decideOutcome, parseRuntimeStatus } from '../../src/core/orchestrator/runOutcome';
import { discoverPythonSource } from '../../src/core/python/discovery';
import { type PythonParser, loadPythonParser } from '../../src/core/python/pythonParser';
import { executionSummary } from '../../src/core/stacks/executionSummary';
import { type Stack, defaultStack } from '../../src/core/stacks/model';

let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser();
});

const SOURCE = `from zenml import step

@step(step_operator="gpu", settings={
    "step_operator": {"environment": {"A": "1"}, "instance_type": "generic"},
    "step_operator.local_docker": {"instance_type": "specific", "network_mode": "none"},
})
def train() -> None:
    pass

@step(step_operator="sm")
def fit() -> None:
    pass
`;

function stackWith(operators: Stack['stepOperators'], store: Stack['artifactStore']): Stack {
  return {
    ...defaultStack({ artifactRoot: '/a', dockerEngineAvailable: false }),
    stepOperators: operators,
    artifactStore: store,
  };
}

test('a run sends the step settings merged over the operator config, as the hover shows them', () => {
  const step = discoverPythonSource(parser, SOURCE).steps[0]!;
  const gpu = {
    name: 'gpu',
    type: 'step_operator' as const,
    flavor: 'local_docker',
    config: { network_mode: 'host', base_image: 'python:3.12-slim', instance_type: 'component' },
  };
  const stack = stackWith([gpu], { name: 'local', type: 'artifact_store', flavor: 'local', config: { path: '/a' } });
  const request = planStepRun({ projectRoot: '/p', file: 'steps.py', step, stack, allStacks: [stack] });
  assert.deepEqual(request.settings, {
    network_mode: 'none',
    base_image: 'python:3.12-slim',
    instance_type: 'specific',
    environment: { A: '1' },
  });
  assert.deepEqual(request.artifactStore, stack.artifactStore);
  assert.equal(request.baseImage, 'python:3.12-slim');
});

test('a cloud operator in a stack with a local store is refused before anything is built, with the fix', () => {
  const step = discoverPythonSource(parser, SOURCE).steps[1]!;
  const sm = {
    name: 'sm',
    type: 'step_operator' as const,
    flavor: 'sagemaker',
    config: { role: 'r', region: 'eu-west-1' },
  };
  const local = stackWith([sm], { name: 'local', type: 'artifact_store', flavor: 'local', config: { path: '/a' } });
  assert.throws(
    () => planStepRun({ projectRoot: '/p', file: 'steps.py', step, stack: local, allStacks: [local] }),
    (error: unknown) =>
      error instanceof RunPlanError &&
      /keeps artifacts in a local folder \("local"\), which a SageMaker job cannot reach\. Give the stack an S3 artifact store/.test(
        error.message,
      ),
  );
  const s3 = stackWith([sm], { name: 'b', type: 'artifact_store', flavor: 's3', config: { path: 's3://b/p' } });
  const planned = planStepRun({ projectRoot: '/p', file: 'steps.py', step, stack: s3, allStacks: [s3] });
  assert.equal(planned.operator.name, 'sm', 'with an S3 store the SageMaker step is planned');
  const azureml = {
    name: 'sm',
    type: 'step_operator' as const,
    flavor: 'azureml',
    config: { subscription_id: 's', resource_group: 'g', workspace_name: 'w' },
  };
  const blob = stackWith([azureml], {
    name: 'a',
    type: 'artifact_store',
    flavor: 'azure',
    config: { path: 'az://c/p' },
  });
  assert.throws(
    () => planStepRun({ projectRoot: '/p', file: 'steps.py', step, stack: blob, allStacks: [blob] }),
    /has no container registry, so an Azure ML job could not pull the step's image\. Give stack "default" an Azure Container Registry/,
    'an Azure ML step needs a registry Azure ML can pull from',
  );
  const acr = {
    name: 'acr',
    type: 'container_registry' as const,
    flavor: 'azure',
    config: { uri: 'myreg.azurecr.io' },
  };
  const blobAndAcr = { ...blob, containerRegistry: acr };
  const onAzure = planStepRun({
    projectRoot: '/p',
    file: 'steps.py',
    step,
    stack: blobAndAcr,
    allStacks: [blobAndAcr],
  });
  assert.equal(onAzure.operator.flavor, 'azureml', 'with a Blob store and an ACR the Azure ML step is planned');
  const summary = executionSummary(step, { kind: 'operator', operator: sm });
  assert.ok(summary.rows.some(([label]) => label === 'Machine'));
});

const job = (state: JobStatus['state'], extra: Partial<JobStatus> = {}): JobStatus => ({
  state,
  backendStatus: state,
  ...extra,
});

test("the runtime's status line is parsed, and a damaged one is not taken for one", () => {
  assert.deepEqual(
    parseRuntimeStatus('STEPOPS_STATUS {"status": "user_error", "reason": "KeyError: x", "step": "m.f"}'),
    {
      status: 'user_error',
      reason: 'KeyError: x',
      step: 'm.f',
    },
  );
  assert.equal(parseRuntimeStatus('STEPOPS_STATUS {"status": "maybe"}'), undefined);
  assert.equal(parseRuntimeStatus('STEPOPS_STATUS {not json'), undefined);
  assert.equal(parseRuntimeStatus('print("STEPOPS_STATUS")'), undefined);
});

test('the outcome: the step from the runtime, the platform from the backend', () => {
  assert.deepEqual(decideOutcome(job('succeeded'), { status: 'succeeded' }, false), { state: 'succeeded' });
  assert.deepEqual(
    decideOutcome(job('failed', { exitCode: 1 }), { status: 'user_error', reason: 'KeyError: x' }, false),
    {
      state: 'failed',
      failure: { stage: 'running', kind: 'step', reason: 'KeyError: x' },
    },
  );
  const upload = decideOutcome(
    job('failed', { failureKind: 'platform', failureReason: 'outputs not uploaded' }),
    { status: 'succeeded' },
    false,
  );
  assert.deepEqual(upload.failure, { stage: 'running', kind: 'platform', reason: 'outputs not uploaded' });
  const silent = decideOutcome(job('succeeded'), undefined, false);
  assert.equal(silent.state, 'failed', 'a job that never reported the step done did not succeed');
  assert.equal(silent.failure?.kind, 'runtime');
  assert.equal(decideOutcome(job('failed', { exitCode: 143 }), undefined, true).state, 'cancelled');
  assert.equal(decideOutcome(job('cancelled'), undefined, false).state, 'cancelled');
  const capacity = decideOutcome(
    job('failed', { failureKind: 'capacity', failureReason: 'no ml.p4d capacity' }),
    undefined,
    false,
  );
  assert.deepEqual(capacity.failure, { stage: 'running', kind: 'capacity', reason: 'no ml.p4d capacity' });
});

test('runs push to ECR (its repository readied first) and Artifact Registry, and refuse registries they cannot push to', () => {
  const step = discoverPythonSource(parser, SOURCE).steps[0]!;
  const gpu = { name: 'gpu', type: 'step_operator' as const, flavor: 'local_docker', config: {} };
  const store = { name: 'local', type: 'artifact_store' as const, flavor: 'local', config: { path: '/a' } };
  const withRegistry = (flavor: string, uri: string): Stack => ({
    ...stackWith([gpu], store),
    containerRegistry: { name: 'reg', type: 'container_registry', flavor, config: { uri } },
  });
  const ecr = withRegistry('aws', '123456789012.dkr.ecr.eu-west-1.amazonaws.com');
  const planned = planStepRun({ projectRoot: '/p', file: 'steps.py', step, stack: ecr, allStacks: [ecr] });
  assert.equal(planned.registry?.uri, '123456789012.dkr.ecr.eu-west-1.amazonaws.com');
  assert.equal(typeof planned.registry?.prepare, 'function', 'the repository is readied before the push');
  const ar = withRegistry('gcp', 'europe-west4-docker.pkg.dev/p/steps');
  const toAr = planStepRun({ projectRoot: '/p', file: 'steps.py', step, stack: ar, allStacks: [ar] });
  assert.match(toAr.registry?.explainFailure?.('churn', 'name unknown') ?? '', /gcloud artifacts repositories create/);
  // A registry flavor whose backend declares no pushes (none of this version's, but a future one).
  const unknown = withRegistry('quay', 'quay.io/team');
  assert.throws(
    () => planStepRun({ projectRoot: '/p', file: 'steps.py', step, stack: unknown, allStacks: [unknown] }),
    /pushes to a quay registry \("reg"\), which runs cannot push to in this version/,
  );
});
