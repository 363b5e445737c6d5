// The strict AWS fakes' request validation against AWS's official models (Debian's
// python3-botocore): a CreateTrainingJob as the SageMaker operator builds it passes, and each
// kind of violation is answered as AWS answers it (type, wording, paths, several errors at
// once). Limits and patterns are read from the model in use.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { javaPattern } from '../fakes/aws/modelWalk';
import {
  type AwsModelService,
  BOTOCORE_DATA,
  loadServiceModel,
  MODEL_SOURCES,
  modelFiles,
} from '../fakes/aws/serviceModel';

const sagemaker = loadServiceModel('sagemaker');
/** A shape's constraint from the model in use. */
const limit = (shape: string, key: 'pattern' | 'min' | 'max') =>
  (sagemaker.shape(shape) as Record<string, string | number>)[key]!;

/** A training job request with what the SageMaker issue asks the operator to send. */
function trainingJob(): Record<string, unknown> {
  return {
    TrainingJobName: 'run-4f2a9c-trainer',
    AlgorithmSpecification: {
      TrainingImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/steps@sha256:' + 'ab'.repeat(32),
      TrainingInputMode: 'File',
      ContainerEntrypoint: ['python3', '-m', 'stepops_runtime'],
      ContainerArguments: ['--job', '/opt/ml/input/data/job/job.json'],
    },
    RoleArn: 'arn:aws:iam::123456789012:role/stepops-sagemaker',
    InputDataConfig: [
      {
        ChannelName: 'job',
        DataSource: {
          S3DataSource: {
            S3DataType: 'S3Prefix',
            S3Uri: 's3://bucket/runs/run-4f2a9c/job/',
            S3DataDistributionType: 'FullyReplicated',
          },
        },
        CompressionType: 'None',
        InputMode: 'File',
      },
      {
        ChannelName: 'in-dataset',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/runs/run-4f2a9c/in/dataset/' } },
      },
    ],
    OutputDataConfig: { S3OutputPath: 's3://bucket/runs/run-4f2a9c/output/', CompressionType: 'NONE' },
    ResourceConfig: {
      InstanceType: 'ml.g5.xlarge',
      InstanceCount: 2,
      VolumeSizeInGB: 30,
      KeepAlivePeriodInSeconds: 600,
    },
    StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
    EnableManagedSpotTraining: true,
    CheckpointConfig: { S3Uri: 's3://bucket/runs/run-4f2a9c/checkpoints/', LocalPath: '/opt/ml/checkpoints' },
    ExperimentConfig: { ExperimentName: 'churn', TrialName: 'run-4f2a9c' },
    Environment: { STEPOPS_RUN_ID: 'run-4f2a9c', STEPOPS_SETTINGS__STEPOPS_PART_0: 'x'.repeat(512) },
    Tags: [
      { Key: 'stepops:run', Value: 'run-4f2a9c' },
      { Key: 'stepops:step', Value: 'trainer' },
    ],
  };
}

const invalid = (operation: string, input: unknown) => {
  const answer = sagemaker.validate(operation, input);
  assert.ok(answer, `expected ${operation} to be refused`);
  return answer;
};
/** The operator's request with members changed, by path ('ResourceConfig.InstanceType', 'InputDataConfig.1.ChannelName'); undefined removes one. */
function jobWith(changes: Record<string, unknown>) {
  const job = trainingJob();
  for (const [at, value] of Object.entries(changes)) {
    const keys = at.split('.');
    const last = keys.pop()!;
    const parent = keys.reduce((node, key) => node[key] as Record<string, unknown>, job);
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  }
  return invalid('CreateTrainingJob', job);
}

test('a CreateTrainingJob as the operator builds it passes in every model source, and so does an empty ListTrainingJobs', () => {
  assert.match(sagemaker.source, /botocore\/data\/sagemaker\/[\d-]+\/service-2\.json$/, "AWS's own model");
  for (const source of MODEL_SOURCES) {
    const model = loadServiceModel('sagemaker', [source]);
    assert.equal(model.validate('CreateTrainingJob', trainingJob()), undefined, model.source);
    assert.equal(model.validate('ListTrainingJobs', {}), undefined, model.source);
  }
});

test("a pattern must match the whole value, in SageMaker's wording", () => {
  assert.deepEqual(jobWith({ TrainingJobName: 'x_y' }), {
    type: 'ValidationException',
    message:
      "1 validation error detected: Value 'x_y' at 'trainingJobName' failed to satisfy constraint: " +
      `Member must satisfy regular expression pattern: ${limit('TrainingJobName', 'pattern')}`,
  });
  // A prefix matches the pattern, the whole name does not: AWS matches the whole value.
  assert.match(
    jobWith({ TrainingJobName: 'trainer-' }).message,
    /^1 validation error detected: Value 'trainer-' at 'trainingJobName'/,
  );
});

