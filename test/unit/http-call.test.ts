import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpCall } from '../../src/core/clouds/shared/httpCall';
import { explainNetworkFailure } from '../../src/core/clouds/shared/networkErrors';
import { makeTestCertificate } from '../fakes/selfSignedCert';

describe('httpCall (the transport of the cloud calls no SDK covers)', () => {
  let server: http.Server;
  let base: string;
  const seen: { method?: string; body: string; headers: http.IncomingHttpHeaders }[] = [];

  before(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({ method: request.method, body, headers: request.headers });
        if (request.url === '/slow') return; // never answers
        response.writeHead(request.url === '/missing' ? 404 : 206, 'Partial Content', {
          'content-range': 'bytes 4-8/20',
          'x-ms-error-code': 'Nope',
        });
        response.end(JSON.stringify({ echoed: body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('sends the method, headers and body, and reads the status, headers and whole body', async () => {
    const answer = await httpCall(`${base}/x`, { method: 'POST', headers: { 'x-test': 'yes' }, body: 'a=1&b=é' });
    assert.equal(answer.status, 206);
    assert.equal(answer.ok, true);
    assert.equal(answer.header('Content-Range'), 'bytes 4-8/20');
    assert.deepEqual(answer.json(), { echoed: 'a=1&b=é' });
    assert.equal(Buffer.from(answer.bytes).toString('utf8'), answer.text());
    const request = seen.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['x-test'], 'yes');
    assert.equal(request.headers['content-length'], String(Buffer.byteLength('a=1&b=é')));
  });

  it('answers a refusal as an answer, not an error', async () => {
    const answer = await httpCall(`${base}/missing`);
    assert.equal(answer.status, 404);
    assert.equal(answer.ok, false);
    assert.equal(answer.header('x-ms-error-code'), 'Nope');
  });

  it('gives up on the caller abort and on its timeout', async () => {
    const controller = new AbortController();
    const aborted = httpCall(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(aborted, { name: 'AbortError' });
    await assert.rejects(httpCall(`${base}/slow`, { timeoutMs: 50 }), (error: Error) =>
      /TimeoutError|AbortError/.test(error.name),
    );
  });

  it("names an untrusted TLS certificate and the way to trust its CA (VS Code's fetch said only 'fetch failed')", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'stepops-http-call-'));
    // A CA this process was not started with (NODE_EXTRA_CA_CERTS is read once, at start).
    const certificate = await makeTestCertificate(folder);
    const tls = https.createServer({ key: certificate.key, cert: certificate.cert }, (_request, response) =>
      response.end('{}'),
    );
    try {
      await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/details`;
      const error = await httpCall(url).then(
        () => assert.fail('a certificate from an unknown CA was accepted'),
        (e: unknown) => e,
      );
      const message = explainNetworkFailure(error, 'Azure ML run history', 'check the network');
      assert.match(message ?? '', /^Azure ML run history presented a TLS certificate this machine does not trust \(/);
      assert.match(message ?? '', /NODE_EXTRA_CA_CERTS/);
    } finally {
      tls.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
