// The SageMaker emulator through the real SDKs, running a real training image on the local
// engine: a job that reads its channel and writes a model goes through SageMaker's stages with its
// log lines in CloudWatch Logs and its model in S3; a failing job reports what it wrote to
// /opt/ml/output/failure; StopTrainingJob and MaxRuntimeInSeconds stop it with SIGTERM; a
// two-instance job has a log stream per instance; and the requests SageMaker refuses are refused.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  type CreateTrainingJobRequest,
  CreateTrainingJobCommand,
  type DescribeTrainingJobResponse,
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { extract } from 'tar-stream';
import { type DockerClient, connectDocker } from '../../src/core/images/dockerClient';
import { WarmPoolReuse } from '../../src/core/clouds/aws/sagemaker/warmPoolReuse';
import { buildImage } from '../../src/core/images/imageBuilder';
import { pushImage } from '../../src/core/images/imagePusher';
import { type FakeCloudWatchLogs, startFakeCloudWatchLogs } from '../fakes/aws/fakeCloudWatchLogs';
import { type FakeS3, startFakeS3 } from '../fakes/fakeS3';
import { type FakeSageMaker, startFakeSageMaker } from '../fakes/fakeSageMaker';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
const REGION = 'eu-west-1';
const ACCOUNT_ID = '111122223333';
const BUCKET = 'training-data';
const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/stepops-training`;
const KEY = { accessKeyId: 'AKIDSTEPOPSSMEMU01', secretAccessKey: 'sagemaker-emulator-test-secret' };
const OUTSIDER = { accessKeyId: 'AKIDSTEPOPSSMEMU02', secretAccessKey: 'sagemaker-emulator-outsider' };
const nonce = randomUUID().slice(0, 8);
const image = `${env.registry}/stepops-it/sagemaker-train:${nonce}`;

// Behaves as the BEHAVIOUR environment variable says: ok, fail or wait (for SIGTERM).
const TRAIN_PY = String.raw`
import json, os, signal, sys, time
behaviour = os.environ.get("BEHAVIOUR", "ok")
config = json.load(open("/opt/ml/input/config/resourceconfig.json"))
host = config["current_host"]
print(f"host {host} of {len(config['hosts'])}; argv {sys.argv[1:]}; job {os.environ['TRAINING_JOB_NAME']}", flush=True)
if behaviour == "ok":
    folder = "/opt/ml/input/data/train"
    numbers = []
    for name in sorted(os.listdir(folder)):
        numbers += [int(line) for line in open(os.path.join(folder, name)) if line.strip()]
    print(f"read {len(numbers)} numbers from {sorted(os.listdir(folder))}", flush=True)
    if os.path.isdir("/opt/ml/input/data/shards"):
        print(f"shards {sorted(os.listdir('/opt/ml/input/data/shards'))}", flush=True)
    print("a warning on stderr", file=sys.stderr, flush=True)
    hyper = json.load(open("/opt/ml/input/config/hyperparameters.json"))
    with open(f"/opt/ml/model/{host}.txt", "w") as out:
        out.write(f"sum={sum(numbers)} scale={hyper.get('scale')}")
    json.dump({"loss": 0.25}, open("/opt/ml/output/data/metrics.json", "w"))
    if os.environ.get("CHECKPOINTS"):
        step_file = "/opt/ml/checkpoints/step.txt"
        step = int(open(step_file).read()) if os.path.exists(step_file) else 0
        open(step_file, "w").write(str(step + 1))
    print("done", flush=True)
elif behaviour == "fail":
    print("Traceback (most recent call last):", file=sys.stderr, flush=True)
    print("ValueError: bad input", file=sys.stderr, flush=True)
    open("/opt/ml/output/failure", "w").write("ValueError: bad input")
    sys.exit(1)
elif behaviour == "wait":
    def stopped(signum, frame):
        print("got SIGTERM", flush=True)
        open("/opt/ml/model/partial.txt", "w").write("saved on SIGTERM")
        sys.exit(0)
    signal.signal(signal.SIGTERM, stopped)
    print("waiting", flush=True)
    while True:
        time.sleep(0.1)
