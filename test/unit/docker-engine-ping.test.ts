// dockerEngineAnswers against real HTTP servers on unix sockets (no engine needed).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { dockerEndpoint, dockerEngineAnswers } from '../../src/core/images/dockerEngine';

let dir: string;
const servers: http.Server[] = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stepops-ping-'));
});
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await rm(dir, { recursive: true, force: true });
});

function serve(name: string, handler: http.RequestListener): Promise<string> {
  const socketPath = path.join(dir, name);
  const server = http.createServer(handler);
  servers.push(server);
  return new Promise((resolve) => server.listen(socketPath, () => resolve(socketPath)));
}

test('true when /_ping answers 200', async () => {
  const socket = await serve('ok.sock', (req, res) => {
    res.statusCode = req.url === '/_ping' ? 200 : 404;
    res.end('OK');
  });
  assert.equal(await dockerEngineAnswers(socket), true);
});

test('false when the socket is missing, the answer is an error, or nothing answers in time', async () => {
  assert.equal(await dockerEngineAnswers(path.join(dir, 'missing.sock')), false);
  const failing = await serve('500.sock', (_req, res) => {
    res.statusCode = 500;
    res.end();
  });
  assert.equal(await dockerEngineAnswers(failing), false);
  const silent = await serve('silent.sock', () => undefined);
  const started = Date.now();
  assert.equal(await dockerEngineAnswers(silent, 200), false);
  assert.ok(Date.now() - started < 2000, 'gives up near its timeout');
});

test('without a socket path it asks where DOCKER_HOST points, as Docker clients do', async () => {
  const socket = await serve('host.sock', (req, res) => {
    res.statusCode = req.url === '/_ping' ? 200 : 404;
    res.end('OK');
  });
  const saved = process.env.DOCKER_HOST;
  try {
    process.env.DOCKER_HOST = `unix://${socket}`;
    assert.equal(await dockerEngineAnswers(), true);
    process.env.DOCKER_HOST = `unix://${path.join(dir, 'missing.sock')}`;
    assert.equal(await dockerEngineAnswers(), false);
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
  assert.deepEqual(dockerEndpoint('tcp://10.0.0.5:2376'), { host: '10.0.0.5', port: 2376 });
  assert.deepEqual(dockerEndpoint(''), { socketPath: '/var/run/docker.sock' });
});
