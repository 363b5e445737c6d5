// What the SageMaker operator asks for, decided without a network: job names within SageMaker's
// rule and derived from the run id alone; settings from the component, the step and ZenML's
// estimator_args; the CreateTrainingJob request (channels, entrypoint, output layout, spot, tags,
// split environment); and DescribeTrainingJob answers read as states, stages and failure kinds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DescribeTrainingJobResponse } from '@aws-sdk/client-sagemaker';
import { chunkEnvironment } from '../../src/core/clouds/aws/sagemaker/environmentChunks';
import { sagemakerJobSettings } from '../../src/core/clouds/aws/sagemaker/sagemakerSettings';
import { TRAINING_JOB_NAME, trainingJobName } from '../../src/core/clouds/aws/sagemaker/trainingJobName';
import { trainingJobRequest } from '../../src/core/clouds/aws/sagemaker/trainingJobRequest';
import { trainingJobStatus } from '../../src/core/clouds/aws/sagemaker/trainingJobStatus';
import type { JobSpec } from '../../src/core/operators/stepOperator';
import { loadServiceModel } from '../fakes/aws/serviceModel';

const ROLE = 'arn:aws:iam::123456789012:role/SageMakerExecution';

test('training job names keep to SageMaker’s rule, are unique per run and derive from the run id alone', () => {
  const name = trainingJobName('20261201-214512345-train_model-3f9a');
  assert.equal(name, 'train-model-20261201-214512345-3f9a');
  const long = trainingJobName(`20261201-214512345-${'very_long_step_name_'.repeat(5)}-3f9a`);
  assert.ok(long.length <= 63 && TRAINING_JOB_NAME.test(long), long);
  assert.ok(long.endsWith('-20261201-214512345-3f9a'), 'the unique part survives shortening');
  assert.equal(trainingJobName('20261201-214512345-train_model-3f9a'), name, 'the same run, the same name');
  assert.notEqual(trainingJobName('20261201-214512345-train_model-3f9b'), name);
  for (const odd of ['20261201-214512345-_x_-0', 'weird id with spaces', '---']) {
    assert.ok(TRAINING_JOB_NAME.test(trainingJobName(odd)), trainingJobName(odd));
  }
});

test('settings: the component’s fields, the step’s over them, ZenML’s estimator_args over both', () => {
  const settings = sagemakerJobSettings({
    role: ROLE,
    region: 'eu-west-1',
    instance_type: 'ml.m5.xlarge',
    volume_size_in_gb: 50,
    estimator_args: { instance_type: 'ml.g5.xlarge', instance_count: 2, use_spot_instances: true, max_run: 3600 },
  });
  assert.deepEqual(settings, {
    role: ROLE,
    region: 'eu-west-1',
    instanceType: 'ml.g5.xlarge',
    instanceCount: 2,
    volumeSizeInGb: 50,
    maxRuntimeInSeconds: 3600,
    useSpotInstances: true,
    maxWaitInSeconds: 7200,
  });
  assert.throws(
    () => sagemakerJobSettings({ role: ROLE, region: 'r', estimator_args: { framework_version: '2.1' } }),
    /estimator_args "framework_version" cannot be honoured by stepops; it reads instance_type, instance_count/,
  );
  assert.throws(() => sagemakerJobSettings({ region: 'r' }), /no execution role: set its "role"/);
  assert.throws(
    () =>
      sagemakerJobSettings({
        role: ROLE,
        region: 'r',
        estimator_args: { use_spot_instances: true, max_run: 100, max_wait: 50 },
      }),
    /max_wait \(50 s\) must be at least max_run \(100 s\)/,
  );
  assert.throws(
    () => sagemakerJobSettings({ role: ROLE, region: 'r', instance_count: 'two' }),
    /"instance_count" must be a whole number/,
  );
});