`;

let docker: DockerClient;
let contextDir: string;
let s3: FakeS3;
let logs: FakeCloudWatchLogs;
let sagemaker: FakeSageMaker;
let client: SageMakerClient;
let logsClient: CloudWatchLogsClient;

before(async () => {
  docker = await connectDocker();
  contextDir = await mkdtemp(path.join(tmpdir(), 'stepops-sagemaker-it-'));
  await writeFile(
    path.join(contextDir, 'Dockerfile'),
    `FROM ${env.pythonImage}\nCOPY train.py /opt/program/train.py\nENTRYPOINT ["python3", "/opt/program/train.py"]\n`,
  );
  await writeFile(path.join(contextDir, 'train.py'), TRAIN_PY);
  await buildImage(docker, { context: { dir: contextDir }, tag: image });
  await pushImage(docker, { reference: image });

  const buckets = { [BUCKET]: { region: REGION } };
  s3 = await startFakeS3(buckets, []);
  s3.objects.set(`${BUCKET}/data/train/a.txt`, Buffer.from('1\n2\n3\n'));
  s3.objects.set(`${BUCKET}/data/train/b.txt`, Buffer.from('10\n'));
  const reader = { ...KEY, accountId: ACCOUNT_ID, allowed: ['logs:DescribeLogStreams', 'logs:GetLogEvents'] };
  logs = await startFakeCloudWatchLogs(REGION, [reader]);
  const actions = ['CreateTrainingJob', 'DescribeTrainingJob', 'StopTrainingJob', 'ListTrainingJobs'];
  sagemaker = await startFakeSageMaker(
    REGION,
    [
      { ...KEY, accountId: ACCOUNT_ID, allowed: actions.map((a) => `sagemaker:${a}`), passRoles: [ROLE] },
      { ...OUTSIDER, accountId: ACCOUNT_ID, allowed: ['sagemaker:CreateTrainingJob'] },
    ],
    {
      training: {
        accountId: ACCOUNT_ID,
        roles: [ROLE],
        s3: { buckets, objects: s3.objects },
        registries: [{ host: env.registry }],
        logs,
      },
    },
  );
  const settings = { region: REGION, credentials: KEY, maxAttempts: 1 };
  client = new SageMakerClient({ ...settings, endpoint: sagemaker.endpoint });
  logsClient = new CloudWatchLogsClient({ ...settings, endpoint: logs.endpoint });
});

after(async () => {
  assert.deepEqual(sagemaker?.internalErrors ?? [], [], 'the emulator itself never failed');
  client?.destroy();
  logsClient?.destroy();
  await sagemaker?.close();
  await logs?.close();
  await s3?.close();
  await rm(contextDir, { recursive: true, force: true });
  await docker
    ?.getImage(image)
    .remove({ force: true })
    .catch(() => undefined);
});

let jobs = 0;
const jobName = (what: string) => `it-${nonce}-${what}-${++jobs}`;

function request(name: string, overrides: Partial<CreateTrainingJobRequest> = {}): CreateTrainingJobRequest {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' },
    HyperParameters: { scale: '2' },
    InputDataConfig: [
      {
        ChannelName: 'train',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/data/train/` } },
      },
    ],
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output` },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    Environment: { BEHAVIOUR: 'ok' },
    ...overrides,
  };
}

/** Polls DescribeTrainingJob until the job ends; answers the last description and every status seen. */
async function untilEnded(name: string, timeoutMs = 90_000) {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    const status = `${job.TrainingJobStatus}/${job.SecondaryStatus}`;
    if (seen.at(-1) !== status) seen.push(status);
    if (['Completed', 'Failed', 'Stopped'].includes(job.TrainingJobStatus!)) return { job, seen };
    if (Date.now() > deadline) assert.fail(`${name} did not end within ${timeoutMs} ms; seen ${seen.join(' -> ')}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function untilStage(name: string, stage: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const job = await client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    if (job.SecondaryStatus === stage) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${name} never reached ${stage}`);
}

async function untilLogged(name: string, line: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ([...(await logLines(name)).values()].some((lines) => lines.includes(line))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${name} never logged "${line}"`);
}

const transitions = (job: DescribeTrainingJobResponse) =>
  (job.SecondaryStatusTransitions ?? []).map((t) => `${t.Status}: ${t.StatusMessage}`);

