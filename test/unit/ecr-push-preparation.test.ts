// What an ECR push needs first, through the real ECR client against the strict ECR fake: the
// step image's repository looked up and created when missing (with the permission named when the
// identity may not), and a login reused until shortly before it expires.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { cachedEcrLogin } from '../../src/core/clouds/aws/ecr/ecrLogin';
import { ensureEcrRepository } from '../../src/core/clouds/aws/ecr/ecrRepository';
import { canPushTo } from '../../src/core/clouds';
import { type FakeEcr, startFakeEcr } from '../fakes/fakeEcr';

// Test-only identities of the fake; they exist nowhere else.
const PUSHER = {
  accessKeyId: 'AKIDSTEPOPSECRPREP01',
  secretAccessKey: 'ecr-prep-pusher',
  allowed: ['ecr:GetAuthorizationToken', 'ecr:DescribeRepositories', 'ecr:CreateRepository'],
};
const LOOKER = {
  accessKeyId: 'AKIDSTEPOPSECRPREP02',
  secretAccessKey: 'ecr-prep-looker',
  allowed: ['ecr:DescribeRepositories'],
};
const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
let ecr: FakeEcr;
const saved = { ...process.env };

before(async () => {
  ecr = await startFakeEcr('eu-west-1', [PUSHER, LOOKER], {
    proxyEndpoint: `https://${REGISTRY}`,
    username: 'AWS',
    password: 'ecr-prep-token',
  });
});
after(async () => {
  await ecr.close();
  process.env = saved;
});
beforeEach(() => {
  process.env = { ...saved, AWS_ENDPOINT_URL_ECR: ecr.endpoint, AWS_EC2_METADATA_DISABLED: 'true' };
  delete process.env.AWS_PROFILE;
});
const useKey = (key: { accessKeyId: string; secretAccessKey: string }) =>
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey });

test('the repository is created when missing, found afterwards, under the registry URI’s path', async () => {
  useKey(PUSHER);
  assert.equal(await ensureEcrRepository(`${REGISTRY}/team`, 'churn'), 'created');
  assert.equal(await ensureEcrRepository(`${REGISTRY}/team`, 'churn'), 'found');
  assert.ok(ecr.repositories().some((r) => r.name === 'team/churn' && r.uri === `${REGISTRY}/team/churn`));
  assert.ok(canPushTo('aws'), 'runs may push to ECR');
  assert.ok(!canPushTo('quay'), 'but not to a registry flavor no backend declares pushes for');
});

test('an identity that may not create it is told the permission and the command', async () => {
  useKey(LOOKER);
  await assert.rejects(
    ensureEcrRepository(REGISTRY, 'forbidden'),
    /The ECR repository forbidden does not exist, and the identity may not create it \(it needs ecr:CreateRepository in eu-west-1\): create it with "aws ecr create-repository --repository-name forbidden --region eu-west-1"/,
  );
  await assert.rejects(ensureEcrRepository('registry.example.com', 'x'), /is not an ECR registry/);
});

test('a login is reused until shortly before it expires', async () => {
  useKey(PUSHER);
  const tokens = () => ecr.requests.filter((r) => r.target.endsWith('GetAuthorizationToken')).length;
  const before = tokens();
  const first = await cachedEcrLogin(REGISTRY);
  assert.equal(first.credentials.username, 'AWS');
  await cachedEcrLogin(REGISTRY);
  assert.equal(tokens(), before + 1, 'the second push reuses the login');
  const later = () => first.expiresAt!.getTime() - 60_000; // within the last five minutes
  await cachedEcrLogin(REGISTRY, 10_000, later);
  assert.equal(tokens(), before + 2, 'a login about to expire is made again');
});

test('a login that cannot be made says why, as the connection test does', async () => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' });
  await assert.rejects(
    cachedEcrLogin('999999999999.dkr.ecr.eu-west-1.amazonaws.com'),
    /^Error: No login for the ECR registry 999999999999\.dkr\.ecr\.eu-west-1\.amazonaws\.com: No AWS credentials found: configure them/,
  );
});