test('several violations are answered at once, with nested and list paths', () => {
  const keepAlive = Number(limit('KeepAlivePeriodInSeconds', 'max'));
  const answer = jobWith({
    TrainingJobName: 'a'.repeat(64),
    RoleArn: undefined,
    'InputDataConfig.1.ChannelName': 'in dataset',
    'ResourceConfig.KeepAlivePeriodInSeconds': keepAlive + 1,
  });
  assert.equal(answer.type, 'ValidationException');
  const [count, list] = answer.message.split(': ', 2) as [string, string];
  assert.equal(count, '5 validation errors detected');
  assert.deepEqual(
    answer.message
      .slice(count.length + 2)
      .split('; ')
      .sort(),
    [
      `Value '${'a'.repeat(64)}' at 'trainingJobName' failed to satisfy constraint: Member must have length less than or equal to 63`,
      `Value '${'a'.repeat(64)}' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${limit('TrainingJobName', 'pattern')}`,
      "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
      "Value 'in dataset' at 'inputDataConfig.2.member.channelName' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9\\.\\-_]+",
      `Value '${keepAlive + 1}' at 'resourceConfig.keepAlivePeriodInSeconds' failed to satisfy constraint: Member must have value less than or equal to ${keepAlive}`,
    ].sort(),
    list,
  );
});

test('enums, string lengths, list and map sizes and numeric minimums', () => {
  assert.match(
    jobWith({ 'ResourceConfig.InstanceType': 'ml.huge' }).message,
    /^1 validation error detected: Value 'ml\.huge' at 'resourceConfig\.instanceType' failed to satisfy constraint: Member must satisfy enum value set: \[.*\bml\.g5\.xlarge, .*\]$/,
  );
  assert.match(
    jobWith({ RoleArn: 'arn:aws:iam::1:role' }).message,
    /Value 'arn:aws:iam::1:role' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20(;|$)/,
  );
  assert.match(
    jobWith({ 'AlgorithmSpecification.ContainerEntrypoint': [] }).message,
    /^1 validation error detected: Value '\[\]' at 'algorithmSpecification\.containerEntrypoint' failed to satisfy constraint: Member must have length greater than or equal to 1$/,
  );
  const most = Number(limit('TrainingEnvironmentMap', 'max'));
  const environment = Object.fromEntries(Array.from({ length: most + 1 }, (_, i) => [`V${i}`, 'x']));
  assert.match(
    jobWith({ Environment: environment }).message,
    new RegExp(`at 'environment' failed to satisfy constraint: Member must have length less than or equal to ${most}$`),
  );
  assert.match(
    jobWith({ 'StoppingCondition.MaxRuntimeInSeconds': 0 }).message,
    /Value '0' at 'stoppingCondition\.maxRuntimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1$/,
  );
});

test("list entries and map keys or values of a plain shape are answered at the collection, with all the entry's constraints", () => {
  const argument = jobWith({ 'AlgorithmSpecification.ContainerArguments': ['--job', 'x'.repeat(257)] }).message;
  assert.ok(
    argument.startsWith(
      `1 validation error detected: Value '[--job, ${'x'.repeat(257)}]' at 'algorithmSpecification.containerArguments' ` +
        'failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 256, ',
    ),
    argument,
  );
  assert.ok(argument.endsWith('Member must satisfy regular expression pattern: .*]'), argument);
  const value = jobWith({ Environment: { A: 'x'.repeat(513) } }).message;
  assert.ok(
    value.startsWith(
      `1 validation error detected: Value '{A=${'x'.repeat(513)}}' at 'environment' failed to satisfy constraint: ` +
        'Map value must satisfy constraint: [Member must have length less than or equal to 512, ',
    ),
    value,
  );
  assert.ok(value.endsWith('Member must satisfy regular expression pattern: [\\S\\s]*]'), value);
  assert.match(
    jobWith({ Environment: { '1BAD': 'x' } }).message,
    /at 'environment' failed to satisfy constraint: Map keys must satisfy constraint: \[Member must have length less than or equal to 512, .*Member must satisfy regular expression pattern: \[a-zA-Z_\]\[a-zA-Z0-9_\]\*\]$/,
  );
});

