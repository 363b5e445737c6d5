// The Azure ML emulator through the real @azure/arm-machinelearning client and @azure/identity
// (over TLS, signed in at the Entra ID fake), with real Azurite and a real image on the local
// engine: what Azure ML refuses is refused; a job reads its input from Azurite, writes an output
// that lands there, and goes through Azure ML's statuses; a failing job's run details carry its
// traceback; jobs.beginCancel ends a job Canceled and limits.timeout does too; a two-node job has
// a log file per process; and a log file read from the last byte offset with Range requests
// grows while the job runs and adds up to the whole, through injected throttling.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AzureMachineLearningWorkspaces, type JobBase } from '@azure/arm-machinelearning';
import { ClientSecretCredential } from '@azure/identity';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { connectDocker } from '../../src/core/images/dockerClient';
import { buildImage } from '../../src/core/images/imageBuilder';
import { pushImage } from '../../src/core/images/imagePusher';
import { type FakeAzure, startFakeAzure } from '../fakes/azure/fakeAzure';
import { type FakeAzureMl, startFakeAzureMl } from '../fakes/azure/fakeAzureMl';
import { makeTestCertificate } from '../fakes/selfSignedCert';
import { type JsonAnswer, sendJson } from './armRequests';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
// Test-only identities of the fakes; they exist nowhere else.
const TENANT = '51111111-1111-4111-8111-111111111111';
const SUBSCRIPTION = '53333333-3333-4333-8333-333333333333';
const RUNNER = { clientId: 'bbbbbbbb-0000-4000-8000-000000000001', secret: 'azureml-emulator-runner' };
const READER = { clientId: 'bbbbbbbb-0000-4000-8000-000000000002', secret: 'azureml-emulator-reader' };
const GROUP = 'ml-rg';
const WORKSPACE = 'churn-ws';
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}`;
const DATA_CONTAINER = 'stepops-it-azureml';
const ACR_HOST = 'stepopsit.azurecr.io';
const nonce = randomUUID().slice(0, 8);
const REPOSITORY = `stepops-it/azureml-train`;
const image = `${env.registry}/${REPOSITORY}:${nonce}`;

// Behaves as the BEHAVIOUR environment variable says: ok, fail, wait (for SIGTERM) or slow (prints over time).
const TRAIN_PY = String.raw`
import os, sys, time
behaviour = os.environ.get("BEHAVIOUR", "ok")
rank = os.environ.get("RANK", "-")
print(f"run {os.environ['AZUREML_RUN_ID']} rank {rank} of {os.environ.get('WORLD_SIZE', '1')}", flush=True)
if behaviour == "ok":
    data, out = sys.argv[1], sys.argv[2]
    numbers = [int(line) for name in sorted(os.listdir(data)) for line in open(os.path.join(data, name)) if line.strip()]
    print(f"read {len(numbers)} numbers; input at {data}", flush=True)
    print("a warning on stderr", file=sys.stderr, flush=True)
    with open(os.path.join(out, f"sum-{rank}.txt"), "w") as f:
        f.write(f"sum={sum(numbers)} scale={os.environ.get('SCALE')}")
    print("done", flush=True)
elif behaviour == "fail":
    print("about to fail", flush=True)
    try:
        raise ValueError("bad input")
    except ValueError:
        import traceback
        traceback.print_exc()
    sys.exit(3)
elif behaviour == "wait":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: (print("got SIGTERM", flush=True), sys.exit(0)))
    print("waiting", flush=True)
    while True:
        time.sleep(0.1)
elif behaviour == "slow":
    for i in range(12):
        print(f"line {i:02d} " + "x" * 40, flush=True)
        if i == 5:
            print("", flush=True)
        time.sleep(0.25)