/** Every log stream of the job, with its lines, read through CloudWatch Logs' API. */
async function logLines(name: string): Promise<Map<string, string[]>> {
  const streams = await logsClient.send(
    new DescribeLogStreamsCommand({ logGroupName: '/aws/sagemaker/TrainingJobs', logStreamNamePrefix: `${name}/` }),
  );
  const lines = new Map<string, string[]>();
  for (const stream of streams.logStreams ?? []) {
    const events = await logsClient.send(
      new GetLogEventsCommand({
        logGroupName: '/aws/sagemaker/TrainingJobs',
        logStreamName: stream.logStreamName!,
        startFromHead: true,
      }),
    );
    lines.set(
      stream.logStreamName!,
      (events.events ?? []).map((e) => e.message!),
    );
  }
  return lines;
}

/**
 * The lines of `lines` that are in `stream`, in their order. The engine stamps stdout and stderr
 * as it reads each pipe, so a line of one may carry an earlier time than a line of the other
 * written before it; CloudWatch orders by time. Within one stream the order holds.
 */
const inStream = (lines: readonly string[], stream: readonly string[]) => lines.filter((l) => stream.includes(l));
const STDERR = ['Traceback (most recent call last):', 'ValueError: bad input'];

/** The files of a tar.gz held by the S3 fake. */
async function tarball(key: string): Promise<Map<string, string>> {
  const body = s3.objects.get(`${BUCKET}/${key}`);
  assert.ok(body, `s3://${BUCKET}/${key} was uploaded`);
  const files = new Map<string, string>();
  const reader = extract();
  reader.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      files.set(header.name, Buffer.concat(chunks).toString('utf8'));
      next();
    });
  });
  const done = new Promise((resolve, reject) => reader.on('finish', resolve).on('error', reject));
  reader.end(gunzipSync(body));
  await done;
  return files;
}

test('a job reads its channel, writes its model and goes through the stages, its output in CloudWatch and S3', async () => {
  const name = jobName('ok');
  const created = await client.send(new CreateTrainingJobCommand(request(name.toUpperCase())));
  assert.equal(created.TrainingJobArn, `arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:training-job/${name}`);

  const { job, seen } = await untilEnded(name.toUpperCase());
  assert.equal(job.TrainingJobStatus, 'Completed', `FailureReason: ${job.FailureReason}`);
  // Polling may miss a short stage, never reorder them.
  const stages = ['Starting', 'Downloading', 'Training', 'Uploading'].map((s) => `InProgress/${s}`);
  assert.deepEqual(seen, [...stages.filter((s) => seen.includes(s)), 'Completed/Completed']);
  assert.ok(seen.includes('InProgress/Starting') && seen.includes('InProgress/Downloading'), seen.join(' -> '));
  assert.deepEqual(transitions(job), [
    'Starting: Preparing the instances for training',
    'Downloading: Downloading the training image',
    'Training: Training image download completed. Training in progress.',
    'Uploading: Uploading generated training model',
    'Completed: Training job completed',
  ]);
  const [starting, downloading] = job.SecondaryStatusTransitions!;
  assert.ok(starting!.EndTime instanceof Date && downloading!.StartTime!.getTime() === starting!.EndTime.getTime());
  assert.equal(job.TrainingStartTime!.getTime(), downloading!.StartTime!.getTime());
  assert.ok(job.TrainingEndTime! > job.TrainingStartTime! && job.CreationTime! < job.TrainingStartTime!);
  assert.ok(job.TrainingTimeInSeconds! >= 1, `TrainingTimeInSeconds ${job.TrainingTimeInSeconds}`);
  assert.equal(job.BillableTimeInSeconds, job.TrainingTimeInSeconds);
  assert.equal(job.ResourceConfig?.InstanceType, 'ml.m5.large');
  assert.deepEqual(job.HyperParameters, { scale: '2' });
  assert.equal(job.InputDataConfig?.[0]?.DataSource?.S3DataSource?.S3DataDistributionType, 'FullyReplicated');

  const output = `output/${name.toUpperCase()}/output`;
  assert.equal(job.ModelArtifacts?.S3ModelArtifacts, `s3://${BUCKET}/${output}/model.tar.gz`);
  assert.deepEqual([...(await tarball(`${output}/model.tar.gz`))], [['algo-1.txt', 'sum=16 scale=2']]);
  assert.deepEqual([...(await tarball(`${output}/output.tar.gz`))], [['metrics.json', '{"loss": 0.25}']]);

  const streams = await logLines(name.toUpperCase());
  assert.equal(streams.size, 1);
  const [[stream, lines]] = [...streams] as [[string, string[]]];
  assert.match(stream, new RegExp(`^${name.toUpperCase()}/algo-1-\\d{10}$`));
  const stdout = [
    `host algo-1 of 1; argv ['train']; job ${name.toUpperCase()}`,
    "read 4 numbers from ['a.txt', 'b.txt']",
    'done',
  ];
  assert.deepEqual(inStream(lines, stdout), stdout);
  assert.deepEqual([...lines].sort(), [...stdout, 'a warning on stderr'].sort());
  const events = logs.eventsOf('/aws/sagemaker/TrainingJobs', stream);
  assert.ok(
    events.every(
      (e) => e.timestamp >= job.TrainingStartTime!.getTime() && e.timestamp <= job.TrainingEndTime!.getTime(),
    ),
    'each line carries the time the container wrote it',
  );
});

