// S3 wire formats the S3 fake reads and writes beyond plain requests: the aws-chunked body with a
// trailing checksum that the SDK sends when it streams a body (a file) of a size it knows, the
// CRC32 checksum as S3 spells it, and the ListObjectsV2 answer.
import { crc32 } from 'node:zlib';

/** x-amz-content-sha256 of a streamed body whose checksum follows it. */
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/** A refusal in S3's terms. */
export interface S3Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** CRC32, big-endian and base64, as x-amz-checksum-crc32 carries it. */
export function crc32Base64(data: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data));
  return out.toString('base64');
}

/**
 * Decodes `SIZE-IN-HEX\r\nDATA\r\n ... 0\r\nTRAILER:VALUE\r\n\r\n`, checking the framing, the
 * declared decoded length and that the trailers are the ones x-amz-trailer announced.
 */
export function decodeAwsChunked(
  body: Buffer,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): { payload: Buffer; trailers: Record<string, string> } | S3Refusal {
  const incomplete = (detail: string): S3Refusal => ({
    status: 400,
    code: 'IncompleteBody',
    message: `The request body is not valid aws-chunked encoding: ${detail}.`,
  });
  if (
    !String(headers['content-encoding'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .includes('aws-chunked')
  ) {
    return {
      status: 400,
      code: 'InvalidArgument',
      message: `${STREAMING_UNSIGNED_TRAILER} needs Content-Encoding: aws-chunked.`,
    };
  }
  const declared = Number(headers['x-amz-decoded-content-length']);
  if (!Number.isInteger(declared) || declared < 0) {
    return { status: 411, code: 'MissingContentLength', message: 'You must provide x-amz-decoded-content-length.' };
  }
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const end = body.indexOf('\r\n', at);
    if (end < 0) return incomplete('a chunk size line has no end');
    const sizeText = body.subarray(at, end).toString('latin1');
    if (!/^[0-9a-f]+$/i.test(sizeText)) return incomplete(`"${sizeText}" is not a chunk size`);
    const size = parseInt(sizeText, 16);
    at = end + 2;
    if (size === 0) break;
    if (at + size + 2 > body.length || body.subarray(at + size, at + size + 2).toString('latin1') !== '\r\n') {
      return incomplete(`a chunk of ${size} bytes is cut short`);
    }
    chunks.push(body.subarray(at, at + size));
    at += size + 2;
  }
  const trailers: Record<string, string> = {};
  const trailerText = body.subarray(at).toString('latin1');
  if (!trailerText.endsWith('\r\n\r\n') && trailerText !== '\r\n') return incomplete('the trailers have no end');
  for (const line of trailerText.split('\r\n').filter(Boolean)) {
    const colon = line.indexOf(':');
    if (colon < 1) return incomplete(`"${line}" is not a trailer`);
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const announced = String(headers['x-amz-trailer'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (announced.sort().join() !== Object.keys(trailers).sort().join()) {
    return incomplete(
      `x-amz-trailer announced [${announced.join(', ')}] but the body ends with [${Object.keys(trailers).join(', ')}]`,
    );
  }
  const payload = Buffer.concat(chunks);
  if (payload.length !== declared) {
    return incomplete(`x-amz-decoded-content-length is ${declared} but the chunks hold ${payload.length} bytes`);
  }
  return { payload, trailers };
}

const xmlText = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
}

/** The ListObjectsV2 answer (ListBucketResult), with keys URL-encoded when the client asked. */
export function listObjectsV2Xml(page: {
  readonly bucket: string;
  readonly prefix: string;
  readonly maxKeys: number;
  readonly objects: readonly ListedObject[];
  readonly continuationToken?: string;
  readonly nextContinuationToken?: string;
  readonly startAfter?: string;
  readonly urlEncoded: boolean;
}): string {
  const text = (value: string) => xmlText(page.urlEncoded ? encodeURIComponent(value) : value);
  const element = (name: string, value: string | undefined) =>
    value === undefined ? '' : `<${name}>${value}</${name}>`;
  const contents = page.objects.map(
    (o) =>
      `<Contents><Key>${text(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified>` +
      `<ETag>${xmlText(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
  );
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Name>${xmlText(page.bucket)}</Name><Prefix>${text(page.prefix)}</Prefix>` +
    element('ContinuationToken', page.continuationToken && xmlText(page.continuationToken)) +
    element('StartAfter', page.startAfter === undefined ? undefined : text(page.startAfter)) +
    `<KeyCount>${page.objects.length}</KeyCount><MaxKeys>${page.maxKeys}</MaxKeys>` +
    element('EncodingType', page.urlEncoded ? 'url' : undefined) +
    `<IsTruncated>${page.nextContinuationToken !== undefined}</IsTruncated>` +
    element('NextContinuationToken', page.nextContinuationToken && xmlText(page.nextContinuationToken)) +
    contents.join('') +
    '</ListBucketResult>'
  );
}