`;

let folder: string;
let azure: FakeAzure;
let ml: FakeAzureMl;
let client: AzureMachineLearningWorkspaces;
let readerClient: AzureMachineLearningWorkspaces;
let blobs: BlobServiceClient;
let ca: string;

function clientFor(app: { clientId: string; secret: string }, apiVersion?: string): AzureMachineLearningWorkspaces {
  const tlsOptions = { ca };
  const credential = new ClientSecretCredential(TENANT, app.clientId, app.secret, {
    authorityHost: azure.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions,
  });
  return new AzureMachineLearningWorkspaces(credential, SUBSCRIPTION, {
    endpoint: azure.resourceManager,
    credentialScopes: [`${azure.resourceManager}/.default`],
    tlsOptions,
    retryOptions: { maxRetries: 3, retryDelayInMs: 200 },
    ...(apiVersion ? { apiVersion } : {}),
  });
}

before(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'stepops-azureml-it-'));
  const docker = await connectDocker();
  const context = path.join(folder, 'context');
  await mkdir(context);
  await writeFile(path.join(context, 'Dockerfile'), `FROM ${env.pythonImage}\nCOPY train.py /opt/program/train.py\n`);
  await writeFile(path.join(context, 'train.py'), TRAIN_PY);
  await buildImage(docker, { context: { dir: context }, tag: image });
  await pushImage(docker, { reference: image });

  const certificate = await makeTestCertificate(folder);
  ca = await readFile(certificate.caFile, 'utf8');
  azure = await startFakeAzure(
    certificate,
    [{ id: TENANT, apps: [RUNNER, READER] }],
    [
      {
        id: SUBSCRIPTION,
        tenantId: TENANT,
        resourceGroups: [{ name: GROUP, location: 'westeurope', workspaces: [WORKSPACE] }],
        roleAssignments: [
          {
            clientId: RUNNER.clientId,
            scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}`,
            actions: ['*'],
          },
          {
            clientId: READER.clientId,
            scope: WORKSPACE_ID,
            actions: ['Microsoft.MachineLearningServices/workspaces/jobs/read'],
          },
        ],
      },
    ],
  );
  ml = await startFakeAzureMl(azure, {
    certificate,
    storage: env.azurite,
    registries: [{ host: env.registry }, { host: ACR_HOST, pullFrom: env.registry }],
    computes: [
      { name: 'cpu-cluster', kind: 'AmlCompute', vmSize: 'Standard_DS3_v2', maxNodeCount: 2 },
      { name: 'lowpri', kind: 'AmlCompute', vmSize: 'Standard_DS3_v2', vmPriority: 'LowPriority', maxNodeCount: 2 },
      { name: 'stopped-instance', kind: 'ComputeInstance', vmSize: 'Standard_DS3_v2', state: 'Stopped' },
    ],
    networkMode: 'none',
  });
  client = clientFor(RUNNER);
  readerClient = clientFor(READER);
  blobs = new BlobServiceClient(
    env.azurite.blobEndpoint,
    new StorageSharedKeyCredential(env.azurite.account, env.azurite.key),
  );
  const data = blobs.getContainerClient(DATA_CONTAINER);
  await data.createIfNotExists();
  await data.getBlockBlobClient(`${nonce}/train/a.txt`).upload('1\n2\n3\n', 6);
  await data.getBlockBlobClient(`${nonce}/train/b.txt`).upload('10\n', 3);
  await client.environmentVersions.createOrUpdate(GROUP, WORKSPACE, 'trainer', nonce, {
    properties: { image: `${ACR_HOST}/${REPOSITORY}:${nonce}` },
  });
});

after(async () => {
  await ml?.close();
  await azure?.close();
  await rm(folder, { recursive: true, force: true });
});

const computeId = (name: string) => `${WORKSPACE_ID}/computes/${name}`;
const environmentId = () => `${WORKSPACE_ID}/environments/trainer/versions/${nonce}`;
const dataUri = (blobPath: string) => `${env.azurite.blobEndpoint}/${DATA_CONTAINER}/${blobPath}`;

type Json = Record<string, unknown>;

function commandJob(behaviour: string, extra: Json = {}): Json {
  return {
    properties: {
      jobType: 'Command',
      command: 'python3 /opt/program/train.py ${{inputs.training}} ${{outputs.model}}',
      environmentId: environmentId(),
      computeId: computeId('cpu-cluster'),
      experimentName: 'churn',
      displayName: `train (${behaviour})`,
      tags: { 'stepops.run': nonce },
      environmentVariables: { BEHAVIOUR: behaviour, SCALE: '2' },
      inputs: { training: { jobInputType: 'uri_folder', uri: dataUri(`${nonce}/train`), mode: 'ReadOnlyMount' } },
      outputs: { model: { jobOutputType: 'uri_folder', uri: dataUri(`${nonce}/out/${behaviour}`), mode: 'Upload' } },
      ...extra,
    },
  };
}

/** A PUT as the client's pipeline sends it (auth, TLS, retries): the SDK's own serializer drops inputs' uri. */
async function putJob(name: string, body: Json): Promise<JsonAnswer> {
  const url = `${azure.resourceManager}${WORKSPACE_ID}/jobs/${encodeURIComponent(name)}?api-version=2022-10-01`;
  return send('PUT', url, body);
}

const send = (method: 'GET' | 'PUT' | 'POST', url: string, body?: Json) => sendJson(client, method, url, body);