test('a failing job reports what the algorithm wrote to /opt/ml/output/failure, and its traceback is logged', async () => {
  const name = jobName('fail');
  await client.send(new CreateTrainingJobCommand(request(name, { Environment: { BEHAVIOUR: 'fail' } })));
  const { job } = await untilEnded(name);
  assert.equal(job.TrainingJobStatus, 'Failed');
  assert.equal(job.SecondaryStatus, 'Failed');
  assert.equal(job.FailureReason, 'AlgorithmError: ValueError: bad input, exit code: 1');
  assert.equal(transitions(job).at(-1), 'Failed: Training job failed');
  assert.equal(job.ModelArtifacts, undefined);
  const [lines] = [...(await logLines(name)).values()];
  assert.deepEqual(inStream(lines!, STDERR), STDERR);
});

test('StopTrainingJob sends the containers SIGTERM, uploads what they saved, and ends Stopped', async () => {
  const name = jobName('stop');
  await client.send(new CreateTrainingJobCommand(request(name, { Environment: { BEHAVIOUR: 'wait' } })));
  await untilStage(name, 'Training');
  // Stopped once the algorithm listens for SIGTERM (as PID 1 it would ignore it before).
  await untilLogged(name, 'waiting');
  await client.send(new StopTrainingJobCommand({ TrainingJobName: name }));
  const stopping = await client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
  assert.equal(stopping.TrainingJobStatus, 'Stopping');
  assert.equal(stopping.SecondaryStatus, 'Stopping');

  const { job } = await untilEnded(name);
  assert.equal(job.TrainingJobStatus, 'Stopped');
  assert.deepEqual(transitions(job).slice(-3), [
    'Stopping: Stopping the training job',
    'Uploading: Uploading generated training model',
    'Stopped: Training job stopped',
  ]);
  assert.deepEqual([...(await tarball(`output/${name}/output/model.tar.gz`))], [['partial.txt', 'saved on SIGTERM']]);
  const [lines] = [...(await logLines(name)).values()];
  assert.deepEqual(lines!.slice(1), ['waiting', 'got SIGTERM']);
  await assert.rejects(client.send(new StopTrainingJobCommand({ TrainingJobName: name })), {
    name: 'ValidationException',
    message: 'The request was rejected because the training job is in status Stopped.',
  });
});

test('a job past MaxRuntimeInSeconds is stopped: Stopped with MaxRuntimeExceeded', async () => {
  const name = jobName('timeout');
  await client.send(
    new CreateTrainingJobCommand(
      request(name, { Environment: { BEHAVIOUR: 'wait' }, StoppingCondition: { MaxRuntimeInSeconds: 4 } }),
    ),
  );
  const { job } = await untilEnded(name);
  assert.equal(job.TrainingJobStatus, 'Stopped');
  assert.equal(job.SecondaryStatus, 'MaxRuntimeExceeded');
  assert.equal(
    transitions(job).at(-1),
    'MaxRuntimeExceeded: Training job runtime exceeded MaxRuntimeInSeconds provided',
  );
  assert.ok(job.TrainingTimeInSeconds! >= 4);
});

