// The ECR fake's repository calls through the real ECR client: a repository is found, created
// (with ECR's URI, ARN and defaults) or refused as ECR refuses it (not found, already there, a
// name off the model's pattern, no ecr:CreateRepository), listed page by page; logins still work.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  paginateDescribeRepositories,
} from '@aws-sdk/client-ecr';
import { loadServiceModel } from '../fakes/aws/serviceModel';
import { type FakeEcr, startFakeEcr } from '../fakes/fakeEcr';

// Test-only identities of the fake; they exist nowhere else.
const PUSHER = {
  accessKeyId: 'AKIDSTEPOPSECRPUSHER',
  secretAccessKey: 'pusher-secret',
  allowed: ['ecr:GetAuthorizationToken', 'ecr:DescribeRepositories', 'ecr:CreateRepository'],
};
const READER = {
  accessKeyId: 'AKIDSTEPOPSECRREADER',
  secretAccessKey: 'reader-secret',
  allowed: ['ecr:DescribeRepositories'],
};
const OTHER_ACCOUNT = { ...PUSHER, accessKeyId: 'AKIDSTEPOPSECROTHER', accountId: '210987654321' };
const REGION = 'eu-west-1';
let ecr: FakeEcr;

before(async () => {
  ecr = await startFakeEcr(REGION, [PUSHER, READER, OTHER_ACCOUNT], {
    proxyEndpoint: 'http://127.0.0.1:5556',
    username: 'AWS',
    password: 'login-token',
  });
});
after(async () => {
  await ecr.close();
});

const client = (key: { accessKeyId: string; secretAccessKey: string }) =>
  new ECRClient({ region: REGION, endpoint: ecr.endpoint, credentials: key, maxAttempts: 1 });

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  const error = (await promise.then(
    () => assert.fail('expected the call to be refused'),
    (e: unknown) => e,
  )) as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
}

test('a missing repository is RepositoryNotFoundException, then CreateRepository makes it at ECR URI and ARN', async () => {
  const pusher = client(PUSHER);
  assert.deepEqual(await refusal(pusher.send(new DescribeRepositoriesCommand({ repositoryNames: ['team/steps'] }))), {
    name: 'RepositoryNotFoundException',
    message: "The repository with name 'team/steps' does not exist in the registry with id '123456789012'",
    status: 400,
  });
  const { repository } = await pusher.send(new CreateRepositoryCommand({ repositoryName: 'team/steps' }));
  assert.equal(repository?.repositoryUri, '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/steps');
  assert.equal(repository?.repositoryArn, 'arn:aws:ecr:eu-west-1:123456789012:repository/team/steps');
  assert.equal(repository?.registryId, '123456789012');
  assert.equal(repository?.imageTagMutability, 'MUTABLE');
  assert.ok(repository?.createdAt instanceof Date && Math.abs(repository.createdAt.getTime() - Date.now()) < 60_000);
  const found = await client(READER).send(new DescribeRepositoriesCommand({ repositoryNames: ['team/steps'] }));
  assert.deepEqual(
    found.repositories?.map((r) => r.repositoryUri),
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/steps'],
  );
  assert.deepEqual(
    ecr.repositories().map((r) => r.uri),
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/steps'],
  );
  assert.deepEqual(await refusal(pusher.send(new CreateRepositoryCommand({ repositoryName: 'team/steps' }))), {
    name: 'RepositoryAlreadyExistsException',
    message: "The repository with name 'team/steps' already exists in the registry with id '123456789012'",
    status: 400,
  });
});

test("each account has its own registry, named by the account's id", async () => {
  const { repository } = await client(OTHER_ACCOUNT).send(new CreateRepositoryCommand({ repositoryName: 'steps' }));
  assert.equal(repository?.repositoryUri, '210987654321.dkr.ecr.eu-west-1.amazonaws.com/steps');
  const mine = await refusal(client(PUSHER).send(new DescribeRepositoriesCommand({ repositoryNames: ['steps'] })));
  assert.equal(mine.name, 'RepositoryNotFoundException');
  const elsewhere = await refusal(
    client(PUSHER).send(new CreateRepositoryCommand({ repositoryName: 'steps', registryId: '210987654321' })),
  );
  assert.equal(elsewhere.name, 'AccessDeniedException');
});

test('CreateRepository needs ecr:CreateRepository, and a name off the model is refused in ECR wording', async () => {
  const denied = await refusal(client(READER).send(new CreateRepositoryCommand({ repositoryName: 'denied' })));
  assert.equal(denied.name, 'AccessDeniedException');
  assert.match(denied.message, /is not authorized to perform: ecr:CreateRepository/);
  assert.deepEqual(await refusal(client(PUSHER).send(new CreateRepositoryCommand({ repositoryName: 'Team/Steps' }))), {
    name: 'InvalidParameterException',
    message:
      "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression " +
      `'${(loadServiceModel('ecr').shape('RepositoryName') as { pattern: string }).pattern}''`,
    status: 400,
  });
  assert.ok(!ecr.repositories().some((r) => r.name === 'denied' || r.name === 'Team/Steps'));
});

test('all repositories are listed a page at a time, by name; names and paging do not mix', async () => {
  const pusher = client(PUSHER);
  for (const name of ['page/c', 'page/a', 'page/b'])
    await pusher.send(new CreateRepositoryCommand({ repositoryName: name }));
  const first = await pusher.send(new DescribeRepositoriesCommand({ maxResults: 2 }));
  assert.deepEqual(
    first.repositories?.map((r) => r.repositoryName),
    ['page/a', 'page/b'],
  );
  assert.ok(first.nextToken);
  const names: string[] = [];
  for await (const page of paginateDescribeRepositories({ client: pusher, pageSize: 2 }, {})) {
    names.push(...(page.repositories ?? []).map((r) => r.repositoryName!));
  }
  assert.deepEqual(names, ['page/a', 'page/b', 'page/c', 'team/steps']);
  const mixed = await refusal(
    pusher.send(new DescribeRepositoriesCommand({ repositoryNames: ['page/a'], maxResults: 1 })),
  );
  assert.equal(mixed.name, 'InvalidParameterException');
  const forged = await refusal(pusher.send(new DescribeRepositoriesCommand({ nextToken: 'forged' })));
  assert.equal(forged.name, 'InvalidParameterException');
});

test('logins are unchanged, and their registry ids are checked against the model', async () => {
  const { authorizationData } = await client(PUSHER).send(new GetAuthorizationTokenCommand({}));
  assert.equal(Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString(), 'AWS:login-token');
  assert.equal(authorizationData![0]!.proxyEndpoint, 'http://127.0.0.1:5556');
  const bad = await refusal(client(PUSHER).send(new GetAuthorizationTokenCommand({ registryIds: ['12345'] })));
  assert.equal(bad.name, 'InvalidParameterException');
  assert.match(
    bad.message,
    /^Invalid parameter at 'registryIds' failed to satisfy constraint: 'Member must satisfy constraint: \[.*Member must satisfy regular expression pattern: \[0-9\]\{12\}\]'$/,
  );
});