test('unknown members and wrong JSON types are refused before any constraint, as SerializationException', () => {
  const top = jobWith({ Instancetype: 'ml.m5.large' });
  assert.equal(top.type, 'SerializationException');
  assert.match(
    top.message,
    /^Unrecognized field "Instancetype" in the request body: the model's CreateTrainingJobRequest has no such member/,
  );
  const nested = jobWith({ 'ResourceConfig.Spot': true });
  assert.match(
    nested.message,
    /^Unrecognized field "Spot" at 'resourceConfig': the model's ResourceConfig has no such member \(its members: .*\bInstanceCount, .*\)\.$/,
  );
  assert.deepEqual(jobWith({ 'ResourceConfig.InstanceCount': '2' }), {
    type: 'SerializationException',
    message:
      `STRING_VALUE "2" can not be converted to an integer (at 'resourceConfig.instanceCount', the model's ` +
      'TrainingInstanceCount is an integer).',
  });
  assert.match(
    jobWith({ Tags: { Key: 'a' } }).message,
    /^Start of structure or map found where not expected \(at 'tags'/,
  );
  assert.match(
    invalid('ListTrainingJobs', []).message,
    /^Start of list found where not expected \(in the request body/,
  );
  assert.match(
    invalid('ListTrainingJobs', { MaxResults: 1.5 }).message,
    /^NUMBER_VALUE 1\.5 can not be converted to an integer/,
  );
});

test('an operation the model lacks is unknown; shapes are there for the fakes to read', () => {
  assert.deepEqual(sagemaker.validate('CreateTrainingJobs', {}), {
    type: 'UnknownOperationException',
    message: 'Unknown operation CreateTrainingJobs',
  });
  assert.equal(sagemaker.hasOperation('DescribeTrainingJob'), true);
  const instanceTypes = sagemaker.shape('TrainingInstanceType') as { enum: string[] };
  assert.ok(instanceTypes.enum.includes('ml.m5.large'));
  assert.throws(() => sagemaker.shape('NoSuchShape'), /has no shape named NoSuchShape/);
});

test("CloudWatch Logs answers InvalidParameterException, ECR its own 'Invalid parameter at' form", () => {
  const logs = loadServiceModel('logs');
  const answer = logs.validate('GetLogEvents', {
    logGroupName: '/aws/sagemaker/TrainingJobs',
    logStreamName: 'a:b',
    limit: 0,
  });
  assert.equal(answer?.type, 'InvalidParameterException');
  assert.match(answer.message, /^2 validation errors detected: /);
  assert.match(
    answer.message,
    /Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\^:\*\]\*(;|$)/,
  );
  assert.match(
    answer.message,
    /Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1(;|$)/,
  );
  const ecr = loadServiceModel('ecr');
  const pattern = (ecr.shape('RepositoryName') as { pattern: string }).pattern;
  assert.deepEqual(ecr.validate('CreateRepository', { repositoryName: 'Steps' }), {
    type: 'InvalidParameterException',
    message: `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '${pattern}''`,
  });
  assert.deepEqual(ecr.validate('CreateRepository', { repositoryName: 'a' }), {
    type: 'InvalidParameterException',
    message:
      "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have length greater than or equal to 2'",
  });
  assert.equal(ecr.validate('CreateRepository', { repositoryName: 'team/steps-v2' }), undefined);
});

test("every pattern of every model runs in JavaScript, with Java's leniencies rewritten", () => {
  let patterns = 0;
  for (const service of ['sagemaker', 'logs', 'ecr'] as AwsModelService[]) {
    const files = modelFiles(service, MODEL_SOURCES);
    assert.ok(files.length > 0 && files.every((f) => f.startsWith(BOTOCORE_DATA)), service);
    for (const file of files) {
      const shapes = (JSON.parse(readFileSync(file, 'utf8')) as { shapes: Record<string, { pattern?: string }> })
        .shapes;
      for (const { pattern } of Object.values(shapes)) {
        if (pattern === undefined) continue;
        assert.doesNotThrow(() => javaPattern(pattern), `pattern ${pattern} of ${file}`);
        patterns++;
      }
    }
  }
  assert.ok(patterns > 100, `only ${patterns} patterns found`);
  assert.equal(javaPattern('[a-zA-Z0-9\\ \\_\\.]+').test('a b_c.d'), true);
  assert.equal(javaPattern('^([\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@]*)${1,128}').test('Ünïcode tag:1'), true);
  assert.equal(javaPattern('^([\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@]*)${1,128}').test('no!'), false);
});

test('a missing model says which package brings it and how to install it', () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'stepops-no-botocore-'));
  assert.throws(
    () => loadServiceModel('logs', [empty]),
    /AWS's API model for logs is not installed .*python3-botocore.*bash scripts\/setup-system\.sh/,
  );
});

test('training instance types AWS added after the 2022 model are taken; a made-up one is still refused', () => {
  const model = loadServiceModel('sagemaker');
  const types = (model.shape('TrainingInstanceType') as { enum?: string[] }).enum ?? [];
  for (const type of ['ml.m5.large', 'ml.g6.xlarge', 'ml.p5.48xlarge']) assert.ok(types.includes(type), type);
  assert.ok(!types.includes('ml.q9.huge'));
});