test('a two-instance spot job runs algo-1 and algo-2, each with its own log stream, resumes its checkpoints and bills less; NONE uploads the files as they are', async () => {
  const name = jobName('pair');
  s3.objects.set(`${BUCKET}/checkpoints/${name}/step.txt`, Buffer.from('41'));
  for (const i of [0, 1, 2, 3]) s3.objects.set(`${BUCKET}/shards/${name}/part-${i}.txt`, Buffer.from(String(i)));
  const channels = request(name).InputDataConfig!;
  await client.send(
    new CreateTrainingJobCommand(
      request(name, {
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 2, VolumeSizeInGB: 1 },
        OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output/`, CompressionType: 'NONE' },
        AlgorithmSpecification: {
          TrainingImage: image,
          TrainingInputMode: 'File',
          ContainerEntrypoint: ['python3', '/opt/program/train.py'],
          ContainerArguments: ['--epochs', '1'],
        },
        EnableManagedSpotTraining: true,
        StoppingCondition: { MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 1200 },
        CheckpointConfig: { S3Uri: `s3://${BUCKET}/checkpoints/${name}` },
        InputDataConfig: [
          ...channels,
          {
            ChannelName: 'shards',
            DataSource: {
              S3DataSource: {
                S3DataType: 'S3Prefix',
                S3Uri: `s3://${BUCKET}/shards/${name}/`,
                S3DataDistributionType: 'ShardedByS3Key',
              },
            },
          },
        ],
        Environment: { BEHAVIOUR: 'ok', CHECKPOINTS: '1' },
      }),
    ),
  );
  const { job } = await untilEnded(name);
  assert.equal(job.TrainingJobStatus, 'Completed', `FailureReason: ${job.FailureReason}`);
  assert.equal(job.ModelArtifacts?.S3ModelArtifacts, `s3://${BUCKET}/output/${name}/output/model/`);
  for (const host of ['algo-1', 'algo-2']) {
    assert.equal(s3.objects.get(`${BUCKET}/output/${name}/output/model/${host}.txt`)?.toString(), 'sum=16 scale=2');
  }
  assert.equal(s3.objects.get(`${BUCKET}/output/${name}/output/data/metrics.json`)?.toString(), '{"loss": 0.25}');
  assert.equal(s3.objects.get(`${BUCKET}/checkpoints/${name}/step.txt`)?.toString(), '42');
  assert.ok(job.EnableManagedSpotTraining);
  assert.ok(
    job.BillableTimeInSeconds! < job.TrainingTimeInSeconds!,
    `spot bills less: ${job.BillableTimeInSeconds} s of ${job.TrainingTimeInSeconds} s`,
  );
  const streams = await logLines(name);
  assert.deepEqual(
    [...streams.keys()].map((s) => s.replace(/-\d{10}$/, '')),
    [`${name}/algo-1`, `${name}/algo-2`],
  );
  for (const [stream, lines] of streams) {
    const host = /algo-\d/.exec(stream)![0];
    assert.equal(
      lines.find((l) => l.startsWith('host ')),
      `host ${host} of 2; argv ['--epochs', '1']; job ${name}`,
    );
    const shards = host === 'algo-1' ? "['part-0.txt', 'part-2.txt']" : "['part-1.txt', 'part-3.txt']";
    assert.equal(
      lines.find((l) => l.startsWith('shards ')),
      `shards ${shards}`,
      'ShardedByS3Key splits the keys',
    );
  }
});

