// Builds the bundles into a temporary folder with the real build script and exercises them:
// the CLI bundle's commands, and the lazy-loading contract (the Docker client lives in its own
// vendor bundle that the main bundles reach only on first use).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { JobServiceClient as VertexJobServiceClient } from '@google-cloud/aiplatform/build/src/v1/job_service_client.js';
import { startFakeSageMaker } from '../fakes/fakeSageMaker';
import { startFakeVertex } from '../fakes/gcp/fakeVertex';
import { makeServiceAccount } from '../fakes/googleServiceAccounts';
import { startFakeAzure } from '../fakes/azure/fakeAzure';
import { makeTestCertificate } from '../fakes/selfSignedCert';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
let out: string;

before(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'stepops-build-'));
  // The production build, as the package ships it (minified: names that code relies on must survive).
  await run(process.execPath, ['scripts/build.mjs', '--production', `--outdir=${out}`], { cwd: root });
});
after(() => rm(out, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // STEPOPS_HOME keeps the developer's own stacks file out of the tests.
    const env = { ...process.env, STEPOPS_HOME: path.join(out, 'home') };
    const { stdout, stderr } = await run(process.execPath, [path.join(out, 'cli.js'), ...args], { cwd: root, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('stepops --version prints the package version', async () => {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(await cli('--version'), { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
});

test('stepops --help lists the commands; no arguments is a usage error', async () => {
  const help = await cli('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: stepops <command>/);
  assert.match(help.stdout, /\n {2}stacks\s+List stacks, or: use NAME/);
  assert.match(help.stdout, /\n {2}components\s+List components/);
  assert.match(help.stdout, /\n {2}doctor\s+/);
  assert.equal((await cli()).code, 2);
});

test('an unknown command or option says what to do', async () => {
  const unknown = await cli('lauch');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "lauch". Run "stepops --help"/);
  const badOption = await cli('stacks', '--colour');
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /stepops stacks list: unknown option "--colour"\nRun "stepops stacks list --help"/);
});

test('stepops stacks --json prints the default stack', async () => {
  const result = await cli('stacks', '--json');
  assert.equal(result.code, 0);
  const stacks = JSON.parse(result.stdout) as { name: string; orchestrator: { flavor: string } }[];
  assert.equal(stacks[0]?.name, 'default');
  assert.equal(stacks[0]?.orchestrator.flavor, 'embedded');
});

test('heavy SDKs are separate bundles, loaded by the CLI on first use', async () => {
  // The build's metafile lists what went into each bundle.
  const meta = JSON.parse(await readFile(path.join(out, 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  }[];
  const heavy =
    /node_modules\/(dockerode|docker-modem|web-tree-sitter|@aws-sdk|@smithy|@google-cloud|google-gax|google-auth-library|@azure\/(identity|msal-node|arm-machinelearning|core-rest-pipeline|storage-blob)|yaml)\//;
  for (const bundle of ['extension.js', 'cli.js']) {
    const [, output] = meta.flatMap((m) => Object.entries(m.outputs)).find(([file]) => file.endsWith(`/${bundle}`))!;
    const included = Object.keys(output.inputs).filter((input) => heavy.test(input));
    assert.deepEqual(included, [], `${bundle} must reach heavy SDKs through their vendor bundles`);
  }
  const cliBundle = await readFile(path.join(out, 'cli.js'), 'utf8');
  // Every vendor bundle the build made is reached from the CLI (the extension reaches the same set).
  const vendors = (await readdir(path.join(out, 'vendor'))).filter((f) => f.endsWith('.js'));
  assert.ok(vendors.length >= 10, vendors.join(', '));
  for (const vendor of vendors) {
    assert.ok(cliBundle.includes(`require("./vendor/${vendor}")`), `cli.js never loads vendor/${vendor}`);
  }
  assert.ok((await stat(path.join(out, 'vendor', 'dockerode.js'))).size > 100_000);
  // doctor loads the vendor bundle whether or not an engine runs here; a broken lazy path would
  // crash with "Cannot find module" instead of printing a verdict.
  const doctor = await cli('doctor');
  assert.match(doctor.stdout, /^Docker engine: /);
  assert.equal(doctor.stderr, '');
});

test('stepops steps finds the example project steps with the bundled parser', async () => {
  const table = await cli('steps', 'examples');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^LOCATION\s+STEP\s+OPERATOR\s+PARAMETERS\n/);
  assert.match(table.stdout, /examples\/churn\/steps\/trainer\.py:16\s+train_model\s+sagemaker\s+rows, epochs=300/);
  assert.match(
    table.stdout,
    /pipeline churn_pipeline \(examples\/churn\/pipeline\.py:12\): load_customers -> train_model -> evaluate_model -> report/,
  );

  const json = await cli('steps', 'examples/churn/steps/trainer.py', '--json');
  const parsed = JSON.parse(json.stdout) as { steps: { name: string; operator: unknown }[] };
  assert.deepEqual(
    parsed.steps.map((s) => [s.name, s.operator]),
    [['train_model', { kind: 'named', name: 'sagemaker', legacy: false }]],
  );

  const missing = await cli('steps', 'no/such/dir');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no\/such\/dir: no such file or folder/);
});

test('stepops components and stacks share the stacks file with the extension', async () => {
  const home = await mkdtemp(path.join(tmpdir(), 'stepops-cli-home-'));
  const work = await mkdtemp(path.join(tmpdir(), 'stepops-cli-work-'));
  const run = async (...args: string[]) => {
    try {
      const result = await promisify(execFile)(process.execPath, [path.join(out, 'cli.js'), ...args], {
        cwd: work,
        env: { ...process.env, STEPOPS_HOME: home },
      });
      return { code: 0, ...result };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  try {
    const registered = await run(
      'components',
      'register',
      'step_operator',
      'sagemaker',
      'sm',
      '--set',
      'role=arn:aws:iam::123456789012:role/R',
      '--set',
      'region=eu-west-1',
      '--set',
      'instance_type=ml.g5.xlarge',
    );
    assert.equal(registered.code, 0, registered.stderr);
    const missing = await run('components', 'register', 'step_operator', 'sagemaker', 'bad', '--set', 'role=nope');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /role: a role ARN looks like .*; region: Region is required/);
    const secret = await run(
      'components',
      'register',
      'container_registry',
      'default',
      'reg',
      '--set',
      'uri=r.example.com',
      '--set',
      'password=x',
    );
    assert.match(secret.stderr, /password is a secret: set \$STEPOPS_SECRET_REG_PASSWORD/);

    assert.equal((await run('stacks', 'register', 'gpu', '--step-operator', 'sm')).code, 0);
    assert.equal((await run('stacks', 'use', 'gpu')).code, 0);
    assert.match(await readFile(path.join(work, '.stepops', 'config.yaml'), 'utf8'), /active_stack: gpu/);
    const list = await run('stacks');
    assert.match(
      list.stdout,
      /^gpu {2}\(active\)\n(.*\n)* {2}Step operator {8}sm {15}sagemaker {2}ml\.g5\.xlarge · eu-west-1\n/m,
    );
    assert.match(await readFile(path.join(home, 'stacks.yaml'), 'utf8'), /sm:\n\s+flavor: sagemaker/);

    const exported = await run('stacks', 'export', 'gpu');
    assert.match(exported.stdout, /stack_name: gpu\ncomponents:\n/);
    const file = path.join(work, 'zenml.yaml');
    await writeFile(file, exported.stdout.replace('stack_name: gpu', 'stack_name: again'));
    const imported = await run('stacks', 'import', file, '--name', 'again');
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /kept the registered step_operator "sm"/);
    assert.match((await run('stacks')).stdout, /^again$/m);
    assert.equal((await run('stacks', 'use', 'nope')).code, 1);
  } finally {
    await rm(home, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }
});

test('the cloud SDKs work from their vendor bundles: connection tests from the bundled CLI', async () => {
  const home = await mkdtemp(path.join(tmpdir(), 'stepops-cli-cloud-'));
  const sageMaker = await startFakeSageMaker('eu-west-1', [
    { accessKeyId: 'AKIDSTEPOPSBUNDLE', secretAccessKey: 'bundle-secret', allowed: ['sagemaker:ListTrainingJobs'] },
  ]);
  const account = makeServiceAccount('bundle', 'stepops-bundle-test');
  const vertex = await startFakeVertex(
    'us-central1',
    [{ id: 'stepops-bundle-test', apiEnabled: true, grants: { [account.email]: ['aiplatform.customJobs.list'] } }],
    [account],
  );
  const tenant = '11111111-1111-4111-8111-111111111111';
  const subscription = '33333333-3333-4333-8333-333333333333';
  const app = { clientId: 'aaaaaaaa-0000-4000-8000-000000000001', secret: 'bundle-app-secret' };
  const certificate = await makeTestCertificate(home);
  const azure = await startFakeAzure(
    certificate,
    [{ id: tenant, apps: [app] }],
    [
      {
        id: subscription,
        tenantId: tenant,
        resourceGroups: [{ name: 'rg', location: 'northeurope', workspaces: ['bundle-ws'] }],
        roleAssignments: [{ clientId: app.clientId, scope: `/subscriptions/${subscription}`, actions: ['*'] }],
      },
    ],
  );
  const env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: certificate.caFile,
    STEPOPS_SECRET_AML_SERVICE_PRINCIPAL_SECRET: app.secret,
    STEPOPS_HOME: home,
    HOME: home,
    AWS_ENDPOINT_URL_SAGEMAKER: sageMaker.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDSTEPOPSBUNDLE',
    AWS_SECRET_ACCESS_KEY: 'bundle-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    METADATA_SERVER_DETECTION: 'none',
  };
  const bundled = async (...args: string[]) => {
    try {
      return { code: 0, ...(await run(process.execPath, [path.join(out, 'cli.js'), ...args], { cwd: home, env })) };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  try {
    const keyFile = path.join(home, 'key.json');
    await writeFile(keyFile, JSON.stringify(account.keyFile));
    const register = (flavor: string, name: string, ...sets: string[]) =>
      bundled('components', 'register', 'step_operator', flavor, name, ...sets.flatMap((s) => ['--set', s]));
    assert.equal(
      (await register('sagemaker', 'sm', 'role=arn:aws:iam::123456789012:role/R', 'region=eu-west-1')).code,
      0,
    );
    assert.equal(
      (
        await register(
          'vertex',
          'vx',
          'project=stepops-bundle-test',
          'region=us-central1',
          `api_endpoint=${vertex.endpoint}`,
          `service_account_path=${keyFile}`,
        )
      ).code,
      0,
    );
    const sm = await bundled('components', 'test', 'step_operator', 'sm');
    // stderr may carry the AWS SDK's own notice about Node versions, nothing else.
    assert.doesNotMatch(sm.stderr.replace(/.*NodeVersionSupportWarning[^]*?--trace-warnings.*\n/, ''), /\S/);
    assert.deepEqual(
      [sm.code, sm.stdout],
      [0, 'ok: SageMaker answers in eu-west-1 and the credentials may list training jobs.\n'],
    );
    const vx = await bundled('components', 'test', 'step_operator', 'vx');
    assert.equal(vx.stderr, '');
    assert.equal(
      vx.stdout,
      'ok: Vertex AI answers in us-central1 and the credentials may list custom jobs of stepops-bundle-test.\n',
    );
    assert.equal(vertex.requests.length, 1);

    const registered = await register(
      'azureml',
      'aml',
      `subscription_id=${subscription}`,
      'resource_group=rg',
      'workspace_name=bundle-ws',
      `tenant_id=${tenant}`,
      `service_principal_id=${app.clientId}`,
      `resource_manager_endpoint=${azure.resourceManager}`,
      `authority_host=${azure.authorityHost}`,
    );
    assert.equal(registered.code, 0, registered.stderr);
    const aml = await bundled('components', 'test', 'step_operator', 'aml');
    assert.deepEqual(aml, {
      code: 0,
      stdout: 'ok: Azure ML workspace bundle-ws (northeurope) answers and the credentials may read it.\n',
      stderr: '',
    });
  } finally {
    await azure.close();
    await sageMaker.close();
    await vertex.close();
    await rm(home, { recursive: true, force: true });
  }
});

test("the bundled Vertex client writes a CustomJob's int64 fields (the bundle keeps the Long class's name)", async () => {
  // Google's proto3 JSON serializer recognises int64 values by their class's name; a bundle that
  // renames the class (esbuild does when names collide, or when minifying) makes every
  // createCustomJob fail with "toProto3JSON: don't know how to convert value 1".
  const { JobServiceClient } = (await import(path.join(out, 'vendor', 'vertex-jobs.js'))) as {
    JobServiceClient: typeof VertexJobServiceClient;
  };
  const { OAuth2Client } = await import('google-auth-library');
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name: 'projects/p/locations/europe-west4/customJobs/1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'test-token', expiry_date: Date.now() + 3_600_000 });
  const port = (server.address() as { port: number }).port;
  const client = new JobServiceClient({ fallback: true, protocol: 'http', apiEndpoint: '127.0.0.1', port, authClient });
  try {
    const pool = { replicaCount: 1, machineSpec: { machineType: 'n1-standard-4' }, containerSpec: { imageUri: 'i' } };
    const [job] = await client.createCustomJob({
      parent: 'projects/p/locations/europe-west4',
      customJob: { displayName: 'bundle', jobSpec: { workerPoolSpecs: [pool] } },
    });
    assert.equal(job.name, 'projects/p/locations/europe-west4/customJobs/1');
    assert.match(bodies[0] ?? '', /"replicaCount":"1"/);
  } finally {
    await client.close();
    server.close();
  }
});
