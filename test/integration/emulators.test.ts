// `npm run --silent emulators` as a user runs it: a process of its own with its own STEPOPS_HOME,
// whose printed exports a shell evaluates; then the stepops CLI, in that environment, tests every
// component of the emulated stacks through the real SDKs. A second start leaves the stacks as the
// user left them, a component the user defined differently is never replaced, and SIGTERM stops
// the emulators and frees their ports while the services they found running keep running.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { ClientSecretCredential } from '@azure/identity';
import { artifactStoreFor } from '../../src/core/clouds';
import { trainingJobName } from '../../src/core/clouds/aws/sagemaker/trainingJobName';
import { commandJobName } from '../../src/core/clouds/azure/azureml/azuremlNames';
import { runIdFilter } from '../../src/core/clouds/gcp/vertex/customJobRequest';
import { connectDocker } from '../../src/core/images/dockerClient';
import { pushImage } from '../../src/core/images/imagePusher';
import { AWS, AZURE, ECR_HOST, GCP } from '../fakes/emulators/emulatedClouds';
import { freePorts, portIsFree, untilReady } from '../fakes/emulators/emulatorProcess';
import { EMULATOR_SERVICES } from '../fakes/emulators/ports';
import { sendJson } from './armRequests';
import { runCli, startCli } from './cliProcess';
import { integrationEnvironment } from './environment';

const root = path.resolve(__dirname, '../..');
const { registry } = integrationEnvironment();
let folder: string;
let basePort: number;

interface Emulators {
  readonly child: ChildProcessWithoutNullStreams;
  /** What it printed up to and including `ready`. */
  readonly stdout: string[];
  stderr: string;
  readonly exportsFile: string;
}

before(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'stepops-emulators-'));
  basePort = await freePorts(EMULATOR_SERVICES.length);
});
after(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function startEmulators(home: string, env: NodeJS.ProcessEnv = {}): Promise<Emulators> {
  const exportsFile = path.join(home, 'emulators.env');
  const child = spawn('npm', ['run', '--silent', 'emulators', '--', '--exports-file', exportsFile], {
    cwd: root,
    env: { ...process.env, STEPOPS_HOME: home, STEPOPS_EMULATOR_PORT: String(basePort), ...env },
  });
  const emulators: Emulators = { child, stdout: [], stderr: '', exportsFile };
  child.stderr.on('data', (chunk: Buffer) => (emulators.stderr += chunk.toString('utf8')));
  await untilReady(
    child,
    () => emulators.stderr,
    (line) => emulators.stdout.push(line),
  );
  return emulators;
}

async function stopEmulators(emulators: Emulators): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => emulators.child.once('exit', (code) => resolve(code)));
  emulators.child.kill('SIGTERM');
  return exited;
}

