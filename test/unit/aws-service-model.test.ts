// The strict AWS fakes' request validation against AWS's official models (Debian's
// python3-botocore): a CreateTrainingJob as the SageMaker operator builds it passes, and each kind
// of violation is answered as AWS answers it (type, wording, paths, several errors at once).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { javaPattern } from '../fakes/aws/modelWalk';
import { BOTOCORE_DATA, loadServiceModel } from '../fakes/aws/serviceModel';

const sagemaker = loadServiceModel('sagemaker');

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

test('a CreateTrainingJob as the operator builds it passes, and so does an empty ListTrainingJobs', () => {
  assert.equal(sagemaker.validate('CreateTrainingJob', trainingJob()), undefined);
  assert.equal(sagemaker.validate('ListTrainingJobs', {}), undefined);
});

test("a pattern must match the whole value, in SageMaker's wording", () => {
  assert.deepEqual(jobWith({ TrainingJobName: 'x_y' }), {
    type: 'ValidationException',
    message:
      "1 validation error detected: Value 'x_y' at 'trainingJobName' failed to satisfy constraint: " +
      'Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}',
  });
  // A prefix matches the pattern, the whole name does not: AWS matches the whole value.
  assert.match(jobWith({ TrainingJobName: 'trainer-' }).message, /Value 'trainer-' at 'trainingJobName'/);
});

test('several violations are answered at once, in the order of the model, with nested and list paths', () => {
  const answer = jobWith({
    TrainingJobName: 'a'.repeat(64),
    RoleArn: undefined,
    'InputDataConfig.1.ChannelName': 'in dataset',
    'ResourceConfig.KeepAlivePeriodInSeconds': 3601,
  });
  assert.equal(answer.type, 'ValidationException');
  assert.equal(
    answer.message,
    '5 validation errors detected: ' +
      [
        `Value '${'a'.repeat(64)}' at 'trainingJobName' failed to satisfy constraint: Member must have length less than or equal to 63`,
        `Value '${'a'.repeat(64)}' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`,
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
        "Value 'in dataset' at 'inputDataConfig.2.member.channelName' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9\\.\\-_]+",
        "Value '3601' at 'resourceConfig.keepAlivePeriodInSeconds' failed to satisfy constraint: Member must have value less than or equal to 3600",
      ].join('; '),
  );
});

test('enums, string lengths, list and map sizes and numeric minimums', () => {
  assert.match(
    jobWith({ 'ResourceConfig.InstanceType': 'ml.huge' }).message,
    /^1 validation error detected: Value 'ml\.huge' at 'resourceConfig\.instanceType' failed to satisfy constraint: Member must satisfy enum value set: \[ml\.m4\.xlarge, .*ml\.g5\.xlarge, .*\]$/,
  );
  assert.match(
    jobWith({ RoleArn: 'arn:aws:iam::1:role' }).message,
    /Value 'arn:aws:iam::1:role' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; /,
  );
  assert.match(
    jobWith({ 'AlgorithmSpecification.ContainerEntrypoint': [] }).message,
    /^1 validation error detected: Value '\[\]' at 'algorithmSpecification\.containerEntrypoint' failed to satisfy constraint: Member must have length greater than or equal to 1$/,
  );
  const environment = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`V${i}`, 'x']));
  assert.match(
    jobWith({ Environment: environment }).message,
    /at 'environment' failed to satisfy constraint: Member must have length less than or equal to 48$/,
  );
  assert.match(
    jobWith({ 'ResourceConfig.VolumeSizeInGB': 0 }).message,
    /Value '0' at 'resourceConfig\.volumeSizeInGB' failed to satisfy constraint: Member must have value greater than or equal to 1$/,
  );
});

test("list entries and map keys or values of a plain shape are answered at the collection, with all the entry's constraints", () => {
  assert.equal(
    jobWith({ 'AlgorithmSpecification.ContainerArguments': ['--job', 'x'.repeat(257)] }).message,
    `1 validation error detected: Value '[--job, ${'x'.repeat(257)}]' at 'algorithmSpecification.containerArguments' ` +
      'failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 256, ' +
      'Member must satisfy regular expression pattern: .*]',
  );
  assert.equal(
    jobWith({ Environment: { A: 'x'.repeat(513) } }).message,
    `1 validation error detected: Value '{A=${'x'.repeat(513)}}' at 'environment' failed to satisfy constraint: ` +
      'Map value must satisfy constraint: [Member must have length less than or equal to 512, ' +
      'Member must satisfy regular expression pattern: [\\S\\s]*]',
  );
  assert.match(
    jobWith({ Environment: { '1BAD': 'x' } }).message,
    /at 'environment' failed to satisfy constraint: Map keys must satisfy constraint: \[Member must have length less than or equal to 512, Member must satisfy regular expression pattern: \[a-zA-Z_\]\[a-zA-Z0-9_\]\*\]$/,
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
    /^Unrecognized field "Spot" at 'resourceConfig': the model's ResourceConfig has no such member \(its members: InstanceType, InstanceCount/,
  );
  const type = jobWith({ 'ResourceConfig.InstanceCount': '2' });
  assert.deepEqual(type, {
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
  assert.deepEqual(
    logs.validate('GetLogEvents', { logGroupName: '/aws/sagemaker/TrainingJobs', logStreamName: 'a:b', limit: 0 }),
    {
      type: 'InvalidParameterException',
      message:
        "2 validation errors detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy " +
        "regular expression pattern: [^:*]*; Value '0' at 'limit' failed to satisfy constraint: Member must have value " +
        'greater than or equal to 1',
    },
  );
  const ecr = loadServiceModel('ecr');
  assert.deepEqual(ecr.validate('CreateRepository', { repositoryName: 'Steps' }), {
    type: 'InvalidParameterException',
    message:
      "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression " +
      "'(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''",
  });
  assert.deepEqual(ecr.validate('CreateRepository', { repositoryName: 'a' }), {
    type: 'InvalidParameterException',
    message:
      "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have length greater than or equal to 2'",
  });
  assert.equal(ecr.validate('CreateRepository', { repositoryName: 'team/steps-v2' }), undefined);
});

test("every pattern of the three models runs in JavaScript, with Java's leniencies rewritten", () => {
  let patterns = 0;
  for (const service of ['sagemaker', 'logs', 'ecr']) {
    for (const version of readdirSync(path.join(BOTOCORE_DATA, service))) {
      const file = path.join(BOTOCORE_DATA, service, version, 'service-2.json');
      const shapes = (JSON.parse(readFileSync(file, 'utf8')) as { shapes: Record<string, { pattern?: string }> })
        .shapes;
      for (const { pattern } of Object.values(shapes)) {
        if (pattern === undefined) continue;
        assert.doesNotThrow(() => javaPattern(pattern), `pattern ${pattern} of ${service}`);
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
    () => loadServiceModel('logs', empty),
    /AWS's API model for logs is not installed .*python3-botocore.*bash scripts\/setup-system\.sh/,
  );
});
