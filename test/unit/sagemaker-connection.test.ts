// "Test connection" for a SageMaker step operator through the real AWS SDK, pointed at the strict
// local fake by the SDK's own endpoint setting (AWS_ENDPOINT_URL_SAGEMAKER), as a user would
// point it at any endpoint.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { testConnection } from '../../src/core/stacks/connectionTest';
import { type FakeSageMaker, startFakeSageMaker } from '../fakes/fakeSageMaker';

// Test-only identities of the fake; they exist nowhere else.
const READER = {
  accessKeyId: 'AKIDSTEPOPSREADER',
  secretAccessKey: 'reader-secret',
  allowed: ['sagemaker:ListTrainingJobs'],
};
const NOBODY = { accessKeyId: 'AKIDSTEPOPSNOBODY', secretAccessKey: 'nobody-secret', allowed: [] };
let fake: FakeSageMaker;
const saved = { ...process.env };

before(async () => {
  fake = await startFakeSageMaker('eu-west-1', [READER, NOBODY]);
});
after(async () => {
  await fake.close();
  process.env = saved;
});
beforeEach(() => {
  process.env = { ...saved, AWS_ENDPOINT_URL_SAGEMAKER: fake.endpoint, AWS_EC2_METADATA_DISABLED: 'true' };
  delete process.env.AWS_PROFILE;
});

const operator = (region = 'eu-west-1') => ({
  name: 'sm',
  type: 'step_operator' as const,
  flavor: 'sagemaker',
  config: { role: 'arn:aws:iam::123456789012:role/R', region },
});
const useKey = (key: { accessKeyId: string; secretAccessKey: string }) => {
  process.env.AWS_ACCESS_KEY_ID = key.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = key.secretAccessKey;
};
const noSecret = async () => undefined;

test('lists one training job with valid credentials', async () => {
  useKey(READER);
  const result = await testConnection(operator(), noSecret);
  assert.deepEqual(result, {
    ok: true,
    message: 'SageMaker answers in eu-west-1 and the credentials may list training jobs.',
  });
  assert.deepEqual(fake.requests.at(-1), { target: 'SageMaker.ListTrainingJobs', body: { MaxResults: 1 } });
});

test('says precisely what is wrong: unknown key, wrong secret, wrong region, no permission, no credentials', async () => {
  useKey({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' });
  assert.match((await testConnection(operator(), noSecret)).message, /^AWS does not recognise the access key/);
  useKey({ ...READER, secretAccessKey: 'wrong' });
  assert.match(
    (await testConnection(operator(), noSecret)).message,
    /^AWS rejected the request signature .*does not match/,
  );
  useKey(READER);
  assert.match(
    (await testConnection(operator('us-east-1'), noSecret)).message,
    /^AWS rejected the request signature .*scoped to a valid region/,
  );
  useKey(NOBODY);
  const denied = await testConnection(operator(), noSecret);
  assert.equal(denied.ok, false);
  assert.match(denied.message, /^Permission denied: the identity may not call sagemaker:ListTrainingJobs in eu-west-1/);
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
  process.env.AWS_CONFIG_FILE = '/nonexistent/config';
  assert.match((await testConnection(operator(), noSecret)).message, /^No AWS credentials found/);
});

test('a profile the operator names is used, and a missing one is explained with its fix', async () => {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const folder = await mkdtemp(path.join(tmpdir(), 'stepops-aws-profile-'));
  try {
    await writeFile(
      path.join(folder, 'credentials'),
      `[ml-dev]\naws_access_key_id = ${READER.accessKeyId}\naws_secret_access_key = ${READER.secretAccessKey}\n`,
    );
    await writeFile(path.join(folder, 'config'), '[profile ml-dev]\nregion = eu-west-1\n');
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: path.join(folder, 'credentials'),
      AWS_CONFIG_FILE: path.join(folder, 'config'),
    });
    const withProfile = (profile: string) => ({ ...operator(), config: { ...operator().config, profile } });
    const ok = await testConnection(withProfile('ml-dev'), async () => undefined);
    assert.equal(ok.ok, true, ok.message);
    const missing = await testConnection(withProfile('nope'), async () => undefined);
    assert.equal(missing.ok, false);
    assert.match(
      missing.message,
      /No AWS credentials for profile "nope" \(region eu-west-1\): run "aws sso login --profile nope"/,
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
