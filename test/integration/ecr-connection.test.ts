// "Test connection" for an ECR registry: the real AWS SDK asks a strict ECR fake (reached through
// the SDK's own AWS_ENDPOINT_URL_ECR setting) for a login, and the login is tried on a real
// registry that demands it (the htpasswd registry of scripts/services.sh stands in for ECR's
// registry endpoint, which the fake names as its proxy endpoint).
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { ecrLogin } from '../../src/core/clouds/aws/ecr/ecrLogin';
import { testConnection } from '../../src/core/stacks/connectionTest';
import type { FakeAwsService } from '../fakes/awsJsonService';
import { startFakeEcr } from '../fakes/fakeEcr';
import { integrationEnvironment } from './environment';

const { authRegistry } = integrationEnvironment();
// Test-only identities of the fake; they exist nowhere else.
const PUSHER = {
  accessKeyId: 'AKIDSTEPOPSPUSHER',
  secretAccessKey: 'pusher-secret',
  allowed: ['ecr:GetAuthorizationToken'],
};
const NOBODY = { accessKeyId: 'AKIDSTEPOPSNOBODY', secretAccessKey: 'nobody-secret', allowed: [] };
const URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/steps';
let ecr: FakeAwsService;
let staleEcr: FakeAwsService;
const saved = { ...process.env };

before(async () => {
  const proxyEndpoint = `http://${authRegistry.host}`;
  ecr = await startFakeEcr('eu-west-1', [PUSHER, NOBODY], { proxyEndpoint, ...authRegistry });
  // An ECR whose tokens the registry does not accept (as a token for another account would be).
  staleEcr = await startFakeEcr('eu-west-1', [PUSHER], { proxyEndpoint, username: 'AWS', password: 'expired-token' });
});
after(async () => {
  await ecr.close();
  await staleEcr.close();
  process.env = saved;
});
beforeEach(() => {
  process.env = { ...saved, AWS_ENDPOINT_URL_ECR: ecr.endpoint, AWS_EC2_METADATA_DISABLED: 'true' };
  delete process.env.AWS_PROFILE;
  useKey(PUSHER);
});

const useKey = (key: { accessKeyId: string; secretAccessKey: string }) => {
  process.env.AWS_ACCESS_KEY_ID = key.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = key.secretAccessKey;
};
const registry = (uri = URI) => ({ name: 'ecr', type: 'container_registry' as const, flavor: 'aws', config: { uri } });
const noSecret = async () => undefined;

test('logs in with a token from ECR and the registry accepts it', async () => {
  const login = await ecrLogin(URI);
  assert.equal(login.credentials.serveraddress, '123456789012.dkr.ecr.eu-west-1.amazonaws.com');
  assert.equal(login.proxyEndpoint, `http://${authRegistry.host}`);
  assert.ok(login.expiresAt && login.expiresAt.getTime() > Date.now() + 11 * 3600_000, 'ECR tokens last 12 hours');
  assert.deepEqual(await testConnection(registry(), noSecret), {
    ok: true,
    message: 'ECR issued a login for 123456789012.dkr.ecr.eu-west-1.amazonaws.com and the registry accepts it.',
  });
  assert.deepEqual(ecr.requests.at(-1), {
    target: 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
    body: {},
  });
});

test('says whether ECR or the registry refused, and why', async () => {
  useKey(NOBODY);
  assert.match(
    (await testConnection(registry(), noSecret)).message,
    /^Permission denied: the identity may not call ecr:GetAuthorizationToken in eu-west-1/,
  );
  useKey({ ...PUSHER, secretAccessKey: 'wrong' });
  assert.match((await testConnection(registry(), noSecret)).message, /^AWS rejected the request signature/);
  useKey(PUSHER);
  assert.match(
    (await testConnection(registry('123456789012.dkr.ecr.us-east-1.amazonaws.com'), noSecret)).message,
    /^AWS rejected the request signature .*scoped to a valid region/,
  );
  process.env.AWS_ENDPOINT_URL_ECR = staleEcr.endpoint;
  const refused = await testConnection(registry(), noSecret);
  assert.equal(refused.ok, false);
  assert.match(
    refused.message,
    /^ECR issued a login, but the registry refused it: .* rejected the credentials of "AWS" \(401\)/,
  );
});