/** The environment a shell has after evaluating the printed lines (everything before `ready`). */
async function evaluatedEnvironment(emulators: Emulators): Promise<NodeJS.ProcessEnv> {
  const printed = path.join(path.dirname(emulators.exportsFile), 'printed.sh');
  await writeFile(printed, `${emulators.stdout.slice(0, emulators.stdout.indexOf('ready')).join('\n')}\n`);
  const { stdout } = await promisify(execFile)('bash', ['-c', 'eval "$(cat "$1")" && env -0', 'bash', printed]);
  return Object.fromEntries(
    stdout
      .split('\0')
      .filter((entry) => entry.includes('='))
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

/** The CloudWatch Logs client, configured by the exports alone, reaches the CloudWatch Logs emulator. */
async function assertLogsEmulatorFound(env: NodeJS.ProcessEnv): Promise<void> {
  const saved = process.env;
  process.env = { ...env };
  try {
    const error = await new CloudWatchLogsClient({})
      .send(new DescribeLogStreamsCommand({ logGroupName: '/aws/sagemaker/TrainingJobs' }))
      .then(
        () => assert.fail('no log group exists yet'),
        (e: unknown) => e as Error,
      );
    assert.equal(error.name, 'ResourceNotFoundException', error.message);
  } finally {
    process.env = saved;
  }
}

/**
 * A training job through the SageMaker client configured by the exports alone runs on the local
 * engine: its image named by the emulated ECR host (served by the local registry), its line in
 * the CloudWatch Logs emulator, its model in the S3 emulator.
 */
async function assertSageMakerRunsJobs(env: NodeJS.ProcessEnv): Promise<void> {
  const tag = `check-${Date.now().toString(36)}`;
  const docker = await connectDocker();
  await docker
    .getImage(integrationEnvironment().busyboxImage)
    .tag({ repo: `${registry}/stepops-it/emulated-training`, tag });
  await pushImage(docker, { reference: `${registry}/stepops-it/emulated-training:${tag}` });
  const saved = process.env;
  process.env = { ...env };
  const [sagemaker, logs, s3] = [new SageMakerClient({}), new CloudWatchLogsClient({}), new S3Client({})];
  try {
    const name = `emulator-${tag}`;
    await sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: name,
        RoleArn: `arn:aws:iam::${AWS.account}:role/${AWS.roleName}`,
        AlgorithmSpecification: {
          TrainingImage: `${ECR_HOST}/stepops-it/emulated-training:${tag}`,
          TrainingInputMode: 'File',
          ContainerEntrypoint: ['sh', '-c', 'echo trained on $(hostname); echo 42 > /opt/ml/model/answer.txt'],
        },
        OutputDataConfig: { S3OutputPath: `s3://${AWS.bucket}/emulator-check`, CompressionType: 'NONE' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
        StoppingCondition: { MaxRuntimeInSeconds: 300 },
      }),
    );
    const deadline = Date.now() + 60_000;
    let job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    while (job.TrainingJobStatus === 'InProgress' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    }
    assert.equal(job.TrainingJobStatus, 'Completed', job.FailureReason);
    const model = await s3.send(
      new GetObjectCommand({ Bucket: AWS.bucket, Key: `emulator-check/${name}/output/model/answer.txt` }),
    );
    assert.equal(await model.Body!.transformToString(), '42\n');
    const group = '/aws/sagemaker/TrainingJobs';
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: name }));
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: streams.logStreams![0]!.logStreamName!,
        startFromHead: true,
      }),
    );
    assert.deepEqual(
      events.events?.map((e) => e.message),
      ['trained on algo-1'],
    );
  } finally {
    process.env = saved;
    for (const client of [sagemaker, logs, s3]) client.destroy();
    await docker
      .getImage(`${registry}/stepops-it/emulated-training:${tag}`)
      .remove()
      .catch(() => undefined);
  }
}

/**
 * A custom job through the Vertex client, with the emulated service account's key and the
 * addresses the exports name, runs on the local engine: its image named by the emulated Artifact
 * Registry host (served by the local registry), its file in the Cloud Storage emulator (read by
 * the Storage client configured by the exports alone), its line in the Cloud Logging emulator.
 */