test('SageMaker refuses what it refuses: the model, a reused name, spot without MaxWait, roles, data and images', async () => {
  const refused = async (input: CreateTrainingJobRequest, expected: { name: string; message: string | RegExp }) => {
    await assert.rejects(client.send(new CreateTrainingJobCommand(input)), (error: Error) => {
      assert.equal(error.name, expected.name);
      if (typeof expected.message === 'string') assert.equal(error.message, expected.message);
      else assert.match(error.message, expected.message);
      return true;
    });
  };
  await refused(request('has_underscore'), {
    name: 'ValidationException',
    message: new RegExp(
      "^1 validation error detected: Value 'has_underscore' at 'trainingJobName' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: \\^?\\[a-zA-Z0-9\\]',
    ),
  });
  await refused(
    request(jobName('type'), {
      ResourceConfig: { InstanceType: 'ml.huge.9000' as 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
    }),
    {
      name: 'ValidationException',
      message:
        /Value 'ml\.huge\.9000' at 'resourceConfig\.instanceType' failed to satisfy constraint: Member must satisfy enum value set/,
    },
  );

  const used = jobName('used');
  const { TrainingJobArn } = await client.send(new CreateTrainingJobCommand(request(used)));
  await refused(request(used.toUpperCase()), {
    name: 'ResourceInUse',
    message: `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${TrainingJobArn})`,
  });

  await refused(request(jobName('spot'), { EnableManagedSpotTraining: true }), {
    name: 'ValidationException',
    message: 'Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds',
  });
  await refused(
    request(jobName('spot'), {
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 300 },
    }),
    { name: 'ValidationException', message: /It must be present and be greater than or equal to MaxRuntimeInSeconds/ },
  );
  await refused(
    request(jobName('wait'), { StoppingCondition: { MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 900 } }),
    {
      name: 'ValidationException',
      message: /only supported when EnableManagedSpotTraining is set to true/,
    },
  );

  const stranger = `arn:aws:iam::${ACCOUNT_ID}:role/not-passable`;
  await refused(request(jobName('role'), { RoleArn: stranger }), {
    name: 'AccessDeniedException',
    message: `User: arn:aws:iam::${ACCOUNT_ID}:user/${KEY.accessKeyId} is not authorized to perform: iam:PassRole on resource: ${stranger}`,
  });
  await refused(request(jobName('env'), { Environment: { 'NOT-A-NAME': 'x' } }), {
    name: 'ValidationException',
    message: /Value '\{NOT-A-NAME=x\}' at 'environment' failed to satisfy constraint: Map keys must satisfy/,
  });
  await refused(request(jobName('env'), { Environment: { BEHAVIOUR: 'x'.repeat(513) } }), {
    name: 'ValidationException',
    message: /at 'environment/,
  });
  const missing = `s3://${BUCKET}/data/nothing-here/`;
  await refused(
    request(jobName('data'), {
      InputDataConfig: [
        { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: missing } } },
      ],
    }),
    {
      name: 'ValidationException',
      message: new RegExp(`^No S3 objects found under S3 URL "${missing}" given in input data source`),
    },
  );
  await refused(
    request(jobName('image'), {
      AlgorithmSpecification: { TrainingImage: `${env.registry}/stepops-it/no-such-repo:1`, TrainingInputMode: 'File' },
    }),
    {
      name: 'ValidationException',
      message: /^Cannot find repository: stepops-it\/no-such-repo in registry ID: 111122223333/,
    },
  );
  await refused(
    request(jobName('image'), {
      AlgorithmSpecification: { TrainingImage: `${image}-missing`, TrainingInputMode: 'File' },
    }),
    { name: 'ValidationException', message: `Cannot find the requested image: ${image}-missing` },
  );
  await refused(
    request(jobName('image'), { AlgorithmSpecification: { TrainingImage: 'python:3.11', TrainingInputMode: 'File' } }),
    {
      name: 'ValidationException',
      message: /^Invalid training image\. Please provide a valid Amazon Elastic Container Registry path/,
    },
  );

  const outsider = new SageMakerClient({
    region: REGION,
    credentials: OUTSIDER,
    endpoint: sagemaker.endpoint,
    maxAttempts: 1,
  });
  try {
    await assert.rejects(outsider.send(new CreateTrainingJobCommand(request(jobName('outsider')))), {
      name: 'AccessDeniedException',
      message: `User: arn:aws:iam::${ACCOUNT_ID}:user/${OUTSIDER.accessKeyId} is not authorized to perform: iam:PassRole on resource: ${ROLE}`,
    });
    await assert.rejects(outsider.send(new DescribeTrainingJobCommand({ TrainingJobName: used })), {
      name: 'AccessDeniedException',
    });
  } finally {
    outsider.destroy();
  }
  await assert.rejects(client.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName('unknown') })), {
    name: 'ValidationException',
    message: 'Requested resource not found.',
  });
  await client.send(new StopTrainingJobCommand({ TrainingJobName: used }));
  assert.equal((await untilEnded(used)).job.TrainingJobStatus, 'Stopped');
});