async function runDetails(name: string): Promise<Json> {
  const discovery = await send('GET', `${ml.apiUrl}/discovery`);
  const api = discovery.body.api as string;
  const url = `${api}/history/v1.0/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}/runs/${name}/details`;
  const answer = await send('GET', url);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

/** Polls jobs.get until the job ends; answers every status seen, in order, and the last resource. */
async function watch(name: string, timeoutMs = 120_000): Promise<{ statuses: string[]; job: JobBase }> {
  const statuses: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.jobs.get(GROUP, WORKSPACE, name);
    const status = job.properties.status!;
    if (statuses.at(-1) !== status) statuses.push(status);
    if (['Completed', 'Failed', 'Canceled'].includes(status)) return { statuses, job };
    assert.ok(Date.now() < deadline, `job ${name} still ${status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitFor(name: string, status: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await client.jobs.get(GROUP, WORKSPACE, name)).properties.status !== status) {
    assert.ok(Date.now() < deadline, `job ${name} never reached ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function logText(url: string): Promise<string> {
  const answer = await fetch(url);
  assert.equal(answer.status, 200);
  return answer.text();
}

async function rejected(call: Promise<unknown>): Promise<{ statusCode: number; code: string; message: string }> {
  const error = (await call.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  )) as { statusCode: number; code: string; message: string };
  return error;
}

test('what Azure ML refuses is refused, in Resource Manager error shapes', async () => {
  const missing = commandJob('ok');
  delete (missing.properties as Json).command;
  const noCommand = await putJob(`missing-${nonce}`, missing);
  assert.equal(noCommand.status, 400);
  const error = noCommand.body.error as { code: string; details: { target: string }[] };
  assert.equal(error.code, 'UserError');
  assert.deepEqual(
    error.details.map((d) => d.target),
    ['properties.command'],
  );

  // The SDK's own createOrUpdate loses an input's uri on the wire (see test/fakes/README.md): refused, as uri is required.
  const sdk = await rejected(
    client.jobs.createOrUpdate(GROUP, WORKSPACE, `sdk-${nonce}`, commandJob('ok') as unknown as JobBase),
  );
  assert.equal(sdk.statusCode, 400);
  assert.match(sdk.message, /properties\.inputs\.training\.uri' is required/);

  const badName = await putJob(`bad name ${nonce}`, commandJob('ok'));
  assert.equal(badName.status, 400);
  assert.match(JSON.stringify(badName.body), /job name 'bad name .*' is not valid/);

  const oldVersion = await rejected(clientFor(RUNNER, '2019-01-01').jobs.get(GROUP, WORKSPACE, 'any'));
  assert.equal(oldVersion.statusCode, 400);
  assert.equal(oldVersion.code, 'NoRegisteredProviderFound');

  const unknownCompute = await putJob(`compute-${nonce}`, commandJob('ok', { computeId: computeId('nope') }));
  assert.equal(unknownCompute.status, 400);
  assert.match(JSON.stringify(unknownCompute.body), /compute 'nope' does not exist/);
  const stopped = await putJob(`stopped-${nonce}`, commandJob('ok', { computeId: computeId('stopped-instance') }));
  assert.match(JSON.stringify(stopped.body), /compute instance 'stopped-instance' is Stopped/);
  const tooMany = await putJob(`many-${nonce}`, commandJob('ok', { resources: { instanceCount: 3 } }));
  assert.match(JSON.stringify(tooMany.body), /3 nodes asked for, but the cluster 'cpu-cluster' has at most 2/);
  const binding = commandJob('ok', { command: 'python3 x.py ${{inputs.nope}}' });
  assert.match(
    JSON.stringify((await putJob(`bind-${nonce}`, binding)).body),
    /binding \$\{\{inputs\.nope\}\} names no declared input/,
  );

  const readOnly = await rejected(
    readerClient.environmentVersions.createOrUpdate(GROUP, WORKSPACE, 'trainer', `r-${nonce}`, {
      properties: { image },
    }),
  );
  assert.equal(readOnly.statusCode, 403);
  assert.equal(readOnly.code, 'AuthorizationFailed');

  const changedImage = await rejected(
    client.environmentVersions.createOrUpdate(GROUP, WORKSPACE, 'trainer', nonce, {
      properties: { image: `${image}-other` },
    }),
  );
  assert.match(changedImage.message, /cannot change/);
  assert.equal(ml.jobs.all().length, 0, 'no refused job was created');
});

test('a job reads its input from Azurite, goes through the statuses, and its output lands in Azurite', async () => {
  const name = `ok-${nonce}`;
  const created = await putJob(name, commandJob('ok'));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await putJob(name, commandJob('ok'))).status, 200, 'the same body again is the same job');
  const changed = await putJob(name, commandJob('ok', { command: 'python3 other.py' }));
  assert.equal(changed.status, 400);
  assert.match(JSON.stringify(changed.body), /only its tags, description, displayName, isArchived can change/);

  const { statuses, job } = await watch(name);
  assert.deepEqual(statuses.slice(-6), ['Starting', 'Preparing', 'Queued', 'Running', 'Finalizing', 'Completed']);
  const studio = job.properties.services?.Studio?.endpoint ?? '';
  assert.match(
    studio,
    new RegExp(
      `^https://ml\\.azure\\.com/runs/${name}\\?wsid=/subscriptions/${SUBSCRIPTION}/resourcegroups/${GROUP}/workspaces/${WORKSPACE}&tid=${TENANT}$`,
    ),
  );

  const output = blobs.getContainerClient(DATA_CONTAINER).getBlobClient(`${nonce}/out/ok/sum--.txt`);
  assert.equal((await output.downloadToBuffer()).toString('utf8'), 'sum=16 scale=2');
  const details = await runDetails(name);
  assert.equal(details.status, 'Completed');
  const files = details.logFiles as Record<string, string>;
  assert.deepEqual(Object.keys(files), ['user_logs/std_log.txt']);
  const log = await logText(files['user_logs/std_log.txt']!);
  assert.match(log, new RegExp(`^run ${name} rank - of 1\\n`));
  assert.match(
    log,
    /read 4 numbers; input at \/mnt\/azureml\/cr\/j\/[0-9a-f]+\/cap\/data-capability\/wd\/INPUT_training\n/,
  );
  assert.match(log, /a warning on stderr\n/);
  assert.match(log, /done\n$/);

  const listed = [];
  for await (const j of readerClient.jobs.list(GROUP, WORKSPACE, { tag: 'stepops.run' })) listed.push(j.name);
  assert.ok(listed.includes(name), 'a reader lists the job by its tag');
});

test('a failing job ends Failed, its run details quoting the traceback', async () => {
  const name = `fail-${nonce}`;
  assert.equal((await putJob(name, commandJob('fail'))).status, 201);
  const { statuses } = await watch(name);
  assert.equal(statuses.at(-1), 'Failed');
  const details = await runDetails(name);
  const error = (details.error as { error: { code: string; message: string } }).error;
  assert.equal(error.code, 'UserError');
  assert.match(
    error.message,
    /^Execution failed\. User process 'python3' exited with status code 3\. Please check log file 'user_logs\/std_log\.txt' for error details\. Error: Traceback \(most recent call last\):\n/,
  );
  assert.match(error.message, /ValueError: bad input$/);
  const missing = await blobs.getContainerClient(DATA_CONTAINER).getBlobClient(`${nonce}/out/fail/sum--.txt`).exists();
  assert.equal(missing, false, 'a failed job uploads no outputs');
});

test('jobs.beginCancelAndWait ends a running job Canceled; limits.timeout cancels one too', async () => {
  const name = `cancel-${nonce}`;
  assert.equal((await putJob(name, commandJob('wait'))).status, 201);
  await waitFor(name, 'Running');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await client.jobs.beginCancelAndWait(GROUP, WORKSPACE, name, { updateIntervalInMs: 200 });
  const job = ml.jobs.get(WORKSPACE_ID, name)!;
  assert.equal(job.status, 'Canceled', 'the operation succeeds once the job is Canceled');
  assert.deepEqual(job.history.slice(-3), ['Running', 'CancelRequested', 'Canceled']);
  const files = (await runDetails(name)).logFiles as Record<string, string>;
  assert.match(await logText(files['user_logs/std_log.txt']!), /waiting\ngot SIGTERM\n/);
  const again = await rejected(client.jobs.beginCancelAndWait(GROUP, WORKSPACE, name));
  assert.equal(again.statusCode, 400);

  const timed = `timeout-${nonce}`;
  assert.equal(
    (await putJob(timed, commandJob('wait', { limits: { jobLimitsType: 'Command', timeout: 'PT2S' } }))).status,
    201,
  );
  const { statuses } = await watch(timed);
  assert.deepEqual(statuses.slice(-3), ['Running', 'CancelRequested', 'Canceled']);
  const error = ((await runDetails(timed)).error as { error: { message: string } }).error;
  assert.match(error.message, /longer than its limits\.timeout of PT2S/);
});

test('a two-node PyTorch job runs a container per node, each with its rank and its own log file', async () => {
  const name = `dist-${nonce}`;
  const body = commandJob('ok', {
    computeId: computeId('lowpri'),
    resources: { instanceCount: 2 },
    distribution: { distributionType: 'PyTorch', processCountPerInstance: 1 },
  });
  assert.equal((await putJob(name, body)).status, 201);
  const { statuses } = await watch(name);
  assert.equal(statuses.at(-1), 'Completed');
  const files = (await runDetails(name)).logFiles as Record<string, string>;
  assert.deepEqual(Object.keys(files).sort(), ['user_logs/std_log_process_0.txt', 'user_logs/std_log_process_1.txt']);
  assert.match(await logText(files['user_logs/std_log_process_0.txt']!), new RegExp(`^run ${name} rank 0 of 2\\n`));
  assert.match(await logText(files['user_logs/std_log_process_1.txt']!), new RegExp(`^run ${name} rank 1 of 2\\n`));
  const container = blobs.getContainerClient(DATA_CONTAINER);
  for (const rank of [0, 1]) {
    assert.equal(
      (await container.getBlobClient(`${nonce}/out/ok/sum-${rank}.txt`).downloadToBuffer()).toString(),
      'sum=16 scale=2',
    );
  }
});

test('a log file read with Range from the last byte offset grows while the job runs and adds up to the whole', async () => {
  const name = `slow-${nonce}`;
  assert.equal((await putJob(name, commandJob('slow'))).status, 201);
  await waitFor(name, 'Running');
  const rule = { service: 'azureml-storage', operation: 'GetBlob', kind: 'throttle', rate: 0.34 };
  const injected = await fetch(`${ml.storageUrl}/__faults`, { method: 'POST', body: JSON.stringify(rule) });
  assert.equal(injected.status, 201);
  let offset = 0;
  let text = '';
  const growth: number[] = [];
  let throttled = 0;
  let ended = false;
  const deadline = Date.now() + 60_000;
  while (!ended) {
    assert.ok(Date.now() < deadline, `still reading after a minute: ${offset} bytes so far`);
    const details = await runDetails(name);
    ended = ['Completed', 'Failed', 'Canceled'].includes(details.status as string);
    const url = (details.logFiles as Record<string, string>)['user_logs/std_log.txt'];
    if (url) {
      const answer = await fetch(url, { headers: { range: `bytes=${offset}-` } });
      if (answer.status === 503) throttled++;
      else if (answer.status === 206) {
        assert.match(answer.headers.get('content-range') ?? '', new RegExp(`^bytes ${offset}-\\d+/\\d+$`));
        const chunk = Buffer.from(await answer.arrayBuffer());
        text += chunk.toString('utf8');
        offset += chunk.length;
        growth.push(offset);
      } else assert.equal(answer.status, 416, `a read from the end says nothing new (got ${answer.status})`);
      if (ended && answer.status !== 416) ended = false; // drain until nothing is left
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await fetch(`${ml.storageUrl}/__faults`, { method: 'DELETE' });
  assert.ok(throttled > 0, 'some reads were throttled');
  assert.ok(growth.length >= 3, `the file grew while the job ran (${growth.join(', ')})`);
  const whole = await logText(((await runDetails(name)).logFiles as Record<string, string>)['user_logs/std_log.txt']!);
  assert.equal(text, whole);
  const expected = [`run ${name} rank - of 1`];
  for (let i = 0; i < 12; i++)
    expected.push(`line ${String(i).padStart(2, '0')} ${'x'.repeat(40)}`, ...(i === 5 ? [''] : []));
  assert.equal(text, `${expected.join('\n')}\n`);
  // Run history and Resource Manager throttle too, in their shapes: the client's pipeline rides it out.
  const details = { service: 'azureml', operation: 'Runs_GetDetails', kind: 'throttle', count: 2 };
  assert.equal((await send('POST', `${ml.apiUrl}/__faults`, details)).status, 201);
  const jobsGet = { service: 'resource-manager', operation: 'Jobs_Get', kind: 'throttle', count: 1 };
  assert.equal((await send('POST', `${azure.resourceManager}/__faults`, jobsGet)).status, 201);
  assert.equal((await client.jobs.get(GROUP, WORKSPACE, name)).name, name);
  assert.deepEqual(
    (await send('GET', `${azure.resourceManager}/__faults`)).body.faults,
    [],
    'jobs.get was throttled once',
  );
  await runDetails(name);
  assert.deepEqual(
    ml.servers.api.faults.list().map((f) => f.injected),
    [],
    'both throttled run-details reads were answered 429 and retried',
  );
});
