// "Test connection" for an Azure ML step operator from the CLI, as a user runs it: the official
// identity and management clients sign in to a strict fake Entra ID and read the workspace from a
// strict fake Resource Manager, both over TLS with a throwaway CA the process trusts through
// NODE_EXTRA_CA_CERTS. The service principal's secret comes from the environment, never a file.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type FakeAzure, startFakeAzure } from '../fakes/azure/fakeAzure';
import { makeTestCertificate } from '../fakes/selfSignedCert';
import { type CliResult, runCli } from './cliProcess';

// Test-only identities of the fake; they exist nowhere else.
const TENANT = '11111111-1111-4111-8111-111111111111';
const OTHER_TENANT = '22222222-2222-4222-8222-222222222222';
const SUBSCRIPTION = '33333333-3333-4333-8333-333333333333';
const FOREIGN_SUBSCRIPTION = '44444444-4444-4444-8444-444444444444';
const RUNNER = { clientId: 'aaaaaaaa-0000-4000-8000-000000000001', secret: 'runner-secret-value' };
const GUEST = { clientId: 'aaaaaaaa-0000-4000-8000-000000000002', secret: 'guest-secret-value' };
const WORKSPACE_SCOPE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/ml-rg`;

let fake: FakeAzure;
let folder: string;
let home: string;
let caFile: string;

before(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'stepops-azure-'));
  home = path.join(folder, 'home');
  const certificate = await makeTestCertificate(folder);
  caFile = certificate.caFile;
  fake = await startFakeAzure(
    certificate,
    [
      { id: TENANT, apps: [RUNNER, GUEST] },
      { id: OTHER_TENANT, apps: [] },
    ],
    [
      {
        id: SUBSCRIPTION,
        tenantId: TENANT,
        resourceGroups: [{ name: 'ml-rg', location: 'westeurope', workspaces: ['churn-ws'] }],
        roleAssignments: [
          { clientId: RUNNER.clientId, scope: `/subscriptions/${SUBSCRIPTION}`, actions: ['*'] },
          { clientId: GUEST.clientId, scope: `${WORKSPACE_SCOPE}/providers/Other`, actions: ['*'] },
        ],
      },
      { id: FOREIGN_SUBSCRIPTION, tenantId: OTHER_TENANT, resourceGroups: [], roleAssignments: [] },
    ],
  );
});
after(async () => {
  await fake.close();
  await rm(folder, { recursive: true, force: true });
});

/** The CLI in a clean environment: no Azure login, no AZURE_* variables, the fake's CA trusted. */
function stepops(secrets: Record<string, string>, ...args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AZURE_')) env[key] = value;
  return runCli(
    {
      cwd: folder,
      env: { ...env, HOME: home, STEPOPS_HOME: home, NODE_EXTRA_CA_CERTS: caFile, ...secrets },
    },
    ...args,
  );
}

async function register(name: string, settings: Record<string, string>): Promise<void> {
  const config = {
    subscription_id: SUBSCRIPTION,
    resource_group: 'ml-rg',
    workspace_name: 'churn-ws',
    tenant_id: TENANT,
    service_principal_id: RUNNER.clientId,
    resource_manager_endpoint: fake.resourceManager,
    authority_host: fake.authorityHost,
    ...settings,
  };
  const sets = Object.entries(config)
    .filter(([, value]) => value !== '')
    .flatMap(([key, value]) => ['--set', `${key}=${value}`]);
  const result = await stepops({}, 'components', 'register', 'step_operator', 'azureml', name, ...sets);
  assert.equal(result.code, 0, result.stderr);
}

async function check(name: string, secret?: string): Promise<CliResult> {
  const variable = `STEPOPS_SECRET_${name.toUpperCase().replace(/-/g, '_')}_SERVICE_PRINCIPAL_SECRET`;
  const result = await stepops(secret ? { [variable]: secret } : {}, 'components', 'test', 'step_operator', name);
  for (const value of [RUNNER.secret, GUEST.secret, 'not-the-secret']) {
    assert.ok(!result.stdout.includes(value) && !result.stderr.includes(value), 'a secret leaked into the output');
  }
  return result;
}

test('signs in with the service principal and reads the workspace', async () => {
  await register('aml', {});
  const result = await check('aml', RUNNER.secret);
  assert.deepEqual(result, {
    code: 0,
    stdout: 'ok: Azure ML workspace churn-ws (westeurope) answers and the credentials may read it.\n',
    stderr: '',
  });
  const calls = fake.requests.map((r) => `${r.service} ${r.method} ${r.path}`);
  assert.ok(calls.includes(`login POST /${TENANT}/oauth2/v2.0/token`), calls.join('\n'));
  assert.ok(
    calls.includes(
      `arm GET /subscriptions/${SUBSCRIPTION}/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/churn-ws`,
    ),
  );
});

test('says precisely what is wrong with the sign-in', async () => {
  const wrongSecret = await check('aml', 'not-the-secret');
  assert.equal(wrongSecret.code, 1);
  assert.match(
    wrongSecret.stdout,
    /^failed: Microsoft Entra ID refused the sign-in: the client secret is wrong or expired\. AADSTS7000215/,
  );

  await register('aml-tenant', { tenant_id: '99999999-9999-4999-8999-999999999999' });
  assert.match(
    (await check('aml-tenant', RUNNER.secret)).stdout,
    /^failed: Microsoft Entra ID refused the sign-in: the tenant ID is wrong/,
  );

  await register('aml-client', { service_principal_id: 'bbbbbbbb-0000-4000-8000-000000000009' });
  assert.match(
    (await check('aml-client', RUNNER.secret)).stdout,
    /^failed: Microsoft Entra ID refused the sign-in: the client ID is not an application in that tenant\. AADSTS700016/,
  );

  assert.match((await check('aml')).stdout, /^failed: The service principal's client secret is not stored/);
  await register('aml-half', { service_principal_id: '' });
  assert.match(
    (await check('aml-half', RUNNER.secret)).stdout,
    /^failed: A service principal needs both the tenant ID and the client ID/,
  );
});

test('says precisely what Resource Manager refused: permission, names, tenant', async () => {
  await register('aml-guest', { service_principal_id: GUEST.clientId });
  assert.match(
    (await check('aml-guest', GUEST.secret)).stdout,
    /^failed: Permission denied: the identity may not read workspace churn-ws \(needs Microsoft\.MachineLearningServices\/workspaces\/read, .*\)\. The client 'aaaaaaaa-0000-4000-8000-000000000002' with object id/,
  );
  await register('aml-group', { resource_group: 'no-such-rg' });
  assert.match(
    (await check('aml-group', RUNNER.secret)).stdout,
    /^failed: Resource group no-such-rg was not found in subscription/,
  );
  await register('aml-ws', { workspace_name: 'no-such-ws' });
  assert.match(
    (await check('aml-ws', RUNNER.secret)).stdout,
    /^failed: Workspace no-such-ws was not found in resource group ml-rg/,
  );
  await register('aml-sub', { subscription_id: '55555555-5555-4555-8555-555555555555' });
  assert.match(
    (await check('aml-sub', RUNNER.secret)).stdout,
    /^failed: Subscription 55555555-5555-4555-8555-555555555555 was not found/,
  );
  await register('aml-foreign', { subscription_id: FOREIGN_SUBSCRIPTION });
  assert.match(
    (await check('aml-foreign', RUNNER.secret)).stdout,
    /^failed: Azure Resource Manager rejected the token \(InvalidAuthenticationTokenTenant\): The access token is from the wrong issuer/,
  );
});

test('without a service principal it uses the Azure login, and says when there is none', async () => {
  await register('aml-login', { tenant_id: '', service_principal_id: '' });
  const result = await check('aml-login');
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^failed: No Azure credentials found: run "az login"/);
});