const JOB: JobSpec = {
  runId: '20261201-214512345-train_model-3f9a',
  stepName: 'train_model',
  pipelineName: 'churn_pipeline',
  image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1a2b3c',
  imageDigest: `sha256:${'a'.repeat(64)}`,
  jobFile: 's3://bucket/runs/20261201-214512345-train_model-3f9a/job.json',
  inputs: { rows: 's3://bucket/runs/20261201-100000000-load_customers-0001/outputs/output' },
  outputs: 's3://bucket/runs/20261201-214512345-train_model-3f9a/outputs',
  environment: { STEPOPS_RUN_ID: '20261201-214512345-train_model-3f9a' },
  settings: {},
};

test('the request: channels for the job file and inputs, the runtime on local paths, outputs uploaded as they are', () => {
  const name = trainingJobName(JOB.runId);
  const settings = sagemakerJobSettings({
    role: ROLE,
    region: 'eu-west-1',
    estimator_args: { use_spot_instances: true },
  });
  const request = trainingJobRequest(JOB, name, settings);
  assert.deepEqual(request.AlgorithmSpecification, {
    TrainingImage: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn@sha256:${'a'.repeat(64)}`,
    TrainingInputMode: 'File',
    ContainerEntrypoint: ['python3', '-m', 'stepops_runtime'],
    ContainerArguments: [
      '--job',
      '/opt/ml/input/data/stepops_job/job.json',
      '--outputs',
      '/opt/ml/model',
      '--input',
      'rows=/opt/ml/input/data/input_rows',
    ],
  });
  assert.deepEqual(
    request.InputDataConfig?.map((c) => [c.ChannelName, c.DataSource?.S3DataSource?.S3Uri]),
    [
      ['stepops_job', JOB.jobFile],
      ['input_rows', `${JOB.inputs.rows}/`],
    ],
  );
  assert.deepEqual(request.OutputDataConfig, {
    S3OutputPath: 's3://bucket/runs/20261201-214512345-train_model-3f9a',
    CompressionType: 'NONE',
  });
  assert.deepEqual(request.StoppingCondition, { MaxRuntimeInSeconds: 86400, MaxWaitTimeInSeconds: 90000 });
  assert.equal(request.EnableManagedSpotTraining, true);
  assert.deepEqual(request.CheckpointConfig, {
    S3Uri: 's3://bucket/runs/20261201-214512345-train_model-3f9a/checkpoints/',
    LocalPath: '/opt/ml/checkpoints',
  });
  assert.equal(request.Environment?.STEPOPS_CHECKPOINT_DIR, '/opt/ml/checkpoints', 'the step is told where to save');
  const onDemand = trainingJobRequest(JOB, name, sagemakerJobSettings({ role: ROLE, region: 'eu-west-1' }));
  assert.equal(onDemand.CheckpointConfig, undefined);
  assert.equal(onDemand.Environment?.STEPOPS_CHECKPOINT_DIR, undefined);
  assert.deepEqual(request.Tags, [
    { Key: 'stepops:run-id', Value: JOB.runId },
    { Key: 'stepops:step', Value: 'train_model' },
    { Key: 'stepops:pipeline', Value: 'churn_pipeline' },
  ]);
  assert.deepEqual(request.ResourceConfig, { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 30 });
});

test('long environment values are split into 512-character parts; past 100 variables the job is refused', () => {
  const chunked = chunkEnvironment({ SHORT: 'x', LONG: 'a'.repeat(512) + 'b'.repeat(600) });
  assert.deepEqual(Object.keys(chunked), [
    'SHORT',
    'LONG__STEPOPS_PART_0',
    'LONG__STEPOPS_PART_1',
    'LONG__STEPOPS_PART_2',
  ]);
  assert.equal(Object.values(chunked).join('').length, 1 + 1112);
  assert.ok(Object.values(chunked).every((v) => v.length <= 512));
  assert.throws(
    () => chunkEnvironment({ HUGE: 'z'.repeat(512 * 101) }),
    /needs 101 variables .* SageMaker takes at most 100/,
  );
  assert.throws(() => chunkEnvironment({ '1BAD': 'x' }), /"1BAD" is not a name SageMaker accepts/);
});

const describe = (extra: Partial<DescribeTrainingJobResponse>): DescribeTrainingJobResponse =>
  ({ TrainingJobName: 'j', TrainingJobStatus: 'InProgress', ...extra }) as DescribeTrainingJobResponse;

test('DescribeTrainingJob answers as states, SageMaker’s stages and messages, and failure kinds', () => {
  const downloading = trainingJobStatus(
    describe({
      SecondaryStatus: 'Downloading',
      SecondaryStatusTransitions: [
        { Status: 'Starting', StartTime: new Date(), StatusMessage: 'Preparing the instances for training' },
        { Status: 'Downloading', StartTime: new Date(), StatusMessage: 'Downloading input data' },
      ],
    }),
    'eu-west-1',
  );
  assert.equal(downloading.state, 'pending');
  assert.equal(downloading.stage, 'Downloading');
  assert.equal(downloading.message, 'Downloading input data');
  assert.equal(
    downloading.consoleUrl,
    'https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/jobs/j',
  );
  assert.equal(trainingJobStatus(describe({ SecondaryStatus: 'Training' }), 'r').state, 'running');
  const failed = trainingJobStatus(
    describe({ TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed', FailureReason: 'AlgorithmError: exit code: 1' }),
    'r',
  );
  assert.deepEqual(
    [failed.state, failed.failureKind, failed.failureReason],
    ['failed', 'step', 'AlgorithmError: exit code: 1'],
  );
  const capacity = trainingJobStatus(
    describe({
      TrainingJobStatus: 'Failed',
      FailureReason: 'CapacityError: Unable to provision requested ML compute capacity.',
    }),
    'r',
  );
  assert.equal(capacity.failureKind, 'capacity');
  const timeout = trainingJobStatus(
    describe({ TrainingJobStatus: 'Stopped', SecondaryStatus: 'MaxRuntimeExceeded' }),
    'r',
  );
  assert.deepEqual([timeout.state, timeout.failureKind], ['failed', 'timeout']);
  assert.equal(
    trainingJobStatus(describe({ TrainingJobStatus: 'Stopped', SecondaryStatus: 'Stopped' }), 'r').state,
    'cancelled',
  );
  assert.equal(trainingJobStatus(describe({ TrainingJobStatus: 'Stopping' }), 'r').state, 'cancelling');
  const spot = trainingJobStatus(
    describe({
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      EnableManagedSpotTraining: true,
      BillableTimeInSeconds: 65,
      TrainingTimeInSeconds: 100,
    }),
    'r',
  );
  assert.deepEqual([spot.state, spot.message], ['succeeded', 'Billable 65 s of 100 s trained (spot saved 35 %).']);
});

test("the request the operator builds passes AWS's own SageMaker model, with a long split environment too", () => {
  const model = loadServiceModel('sagemaker');
  const settings = sagemakerJobSettings({
    role: ROLE,
    region: 'eu-west-1',
    experiment_name: 'churn',
    estimator_args: { use_spot_instances: true, instance_count: 2, keep_alive_period_in_seconds: 600 },
  });
  const withLongVariable = { ...JOB, environment: { ...JOB.environment, LONG: 'v'.repeat(2000) } };
  const request = trainingJobRequest(withLongVariable, trainingJobName(JOB.runId), settings);
  assert.equal(request.Environment?.LONG__STEPOPS_PART_3, 'v'.repeat(2000 - 3 * 512));
  assert.equal(model.validate('CreateTrainingJob', JSON.parse(JSON.stringify(request))), undefined);
  const broken = { ...request, TrainingJobName: 'train_model' };
  assert.match(
    model.validate('CreateTrainingJob', broken)?.message ?? '',
    /at 'trainingJobName' failed to satisfy constraint/,
  );
});
