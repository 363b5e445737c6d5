// AWS Signature Version 4, checked the way AWS checks it: the request is signed again with the
// caller's secret over the headers the caller says it signed, and the signatures must agree. The
// fakes of AWS services share it.
import type http from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 (or HMAC-SHA-256 with a key), in the shape the signer takes. */
export class Sha256 {
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

export interface SigV4Authorization {
  readonly keyId: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: string;
  readonly signature: string;
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

export function parseSigV4(header: string | undefined): SigV4Authorization | undefined {
  const match = AUTH.exec(header ?? '');
  if (!match) return undefined;
  const [, keyId, , region, service, signedHeaders, signature] = match as unknown as string[];
  return { keyId: keyId!, region: region!, service: service!, signedHeaders: signedHeaders!, signature: signature! };
}

/**
 * Whether the request's signature is the one `secretAccessKey` makes. S3 signs its path as sent
 * (no second URI escaping) and its payload through the x-amz-content-sha256 header.
 */
export async function sigV4Matches(
  req: http.IncomingMessage,
  body: string | Buffer,
  auth: SigV4Authorization,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
  options: { readonly uriEscapePath?: boolean } = {},
): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders.split(';')) headers[name] = String(req.headers[name] ?? '');
  const amzDate = headers['x-amz-date'] ?? '';
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: options.uriEscapePath ?? true,
  });
  const url = new URL(req.url ?? '/', 'http://fake');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const previous = query[key];
    query[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const [hostname, port] = (headers.host ?? '').split(':');
  const signed = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: hostname ?? '',
      ...(port ? { port: Number(port) } : {}),
      path: url.pathname,
      query,
      headers,
      body: typeof body === 'string' ? body : new Uint8Array(body),
    },
    { signingDate },
  );
  return String(signed.headers.authorization ?? '').endsWith(`Signature=${auth.signature}`);
}
