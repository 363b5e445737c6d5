// A strict stand-in for the SageMaker control plane, for what stepops calls so far
// (ListTrainingJobs). It speaks the service's awsJson1_1 protocol, verifies the SigV4 signature
// with the request's own signed headers (an unknown key, a wrong secret or a signature for another
// region fail as AWS fails them), enforces the action's permission and its parameter limits, and
// answers in the service's shapes. Started on a loopback port by the tests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 (or HMAC-SHA-256 with a key), in the shape the signer takes. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface FakeAccount {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Actions the identity may call, e.g. "sagemaker:ListTrainingJobs". */
  readonly allowed: readonly string[];
}

export interface FakeSageMaker {
  readonly endpoint: string;
  readonly requests: { target: string; body: unknown }[];
  close(): Promise<void>;
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

export async function startFakeSageMaker(region: string, accounts: readonly FakeAccount[]): Promise<FakeSageMaker> {
  const requests: FakeSageMaker['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, Buffer.concat(chunks).toString('utf8')).then(([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      });
    });
  });

  const fail = (status: number, type: string, message: string): [number, unknown] => [
    status,
    { __type: type, message },
  ];

  async function handle(req: http.IncomingMessage, body: string): Promise<[number, unknown]> {
    if (req.method !== 'POST' || req.url !== '/') return fail(404, 'UnknownOperationException', 'Unknown operation');
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1') {
      return fail(400, 'SerializationException', 'Content-Type must be application/x-amz-json-1.1');
    }
    const match = AUTH.exec(String(req.headers.authorization ?? ''));
    if (!match) return fail(400, 'MissingAuthenticationTokenException', 'Request is missing Authentication Token');
    const [, keyId, , scopeRegion, service, signedHeaders, signature] = match;
    const account = accounts.find((a) => a.accessKeyId === keyId);
    if (!account)
      return fail(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (service !== 'sagemaker' || scopeRegion !== region) {
      return fail(
        403,
        'InvalidSignatureException',
        `Credential should be scoped to a valid region, not '${scopeRegion}'.`,
      );
    }
    if (!(await signatureMatches(req, body, signedHeaders!, signature!, account))) {
      return fail(
        403,
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      return fail(400, 'SerializationException', 'Malformed JSON');
    }
    requests.push({ target, body: input });
    if (target !== 'SageMaker.ListTrainingJobs')
      return fail(400, 'UnknownOperationException', `Unknown operation ${target}`);
    if (!account.allowed.includes('sagemaker:ListTrainingJobs')) {
      return fail(
        400,
        'AccessDeniedException',
        `User: arn:aws:iam::123456789012:user/${keyId} is not authorized to perform: sagemaker:ListTrainingJobs`,
      );
    }
    const max = input.MaxResults;
    if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100)) {
      return fail(
        400,
        'ValidationException',
        `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`,
      );
    }
    return [200, { TrainingJobSummaries: [] }];
  }

  async function signatureMatches(
    req: http.IncomingMessage,
    body: string,
    signedHeaders: string,
    signature: string,
    account: FakeAccount,
  ): Promise<boolean> {
    const headers: Record<string, string> = {};
    for (const name of signedHeaders.split(';')) headers[name] = String(req.headers[name] ?? '');
    const amzDate = headers['x-amz-date'] ?? '';
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const signer = new SignatureV4({
      service: 'sagemaker',
      region,
      credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
      sha256: Sha256,
    });
    const [hostname, port] = (headers.host ?? '').split(':');
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: hostname ?? '',
        ...(port ? { port: Number(port) } : {}),
        path: '/',
        query: {},
        headers,
        body,
      },
      { signingDate },
    );
    return String(signed.headers.authorization ?? '').endsWith(`Signature=${signature}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