test('a job with a keep-alive period leaves a warm pool that the next matching job reuses, starting sooner', async () => {
  const withPool = (name: string, volume = 1) =>
    request(name, {
      ResourceConfig: {
        InstanceType: 'ml.m5.large',
        InstanceCount: 1,
        VolumeSizeInGB: volume,
        KeepAlivePeriodInSeconds: 60,
      },
    });
  const [first, second, other] = [jobName('pool'), jobName('pool'), jobName('pool')];
  await client.send(new CreateTrainingJobCommand(withPool(first)));
  const cold = await untilEnded(first);
  assert.equal(cold.job.TrainingJobStatus, 'Completed', `FailureReason: ${cold.job.FailureReason}`);
  assert.equal(cold.job.WarmPoolStatus?.Status, 'Available');

  await client.send(new CreateTrainingJobCommand(withPool(second)));
  const warm = await untilEnded(second);
  assert.equal(warm.job.TrainingJobStatus, 'Completed', `FailureReason: ${warm.job.FailureReason}`);
  const donor = await client.send(new DescribeTrainingJobCommand({ TrainingJobName: first }));
  assert.equal(donor.WarmPoolStatus?.Status, 'Reused');
  assert.equal(donor.WarmPoolStatus?.ReusedByJob, second);
  assert.equal(typeof donor.WarmPoolStatus?.ResourceRetainedBillableTimeInSeconds, 'number');
  assert.equal(warm.job.WarmPoolStatus?.Status, 'Available', 'the pool moved on to the job that reused it');
  const starting = (job: DescribeTrainingJobResponse) => {
    const stage = job.SecondaryStatusTransitions![0]!;
    return stage.EndTime!.getTime() - stage.StartTime!.getTime();
  };
  assert.ok(starting(warm.job) < starting(cold.job), `warm ${starting(warm.job)} ms < cold ${starting(cold.job)} ms`);
  assert.equal(await new WarmPoolReuse(client).warmStart(warm.job), `the warm pool of ${first}`);
  assert.equal(await new WarmPoolReuse(client).warmStart(cold.job), undefined, 'the first job started cold');

  await client.send(new CreateTrainingJobCommand(withPool(other, 2)));
  const unmatched = await untilEnded(other);
  assert.equal(await new WarmPoolReuse(client).warmStart(unmatched.job), undefined, 'another volume size: no match');
  const reused = await client.send(
    new ListTrainingJobsCommand({ WarmPoolStatusEquals: 'Reused', NameContains: nonce }),
  );
  assert.deepEqual(
    reused.TrainingJobSummaries?.map((s) => [s.TrainingJobName, s.WarmPoolStatus?.ReusedByJob]),
    [[first, second]],
  );
});

test('ListTrainingJobs filters by name and status, sorts and pages', async () => {
  const names = ['list-b', 'list-a', 'list-c'].map((what) => `it-${nonce}-${what}`);
  for (const name of names) {
    await client.send(new CreateTrainingJobCommand(request(name)));
    await client.send(new StopTrainingJobCommand({ TrainingJobName: name }));
  }
  for (const name of names) await untilEnded(name);
  const listed: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new ListTrainingJobsCommand({
        NameContains: `${nonce}-LIST`,
        StatusEquals: 'Stopped',
        SortBy: 'Name',
        SortOrder: 'Ascending',
        MaxResults: 2,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    assert.ok(page.TrainingJobSummaries!.length <= 2);
    listed.push(...page.TrainingJobSummaries!.map((s) => s.TrainingJobName!));
    NextToken = page.NextToken;
  } while (NextToken);
  assert.deepEqual(listed, [...names].sort());

  const newest = await client.send(new ListTrainingJobsCommand({ NameContains: `${nonce}-list`, MaxResults: 1 }));
  assert.equal(newest.TrainingJobSummaries?.[0]?.TrainingJobName, names.at(-1), 'newest first by default');
  assert.ok(newest.TrainingJobSummaries?.[0]?.CreationTime instanceof Date);
  const none = await client.send(new ListTrainingJobsCommand({ NameContains: nonce, StatusEquals: 'InProgress' }));
  assert.deepEqual(
    none.TrainingJobSummaries?.map((s) => s.TrainingJobName),
    [],
    'every job of this file has ended',
  );
});
