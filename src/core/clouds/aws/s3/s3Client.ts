// How stepops reaches S3, for the connection check and the store client alike: the SDK's own
// credential chain and endpoint settings (AWS_ENDPOINT_URL_S3 included), AWS_REGION (or
// AWS_DEFAULT_REGION) as the first region asked, and S3's redirects followed to the bucket's own
// region, so an S3 store needs no region field. The SDK addresses an IP endpoint path-style by
// itself, so nothing here forces it.

/** The SDK's own HTTP handler timeouts, in milliseconds (socketTimeout: inactivity). */
export interface S3Timeouts {
  readonly connectionTimeout?: number;
  readonly requestTimeout?: number;
  readonly socketTimeout?: number;
}

export interface S3Connection {
  readonly maxAttempts?: number;
  readonly http: S3Timeouts;
  /** The region to ask first, when known (a bucket's own); else AWS_REGION's. */
  readonly region?: string;
}

export async function connectS3(options: S3Connection) {
  const sdk = await import('@aws-sdk/client-s3');
  const region = options.region ?? firstS3Region();
  const client = new sdk.S3Client({
    region,
    followRegionRedirects: true,
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    requestHandler: { ...options.http },
  });
  return { sdk, client, region };
}

/** The region S3 is asked in before it names a bucket's own. */
export function firstS3Region(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}
