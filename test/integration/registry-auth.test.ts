// Registry credentials against a real registry that demands Basic auth (htpasswd): pushes and
// manifest checks with the right account, clear messages with a wrong one or none, and the CLI
// pushing a run's image to a stack's generic OCI registry with the password from the environment.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { connectDocker } from '../../src/core/images/dockerClient';
import { pushImage } from '../../src/core/images/imagePusher';
import { manifestExists } from '../../src/core/images/registryClient';
import { ensureStepImage } from '../../src/core/images/stepImage';
import { runCli } from './cliProcess';
import { integrationEnvironment } from './environment';

const env = integrationEnvironment();
const { host, username, password } = env.authRegistry;
const root = path.resolve(__dirname, '../..');
let project: string;
let home: string;
const right = { serveraddress: host, username, password };
const wrong = { serveraddress: host, username, password: 'not-the-password' };

before(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'stepops-auth-'));
  home = await mkdtemp(path.join(tmpdir(), 'stepops-auth-home-'));
  await mkdir(path.join(project, 'pkg'));
  await writeFile(path.join(project, 'pkg', '__init__.py'), '');
  await writeFile(
    path.join(project, 'pkg', 's.py'),
    'from zenml import step\n\n\n@step\ndef hello() -> str:\n    print("hello from the pushed image")\n    return "hi"\n',
  );
});
after(async () => {
  await rm(project, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

test('pushes with the right account; the tag is then found and reused', async () => {
  const docker = await connectDocker();
  const request = {
    projectRoot: project,
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: env.pythonImage,
    registry: host,
    repository: `auth-${Date.now().toString(36)}`,
    credentials: right,
  };
  const first = await ensureStepImage(docker, request);
  assert.equal(first.pushed, true);
  assert.equal(await manifestExists(first.reference, { credentials: right }), true);
  assert.equal((await ensureStepImage(docker, request)).built, false);

  await assert.rejects(
    manifestExists(first.reference, { credentials: wrong }),
    /rejected the registry credentials \(401\)/,
  );
  await assert.rejects(manifestExists(first.reference), /requires credentials \(401\)/);
  await assert.rejects(
    pushImage(docker, { reference: first.reference, credentials: wrong }),
    new RegExp(`The registry ${host.replace('.', '\\.')} rejected the credentials of "${username}"`),
  );
});

test("stepops run pushes to the stack's generic registry with the password from the environment", async () => {
  const cli = (extraEnv: Record<string, string>, ...args: string[]) =>
    runCli({ cwd: project, env: { ...process.env, STEPOPS_HOME: home, ...extraEnv } }, ...args);

  assert.equal(
    (
      await cli(
        {},
        'components',
        'register',
        'container_registry',
        'default',
        'team',
        '--set',
        `uri=${host}/steps`,
        '--set',
        `username=${username}`,
      )
    ).code,
    0,
  );
  assert.equal(
    (await cli({}, 'stacks', 'register', 'shared', '--step-operator', 'local-docker', '--container-registry', 'team'))
      .code,
    0,
  );
  assert.equal((await cli({}, 'stacks', 'use', 'shared')).code, 0);

  const denied = await cli(
    { STEPOPS_SECRET_TEAM_PASSWORD: 'wrong' },
    'run',
    'pkg/s.py:hello',
    '--base-image',
    env.pythonImage,
  );
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /failed at hashing: .*rejected the registry credentials \(401\)/);

  const ok = await cli(
    { STEPOPS_SECRET_TEAM_PASSWORD: password },
    'run',
    'pkg/s.py:hello',
    '--base-image',
    env.pythonImage,
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /stepops: pushing\n/);
  assert.match(ok.stderr, new RegExp(`stepops: submitting ${host.replace('.', '\\.')}/steps/`));
  assert.match(ok.stdout, /hello from the pushed image/);
});