async function assertVertexRunsJobs(env: NodeJS.ProcessEnv, stateDir: string): Promise<void> {
  const tag = `check-${Date.now().toString(36)}`;
  const repository = `${GCP.project}/stepops-it/emulated-vertex`;
  const docker = await connectDocker();
  await docker.getImage(integrationEnvironment().busyboxImage).tag({ repo: `${registry}/${repository}`, tag });
  await pushImage(docker, { reference: `${registry}/${repository}:${tag}` });
  const keyFilename = path.join(stateDir, 'gcp-service-account.json');
  const address = (name: string) => new URL(env[`STEPOPS_EMULATOR_${name}_URL`]!);
  const { JobServiceClient } = await import('@google-cloud/aiplatform/build/src/v1/job_service_client.js');
  const { LoggingServiceV2Client } = await import('@google-cloud/logging/build/src/v2/logging_service_v2_client.js');
  const rest = (url: URL) => ({
    fallback: true,
    protocol: 'http',
    apiEndpoint: url.hostname,
    port: Number(url.port),
    keyFilename,
  });
  const vertex = new JobServiceClient(rest(address('VERTEX')));
  const logging = new LoggingServiceV2Client(rest(address('LOGGING')));
  const saved = process.env;
  try {
    const [created] = await vertex.createCustomJob({
      parent: `projects/${GCP.project}/locations/${GCP.region}`,
      customJob: {
        displayName: `emulator-${tag}`,
        jobSpec: {
          workerPoolSpecs: [
            {
              machineSpec: { machineType: 'n1-standard-4' },
              replicaCount: 1,
              containerSpec: {
                imageUri: `${GCP.registryHost}/${repository}:${tag}`,
                command: [
                  'sh',
                  '-c',
                  `echo trained as $(hostname); mkdir -p /gcs/${GCP.bucket}/${tag}; echo 42 > /gcs/${GCP.bucket}/${tag}/answer.txt`,
                ],
              },
            },
          ],
        },
      },
    });
    const deadline = Date.now() + 60_000;
    let [job] = await vertex.getCustomJob({ name: created.name! });
    while (!['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED'].includes(String(job.state)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      [job] = await vertex.getCustomJob({ name: created.name! });
    }
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED', job.error?.message ?? undefined);
    process.env = { ...env };
    // stepops' own Cloud Storage store, configured by the exports alone, reads what the job wrote to /gcs.
    const store = await artifactStoreFor(
      { flavor: 'gcp', config: { path: `gs://${GCP.bucket}` } },
      async () => undefined,
    );
    const answer = await store.get(`${tag}/answer.txt`);
    assert.equal(Buffer.from(answer ?? []).toString(), '42\n');
    const filter = `resource.type="ml_job" AND resource.labels.job_id="${created.name!.split('/').at(-1)}"`;
    let lines: string[] = [];
    while (lines.length === 0 && Date.now() < deadline) {
      const [entries] = await logging.listLogEntries(
        { resourceNames: [`projects/${GCP.project}`], filter },
        { autoPaginate: false },
      );
      lines = entries.map((e) => e.textPayload ?? '');
      if (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.match(lines.join('\n'), /^trained as cmle-training-workerpool0-[0-9a-f]{10}-0$/);
  } finally {
    process.env = saved;
    await vertex.close();
    await logging.close();
    await docker
      .getImage(`${registry}/${repository}:${tag}`)
      .remove()
      .catch(() => undefined);
  }
}

/**
 * The Azure ML client a user of the emulators would make: signed in with the exported service
 * principal at the exported Entra ID, trusting the exported CA, on the azure-emulated operator's workspace.
 */
async function emulatedAzureMl(env: NodeJS.ProcessEnv, stacksFile: string) {
  const config = (
    parse(await readFile(stacksFile, 'utf8')) as {
      components: { step_operator: Record<string, { config: Record<string, string> }> };
    }
  ).components.step_operator.azureml!.config;
  const tlsOptions = { ca: await readFile(env.NODE_EXTRA_CA_CERTS!, 'utf8') };
  const arm = env.STEPOPS_EMULATOR_RESOURCE_MANAGER_URL!;
  const credential = new ClientSecretCredential(env.AZURE_TENANT_ID!, env.AZURE_CLIENT_ID!, env.AZURE_CLIENT_SECRET!, {
    authorityHost: env.AZURE_AUTHORITY_HOST!,
    disableInstanceDiscovery: true,
    tlsOptions,
  });
  const client = new AzureMachineLearningWorkspaces(credential, config.subscription_id!, {
    endpoint: arm,
    credentialScopes: [`${arm}/.default`],
    tlsOptions,
  });
  return { client, config, arm, group: config.resource_group!, workspace: config.workspace_name! };
}

/**
 * A command job through the Azure ML client, signed in with the exported service principal at the
 * exported Entra ID (trusting the exported CA), in the azure-emulated stack's workspace and
 * cluster, runs on the local engine: its image named by the emulated ACR host (served by the local
 * registry), its output in Azurite (read by stepops' own Blob store with the exported connection
 * string), its line in the log file run history lists.
 */
async function assertAzureMlRunsJobs(env: NodeJS.ProcessEnv, stacksFile: string): Promise<void> {
  const tag = `check-${Date.now().toString(36)}`;
  const repository = 'stepops-it/emulated-azureml';
  const docker = await connectDocker();
  await docker.getImage(integrationEnvironment().busyboxImage).tag({ repo: `${registry}/${repository}`, tag });
  await pushImage(docker, { reference: `${registry}/${repository}:${tag}` });
  const { client, config, arm, group, workspace } = await emulatedAzureMl(env, stacksFile);
  const saved = process.env;
  const send = (method: 'GET' | 'PUT', url: string, body?: object) => sendJson(client, method, url, body);
  try {
    const environment = await client.environmentVersions.createOrUpdate(group!, workspace!, 'emulated-check', tag, {
      properties: { image: `${AZURE.registryHost}/${repository}:${tag}` },
    });
    const workspaceId = environment.id!.slice(0, environment.id!.indexOf('/environments/'));
    const output = `${env.STEPOPS_SECRET_AZURE_EMULATED_BLOB_CONNECTION_STRING!.match(/BlobEndpoint=([^;]+)/)![1]}/${AZURE.container}/${tag}`;
    const put = await send('PUT', `${arm}${workspaceId}/jobs/emulated-${tag}?api-version=2022-10-01`, {
      properties: {
        jobType: 'Command',
        command: 'echo trained on $(hostname) && echo 42 > ${{outputs.result}}/answer.txt',
        environmentId: environment.id,
        computeId: `${workspaceId}/computes/${config.compute_name}`,
        outputs: { result: { jobOutputType: 'uri_folder', uri: output, mode: 'Upload' } },
      },
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const deadline = Date.now() + 60_000;
    let status = '';
    while (!['Completed', 'Failed', 'Canceled'].includes(status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await client.jobs.get(group!, workspace!, `emulated-${tag}`)).properties.status ?? '';
    }
    assert.equal(status, 'Completed');
    process.env = { ...env };
    const store = await artifactStoreFor(
      { flavor: 'azure', config: { path: `az://${AZURE.container}` } },
      async (field) =>
        field === 'connection_string' ? env.STEPOPS_SECRET_AZURE_EMULATED_BLOB_CONNECTION_STRING : undefined,
    );
    assert.equal(Buffer.from((await store.get(`${tag}/answer.txt`)) ?? []).toString(), '42\n');
    const ws = await client.workspaces.get(group!, workspace!);
    const api = (await send('GET', ws.discoveryUrl!)).body.api as string;
    const details = await send('GET', `${api}/history/v1.0${workspaceId}/runs/emulated-${tag}/details`);
    const logUrl = (details.body.logFiles as Record<string, string>)['user_logs/std_log.txt']!;
    assert.match(await (await fetch(logUrl)).text(), /^trained on cpu-cluster-[0-9a-f]{12}-0\n$/);
  } finally {
    process.env = saved;
    await docker
      .getImage(`${registry}/${repository}:${tag}`)
      .remove()
      .catch(() => undefined);
  }
}

const EMULATED = ['aws-emulated', 'gcp-emulated', 'azure-emulated'];
const USER_FILE = `# My stacks. The emulators keep this comment and my stack.
version: 1
components:
  artifact_store:
    my-store:
      flavor: local
      config:
        path: /tmp/my-artifacts # where my runs go
stacks:
  mine:
    artifact_store: my-store
    step_operators: []
`;

test('starts, prints the exports and ready, and every emulated component passes its connection test', async () => {
  const home = path.join(folder, 'home');
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true });
  await writeFile(path.join(home, 'stacks.yaml'), USER_FILE);
  const emulators = await startEmulators(home);
  let stopped = false;
  try {
    const printed = emulators.stdout.slice(0, emulators.stdout.indexOf('ready'));
    for (const line of printed) {
      assert.match(line, /^(# .*|export [A-Z0-9_]+='[^']*' {2}# .*)$/, `not a comment or an export: ${line}`);
      assert.match(line, /emulator/i, `a printed line that does not say it is about the emulators: ${line}`);
    }
    const exported = printed.filter((line) => line.startsWith('export '));
    for (const name of [
      'AWS_ENDPOINT_URL_SAGEMAKER',
      'AWS_ENDPOINT_URL_ECR',
      'AWS_ENDPOINT_URL_S3',
      'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_REGION',
      'STORAGE_EMULATOR_HOST',
      'STEPOPS_EMULATOR_VERTEX_URL',
      'STEPOPS_EMULATOR_LOGGING_URL',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'NODE_EXTRA_CA_CERTS',
      'AZURE_TENANT_ID',
      'AZURE_CLIENT_ID',
      'AZURE_CLIENT_SECRET',
      'STEPOPS_SECRET_AZUREML_SERVICE_PRINCIPAL_SECRET',
    ]) {
      assert.ok(
        exported.some((line) => line.startsWith(`export ${name}=`)),
        `${name} is not exported`,
      );
    }
    const fileLines = (await readFile(emulators.exportsFile, 'utf8')).trimEnd().split('\n');
    assert.deepEqual(
      fileLines.filter((l) => l.startsWith('export ')),
      exported,
      'the exports file holds the printed exports',
    );

    const text = await readFile(path.join(home, 'stacks.yaml'), 'utf8');
    assert.ok(text.startsWith('# My stacks. The emulators keep this comment and my stack.'), text);
    assert.match(text, /path: \/tmp\/my-artifacts # where my runs go/);
    const stacks = (parse(text) as { stacks: Record<string, { description?: string }> }).stacks;
    assert.deepEqual(Object.keys(stacks), ['mine', ...EMULATED]);
    for (const name of EMULATED)
      assert.match(stacks[name]!.description ?? '', /^Local emulators .* not the real cloud/);

    const env = await evaluatedEnvironment(emulators);
    const cli = (...args: string[]) => runCli({ cwd: home, env }, ...args);
    await assertLogsEmulatorFound(env);
    await assertSageMakerRunsJobs(env);
    await assertVertexRunsJobs(env, path.join(home, 'emulators'));
    await assertAzureMlRunsJobs(env, path.join(home, 'stacks.yaml'));
    const listed = await cli('stacks', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const components = (JSON.parse(listed.stdout) as { name: string; [key: string]: unknown }[])
      .filter((s) => EMULATED.includes(s.name))
      .flatMap((s) => [s.orchestrator, s.artifactStore, s.containerRegistry, ...(s.stepOperators as object[])])
      .map((c) => c as { type: string; name: string; flavor: string });
    assert.deepEqual([...new Set(components.map((c) => c.flavor))].sort(), [
      'azure',
      'azureml',
      'default',
      'embedded',
      'gcp',
      'local_docker',
      's3',
      'sagemaker',
      'vertex',
    ]);
    for (const component of components) {
      const result = await cli('components', 'test', component.type, component.name);
      assert.equal(result.code, 0, `${component.type} ${component.name}: ${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /^ok: /);
    }
    // An ECR registry of the emulated account: ECR's login (the real SDK, the ECR emulator) is for the local registry.
    const ecrHost = '000000000000.dkr.ecr.us-east-1.amazonaws.com';
    assert.equal(
      (await cli('components', 'register', 'container_registry', 'aws', 'ecr', '--set', `uri=${ecrHost}`)).code,
      0,
    );
    const ecr = await cli('components', 'test', 'container_registry', 'ecr');
    assert.equal(ecr.stdout, `ok: ECR issued a login for ${ecrHost} and the registry accepts it.\n`, ecr.stderr);

    stopped = true;
    assert.equal(await stopEmulators(emulators), 0, emulators.stderr);
    assert.match(emulators.stderr, /stopping the local emulators/);
    for (let i = 0; i < EMULATOR_SERVICES.length; i++) {
      assert.ok(await portIsFree(basePort + i), `port ${basePort + i} is still taken after SIGTERM`);
    }
    const registryAnswer = await fetch(`http://${registry}/v2/`);
    assert.equal(registryAnswer.status, 200, 'the registry the emulators found running keeps running');
  } finally {
    if (!stopped) await stopEmulators(emulators);
  }
});

test('a second start keeps the existing stacks as the user left them', async () => {
  const home = path.join(folder, 'home');
  const file = path.join(home, 'stacks.yaml');
  const original = await readFile(file, 'utf8');
  // The user notes something and takes local-docker out of one stack.
  const edited = original
    .replace(/(\n {2}aws-emulated:\n)/, '\n  # my note on the emulated AWS stack$1')
    .replace('      - sagemaker\n      - local-docker\n', '      - sagemaker\n');
  assert.equal(
    edited.length,
    original.length + '  # my note on the emulated AWS stack\n'.length - '      - local-docker\n'.length,
  );
  await writeFile(file, edited);
  const emulators = await startEmulators(home);
  try {
    assert.equal(await readFile(file, 'utf8'), edited, 'the stacks file was rewritten');
    assert.match(emulators.stderr, /kept the stacks aws-emulated, gcp-emulated, azure-emulated/);
  } finally {
    assert.equal(await stopEmulators(emulators), 0, emulators.stderr);
  }
});

test('a component the user defined differently is left alone, and so is the stack that would use it', async () => {
  const home = path.join(folder, 'other-home');
  await mkdir(home, { recursive: true });
  const mine = `version: 1
components:
  step_operator:
    vertex:
      flavor: vertex
      config:
        project: my-real-project
        region: europe-west4
`;
  await writeFile(path.join(home, 'stacks.yaml'), mine);
  const emulators = await startEmulators(home);
  try {
    assert.match(emulators.stderr, /did not add the stack gcp-emulated: .* defines step_operator "vertex" differently/);
    const text = await readFile(path.join(home, 'stacks.yaml'), 'utf8');
    const parsed = parse(text) as {
      components: { step_operator: Record<string, { config: object }> };
      stacks: Record<string, unknown>;
    };
    assert.deepEqual(parsed.components.step_operator.vertex!.config, {
      project: 'my-real-project',
      region: 'europe-west4',
    });
    assert.deepEqual(Object.keys(parsed.stacks), ['aws-emulated', 'azure-emulated']);
  } finally {
    assert.equal(await stopEmulators(emulators), 0, emulators.stderr);
  }
});

test('services it started itself (on ports nothing used) are stopped with it', async () => {
  const home = path.join(folder, 'services-home');
  let first = await freePorts(3);
  while (first + 3 > basePort && first < basePort + EMULATOR_SERVICES.length) first = await freePorts(3);
  const ports = { registry: first, authRegistry: first + 1, azurite: first + 2 };
  const emulators = await startEmulators(home, {
    STEPOPS_STATE_DIR: path.join(home, 'services'),
    STEPOPS_REGISTRY_PORT: String(ports.registry),
    STEPOPS_AUTH_REGISTRY_PORT: String(ports.authRegistry),
    STEPOPS_AZURITE_PORT: String(ports.azurite),
  });
  let code: number | null;
  try {
    const { registry: r, authRegistry: a, azurite: z } = ports;
    const started = `started registry on 127.0.0.1:${r}, auth registry on 127.0.0.1:${a}, Azurite on 127.0.0.1:${z}`;
    assert.ok(emulators.stderr.includes(`${started} (stopped on exit)`), emulators.stderr);
    assert.ok(
      emulators.stdout.includes(
        `export AWS_ENDPOINT_URL_ECR='http://127.0.0.1:${basePort + 1}'  # local ECR emulator, not AWS; its logins are for the local registry 127.0.0.1:${ports.registry}`,
      ),
    );
  } finally {
    code = await stopEmulators(emulators);
  }
  assert.equal(code, 0, emulators.stderr);
  for (const port of Object.values(ports)) assert.ok(await portIsFree(port), `port ${port} is still taken`);
  assert.equal((await fetch(`http://${registry}/v2/`)).status, 200, 'the shared registry keeps running');
});

/** The example project in a fresh folder, and the emulators started on a fresh STEPOPS_HOME. */
async function withEmulatedExample(
  name: string,
  body: (example: {
    readonly project: string;
    readonly env: NodeJS.ProcessEnv;
    readonly cli: (...args: string[]) => ReturnType<typeof runCli>;
    readonly base: readonly string[];
  }) => Promise<void>,
): Promise<void> {
  const home = path.join(folder, `${name}-home`);
  const project = path.join(folder, `${name}-project`);
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true });
  await cp(path.join(root, 'examples'), project, { recursive: true });
  const emulators = await startEmulators(home);
  try {
    const env = { ...(await evaluatedEnvironment(emulators)), STEPOPS_HOME: home };
    const cli = (...args: string[]) => runCli({ cwd: project, env }, ...args);
    await body({ project, env, cli, base: ['--base-image', integrationEnvironment().pythonImage] });
  } finally {
    await stopEmulators(emulators);
  }
}

test('the example pipeline runs on aws-emulated: the trainer on the emulated SageMaker, all of it staged through the emulated S3', async () => {
  await withEmulatedExample('aws-pipeline', async ({ env, cli, base }) => {
    const run = await cli(
      'run',
      'churn/pipeline.py:churn_pipeline',
      '--stack',
      'aws-emulated',
      '--local-fallback',
      ...base,
    );
    assert.equal(run.code, 0, run.stderr);
    const records = JSON.parse((await cli('runs', '--json')).stdout) as {
      id: string;
      state: string;
      step: { name: string };
      operator: { flavor: string };
      job: { outputs?: string };
      artifacts: { runUri: string; store: { flavor: string } };
    }[];
    assert.deepEqual(records.map((r) => r.step.name).sort(), [
      'evaluate_model',
      'load_customers',
      'report',
      'train_model',
    ]);
    for (const record of records) {
      assert.equal(record.state, 'succeeded');
      assert.equal(record.artifacts.store.flavor, 's3');
      assert.match(record.artifacts.runUri, new RegExp(`^s3://[a-z0-9.-]+/.*${record.id}$`));
    }
    // The trainer asks for the stack's "sagemaker" operator, which now runs; the others run locally.
    assert.deepEqual(Object.fromEntries(records.map((r) => [r.step.name, r.operator.flavor])), {
      load_customers: 'local_docker',
      train_model: 'sagemaker',
      evaluate_model: 'local_docker',
      // It names "vertex", which gcp-emulated has and aws-emulated does not: the local fallback.
      report: 'local_docker',
    });
    // What is in the bucket, read through the real AWS SDK in the emulators' environment.
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const trained = records.find((r) => r.step.name === 'train_model')!;
      const storeRoot = trained.artifacts.runUri.slice(0, -`/${trained.id}`.length);
      const bucket = await artifactStoreFor({ flavor: 's3', config: { path: storeRoot } }, async () => undefined);
      const keys = await bucket.list(trained.id);
      assert.ok(keys.includes(`${trained.id}/job.json`), keys.join(', '));
      // SageMaker uploads /opt/ml/model under the job's name; the handle says where.
      const outputs = bucket.keyOf(trained.job.outputs!)!;
      assert.match(outputs, new RegExp(`^${trained.id}/[a-z0-9-]+/output/model$`));
      assert.ok(keys.includes(`${outputs}/output/metadata.json`), keys.join(', '));
    } finally {
      process.env = saved;
    }
  });
});

type EmulatedExample = Parameters<Parameters<typeof withEmulatedExample>[1]>[0];

/**
 * `stepops run` of the example's loader on a cloud operator, killed (kill -9) once the cloud has
 * accepted its job (`accepted` matches the stage line), then `stepops logs --follow`: the run is
 * followed to its end. Answers the run id, for counting the cloud's jobs.
 */
async function killedThenFollowed(
  { project, env, base }: EmulatedExample,
  stack: string,
  operator: string,
  accepted: RegExp,
): Promise<string> {
  const first = startCli(
    { cwd: project, env },
    ...['run', 'churn/steps/loader.py:load_customers', '--stack', stack, '--operator', operator, ...base],
  );
  let stderr = '';
  first.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 180_000;
  while (!accepted.test(stderr)) {
    assert.ok(Date.now() < deadline && first.exitCode === null, `the job was not submitted; stderr:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const runId = /stepops: run (\S+) of load_customers/.exec(stderr)?.[1];
  assert.ok(runId, stderr);
  const followed = await runCli({ cwd: project, env }, 'logs', runId, '--follow');
  assert.equal(followed.code, 0, followed.stderr);
  assert.match(followed.stdout, /loaded 20 customers/);
  const records = JSON.parse((await runCli({ cwd: project, env }, 'runs', '--json')).stdout) as {
    id: string;
    state: string;
  }[];
  assert.equal(records.find((r) => r.id === runId)?.state, 'succeeded');
  return runId;
}

/** Runs `body` with the emulators' exports in this process's environment (the SDKs read them there). */
async function inEmulatorEnvironment<T>(env: NodeJS.ProcessEnv, body: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await body();
  } finally {
    process.env = saved;
  }
}

test('a stepops run killed once SageMaker has its job is followed to the end by stepops logs, with no second job', async () => {
  await withEmulatedExample('killed', async (example) => {
    // "pending (Starting...)": SageMaker has accepted the job, which has not run yet.
    const runId = await killedThenFollowed(example, 'aws-emulated', 'sagemaker', /stepops: pending \(Starting/);
    const listed = await inEmulatorEnvironment(example.env, async () => {
      const sagemaker = new SageMakerClient({});
      try {
        return await sagemaker.send(new ListTrainingJobsCommand({ NameContains: trainingJobName(runId) }));
      } finally {
        sagemaker.destroy();
      }
    });
    assert.deepEqual(
      listed.TrainingJobSummaries?.map((s) => s.TrainingJobName),
      [trainingJobName(runId)],
      'one training job for the run',
    );
  });
});

test('a stepops run killed once Vertex AI has its job finds it again by its label, with no second job', async () => {
  await withEmulatedExample('killed-vertex', async (example) => {
    const runId = await killedThenFollowed(example, 'gcp-emulated', 'vertex', /stepops: pending \((QUEUED|PENDING)/);
    const jobs = await inEmulatorEnvironment(example.env, async () => {
      const { JobServiceClient } = await import('@google-cloud/aiplatform/build/src/v1/job_service_client.js');
      const url = new URL(example.env.STEPOPS_EMULATOR_VERTEX_URL!);
      const vertex = new JobServiceClient({
        fallback: true,
        protocol: 'http',
        apiEndpoint: url.hostname,
        port: Number(url.port),
        // The emulated service account's key, which the emulators keep beside the stacks file.
        keyFilename: path.join(example.env.STEPOPS_HOME!, 'emulators', 'gcp-service-account.json'),
      });
      try {
        const parent = `projects/${GCP.project}/locations/${GCP.region}`;
        const [listed] = await vertex.listCustomJobs({ parent, filter: runIdFilter(runId) }, { autoPaginate: false });
        return listed;
      } finally {
        await vertex.close();
      }
    });
    assert.equal(jobs.length, 1, 'one custom job for the run');
  });
});

test('a stepops run killed once Azure ML has its job finds it again by its name, with no second job', async () => {
  await withEmulatedExample('killed-azureml', async (example) => {
    const runId = await killedThenFollowed(
      example,
      'azure-emulated',
      'azureml',
      /stepops: pending \((NotStarted|Starting|Preparing|Queued)/,
    );
    const { client, group, workspace } = await emulatedAzureMl(
      example.env,
      path.join(example.env.STEPOPS_HOME!, 'stacks.yaml'),
    );
    const jobs = [];
    for await (const job of client.jobs.list(group, workspace)) jobs.push(job);
    assert.deepEqual(
      jobs.filter((j) => j.properties.tags?.['stepops:run-id'] === runId).map((j) => j.name),
      [commandJobName(runId)],
      'one command job for the run',
    );
  });
});

test('a code-only change reaches each emulated cloud without Docker and runs there as the Docker-built image did', async () => {
  await withEmulatedExample('daemonless', async ({ project, cli, base }) => {
    type Listed = { id: string; state: string; outputs?: Record<string, { size: number; preview: string }> };
    const output = async (runId: string) =>
      (JSON.parse((await cli('runs', '--json')).stdout) as Listed[]).find((r) => r.id === runId)?.outputs?.output;
    const stacks = [
      ['aws-emulated', 'sagemaker'],
      ['gcp-emulated', 'vertex'],
      ['azure-emulated', 'azureml'],
    ] as const;
    for (const [index, [stack, operator]] of stacks.entries()) {
      const run = async () => {
        const result = await cli(
          'run',
          'churn/steps/loader.py:load_customers',
          '--stack',
          stack,
          '--operator',
          operator,
          ...base,
        );
        assert.equal(result.code, 0, `${stack}: ${result.stderr}`);
        assert.match(result.stdout, /loaded 20 customers/, stack);
        return { ...result, runId: /stepops: run (\S+) of load_customers/.exec(result.stderr)![1]! };
      };
      const before = await run();
      // A comment is a code-only change: a new image (a new content hash), the same requirements.
      // Unique per test run: the shared registry keeps the images of earlier runs.
      const change = `# change ${index} for ${stack} at ${Date.now()}`;
      await appendFile(path.join(project, 'churn', 'steps', 'loader.py'), `\n${change}\n`);
      const after = await run();
      assert.match(
        after.stderr,
        /stepops: submitting \S+ \(a code-only change: its layer pushed without Docker\)/,
        `${stack}: ${after.stderr}`,
      );
      const [first, second] = [await output(before.runId), await output(after.runId)];
      assert.ok(first, `${stack}: the first run's output`);
      assert.deepEqual(second, first, `${stack}: the daemonless image gives the same step result`);
    }
  });
});

test('the example pipeline runs on gcp-emulated (report on the emulated Vertex AI), then the trainer on Vertex with an accelerator', async () => {
  await withEmulatedExample('vertex', async ({ project, cli, base }) => {
    const pipeline = await cli(
      'run',
      'churn/pipeline.py:churn_pipeline',
      '--stack',
      'gcp-emulated',
      '--local-fallback',
      ...base,
    );
    assert.equal(pipeline.code, 0, pipeline.stderr);
    assert.match(pipeline.stderr, /stepops: console https:\/\/console\.cloud\.google\.com\/vertex-ai\/locations\//);
    type Listed = {
      id: string;
      state: string;
      step: { name: string };
      operator: { flavor: string };
      outputs?: Record<string, { preview?: string }>;
      artifacts: { store: { flavor: string } };
    };
    const listed = async () => JSON.parse((await cli('runs', '--json')).stdout) as Listed[];
    const records = await listed();
    assert.deepEqual(Object.fromEntries(records.map((r) => [r.step.name, [r.state, r.operator.flavor]])), {
      load_customers: ['succeeded', 'local_docker'],
      // It names "sagemaker", which aws-emulated has and gcp-emulated does not: the local fallback.
      train_model: ['succeeded', 'local_docker'],
      evaluate_model: ['succeeded', 'local_docker'],
      report: ['succeeded', 'vertex'],
    });
    for (const record of records) assert.equal(record.artifacts.store.flavor, 'gcp');
    const reported = records.find((r) => r.step.name === 'report')!;
    assert.match(reported.outputs?.output?.preview ?? '', /^'accuracy 0\.950\\n/, 'read back from /gcs through GCS');

    // The trainer on Vertex with a GPU, as a ZenML run configuration asks for it.
    const config = path.join(project, 'vertex-gpu.yaml');
    await writeFile(
      config,
      'steps:\n  train_model:\n    parameters:\n      epochs: 20\n    settings:\n      step_operator.vertex:\n' +
        '        machine_type: n1-standard-4\n        accelerator_type: NVIDIA_TESLA_T4\n        accelerator_count: 1\n',
    );
    const trained = await cli(
      'run',
      'churn/steps/trainer.py:train_model',
      '--stack',
      'gcp-emulated',
      '--operator',
      'vertex',
      '--config',
      config,
      ...base,
    );
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stdout, /epoch {3}19 {2}loss/);
    // Vertex's states as the stages (a 20-epoch job may end between two polls of RUNNING; the
    // contract suite checks them all in order on a longer job).
    assert.match(trained.stderr, /stepops: pending \((QUEUED|PENDING)\)\n/);
    const run = (await listed()).find((r) => r.step.name === 'train_model' && r.operator.flavor === 'vertex');
    assert.equal(run?.state, 'succeeded');
  });
});
