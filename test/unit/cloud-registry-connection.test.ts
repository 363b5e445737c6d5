// "Test connection" for Artifact Registry and ACR: the logins the clouds' CLIs make, tried on
// strict fakes of the registries' login side. Artifact Registry gets a Google access token through
// the real auth library (workload identity federation at the STS fake); ACR exchanges an Entra ID
// token minted by the Entra ID fake. The registries are reached at the fakes' addresses, which
// the checks take in place of the registry host.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import type { TokenCredential } from '@azure/identity';
import { checkAcr } from '../../src/core/clouds/azure/acr/acrCheck';
import { checkArtifactRegistry } from '../../src/core/clouds/gcp/artifactRegistry/artifactRegistryCheck';
import { type FakeAzure, startFakeAzure } from '../fakes/azure/fakeAzure';
import { type FakeRegistry, startFakeAcr, startFakeArtifactRegistry } from '../fakes/fakeCloudRegistries';
import { type FakeSts, startFakeSts } from '../fakes/fakeGoogleSts';
import { makeTestCertificate } from '../fakes/selfSignedCert';

const AUDIENCE = '//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/providers/runner';
const AR_URI = 'europe-west4-docker.pkg.dev/stepops-project/steps';
const ACR_HOST = 'stepopsregistry.azurecr.io';
const TENANT = '11111111-1111-4111-8111-111111111111';
const PUSHER = 'aaaaaaaa-0000-4000-8000-000000000001';
const OUTSIDER = 'aaaaaaaa-0000-4000-8000-000000000002';
let folder: string;
let sts: FakeSts;
let artifactRegistry: FakeRegistry;
let deafRegistry: FakeRegistry;
let azure: FakeAzure;
let acr: FakeRegistry;
const credentials: Record<string, string> = {};
const saved = { ...process.env };

before(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'stepops-registries-'));
  sts = await startFakeSts([{ audience: AUDIENCE, subjects: { 'ci-token': 'ci' } }]);
  artifactRegistry = await startFakeArtifactRegistry('europe-west4-docker.pkg.dev', (t) => sts.principalOf(t));
  deafRegistry = await startFakeArtifactRegistry('europe-west4-docker.pkg.dev', () => undefined);
  for (const [name, subjectToken] of [
    ['ci', 'ci-token'],
    ['stranger', 'not-a-token'],
  ] as const) {
    await writeFile(path.join(folder, `${name}.token`), subjectToken);
    credentials[name] = path.join(folder, `${name}.json`);
    await writeFile(
      credentials[name]!,
      JSON.stringify(sts.credentialFile(AUDIENCE, path.join(folder, `${name}.token`))),
    );
  }
  azure = await startFakeAzure(await makeTestCertificate(folder), [], []);
  acr = await startFakeAcr({
    host: ACR_HOST,
    tenantId: TENANT,
    members: [PUSHER],
    claimsOf: (t) => azure.claimsOf(t),
    resourceManager: azure.resourceManager,
  });
});
after(async () => {
  for (const fake of [artifactRegistry, deafRegistry, acr, sts, azure]) await fake.close();
  await rm(folder, { recursive: true, force: true });
  process.env = saved;
});
beforeEach(() => {
  process.env = {
    ...saved,
    HOME: folder,
    METADATA_SERVER_DETECTION: 'none',
    GOOGLE_APPLICATION_CREDENTIALS: credentials.ci,
  };
});

test('Artifact Registry: a login from Google credentials, accepted by the registry', async () => {
  assert.deepEqual(await checkArtifactRegistry({ uri: AR_URI }, 5000, artifactRegistry.baseUrl), {
    ok: true,
    message: 'europe-west4-docker.pkg.dev accepts a login made from your Google credentials.',
  });
  assert.deepEqual(artifactRegistry.requests.at(-1), { method: 'GET', path: '/v2/' });
});

test('Artifact Registry: names a refused exchange, missing credentials and a refused login', async () => {
  process.env.GOOGLE_APPLICATION_CREDENTIALS = credentials.stranger;
  assert.match(
    (await checkArtifactRegistry({ uri: AR_URI }, 5000, artifactRegistry.baseUrl)).message,
    /^Google Cloud issued no token for the registry login: .*invalid_grant/,
  );
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  assert.match(
    (await checkArtifactRegistry({ uri: AR_URI }, 5000, artifactRegistry.baseUrl)).message,
    /^No Google Cloud credentials found/,
  );
  process.env.GOOGLE_APPLICATION_CREDENTIALS = credentials.ci;
  assert.match(
    (await checkArtifactRegistry({ uri: AR_URI }, 5000, deafRegistry.baseUrl)).message,
    /^Google issued a token, but the registry refused it: europe-west4-docker\.pkg\.dev rejected the credentials of "oauth2accesstoken" \(401\)/,
  );
});

const entraToken = (tenant: string, app: string): TokenCredential => ({
  getToken: async (scopes) => {
    assert.deepEqual(scopes, `${azure.resourceManager}/.default`);
    return { token: azure.issueToken(tenant, app), expiresOnTimestamp: Date.now() + 3_600_000 };
  },
});

test('ACR: an Entra ID token exchanged for a registry login, accepted by the registry', async () => {
  const result = await checkAcr({ uri: ACR_HOST }, 5000, {
    baseUrl: acr.baseUrl,
    credential: entraToken(TENANT, PUSHER),
    resourceManager: azure.resourceManager,
  });
  assert.deepEqual(result, { ok: true, message: `${ACR_HOST} accepts a login made from your Azure credentials.` });
  assert.deepEqual(
    acr.requests.map((r) => `${r.method} ${r.path}`),
    ['POST /oauth2/exchange', 'GET /v2/'],
  );
});

test('ACR: names a token from another tenant, a principal without a role, and missing credentials', async () => {
  const reach = (credential: TokenCredential) => ({
    baseUrl: acr.baseUrl,
    credential,
    resourceManager: azure.resourceManager,
  });
  assert.match(
    (await checkAcr({ uri: ACR_HOST }, 5000, reach(entraToken('22222222-2222-4222-8222-222222222222', PUSHER))))
      .message,
    /^stepopsregistry\.azurecr\.io refused to exchange the Entra ID token: The access token is from tenant 2/,
  );
  assert.match(
    (await checkAcr({ uri: ACR_HOST }, 5000, reach(entraToken(TENANT, OUTSIDER)))).message,
    /^stepopsregistry\.azurecr\.io exchanged the token, but refused the login \(the identity needs AcrPush or AcrPull/,
  );
  const none: TokenCredential = {
    getToken: async () => {
      throw Object.assign(new Error('DefaultAzureCredential failed to retrieve a token'), {
        name: 'CredentialUnavailableError',
      });
    },
  };
  assert.match((await checkAcr({ uri: ACR_HOST }, 5000, reach(none))).message, /^No Azure credentials found/);
});
