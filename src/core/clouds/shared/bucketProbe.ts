// What the object-store checks (S3, GCS, Azure Blob) share: reading a store path
// (SCHEME://bucket/prefix) and naming the probe object they write and delete under the prefix.

export interface BucketLocation {
  /** The bucket (S3, GCS) or container (Azure). */
  readonly bucket: string;
  /** The key prefix under it, without slashes at either end; empty for the bucket's root. */
  readonly prefix: string;
  /** The path as users write it, e.g. s3://bucket/prefix. */
  readonly display: string;
}

/** Parses `SCHEME://bucket[/prefix]` for one of the given schemes, e.g. ['s3']. */
export function parseBucketPath(path: string, schemes: readonly string[]): BucketLocation {
  const match = /^([a-z0-9]+):\/\/([^/]+)\/?(.*)$/.exec(path.trim());
  if (!match || !schemes.includes(match[1]!)) {
    throw new Error(`"${path}" is not a ${schemes.map((s) => `${s}://`).join(' or ')}bucket/prefix path`);
  }
  const prefix = match[3]!.replace(/\/+$/, '');
  return { bucket: match[2]!, prefix, display: `${match[1]}://${match[2]}${prefix ? `/${prefix}` : ''}` };
}

/** A name no other writer uses, under the prefix. */
export function probeObjectName(prefix: string): string {
  return [prefix, `.stepops-probe-${process.pid}-${Date.now()}`].filter(Boolean).join('/');
}
