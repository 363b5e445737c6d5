// The S3 artifact store client: one PutObject, GetObject or ListObjectsV2 call per object or page,
// through the AWS SDK reached as the connection check reaches it (s3Client.ts). A local file is
// streamed in a single PutObject (S3 takes up to 5 GB in one), not split into a multipart upload.
import { createReadStream } from 'node:fs';
import type { ArtifactStoreFactory } from '../../../artifacts/artifactStore';
import type { StoreAccess } from '../../../artifacts/objectStore';
import { parseBucketPath } from '../../shared/bucketProbe';
import { bucketArtifactStore } from '../../shared/bucketArtifactStore';
import { type S3Connection, connectS3, firstS3Region } from './s3Client';
import { type S3Call, explainS3Error } from './s3Errors';

const SCHEMES = ['s3'];

/** What each access is refused as, and the IAM action that allows it. */
const ACCESS: Readonly<Record<StoreAccess, Pick<S3Call, 'doing' | 'needs' | 'note'>>> = {
  read: {
    doing: 'read',
    needs: ['s3:GetObject'],
    note: 'without s3:ListBucket, S3 also answers a missing object as denied',
  },
  write: { doing: 'write', needs: ['s3:PutObject'] },
  list: { doing: 'list the objects under', needs: ['s3:ListBucket'] },
};

// No bound on a whole transfer (artifacts can be large), only on connecting and on silence.
const CONNECTION: S3Connection = { http: { connectionTimeout: 10_000, socketTimeout: 60_000 } };

export const s3StoreFactory: ArtifactStoreFactory = async (config) => {
  const location = parseBucketPath(String(config.path ?? ''), SCHEMES);
  const Bucket = location.bucket;
  const connection = inBucketRegion(Bucket);
  return bucketArtifactStore(location, SCHEMES, {
    async put(Key, body, abortSignal) {
      const { sdk, client } = await connection(abortSignal);
      const Body = body instanceof Uint8Array ? body : createReadStream(body.file);
      const ContentLength = body instanceof Uint8Array ? body.byteLength : body.size;
      await client.send(new sdk.PutObjectCommand({ Bucket, Key, Body, ContentLength }), { abortSignal });
    },
    async read(Key, abortSignal) {
      const { sdk, client } = await connection(abortSignal);
      const { Body } = await client.send(new sdk.GetObjectCommand({ Bucket, Key }), { abortSignal });
      if (!Body || !(Symbol.asyncIterator in Body)) throw new Error(`S3 sent no body for ${Key}.`);
      return Body as AsyncIterable<Uint8Array>;
    },
    async list(Prefix, abortSignal) {
      const { sdk, client } = await connection(abortSignal);
      const names: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(
          new sdk.ListObjectsV2Command({ Bucket, Prefix: Prefix || undefined, ContinuationToken }),
          { abortSignal },
        );
        for (const object of page.Contents ?? []) if (object.Key !== undefined) names.push(object.Key);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return names;
    },
    isMissing: (error) => (error as Error).name === 'NoSuchKey',
    explain: (error, access, where) =>
      new Error(explainS3Error(error as Error, { where, region: connection.region(), ...ACCESS[access] }), {
        cause: error,
      }),
  });
};

type Connected = Awaited<ReturnType<typeof connectS3>>;

/**
 * A client in the bucket's own region, found once with HeadBucket. The SDK follows S3's region
 * redirects by sending a request again, which a body streamed from a file cannot be; asking
 * first keeps every later request in the right region. S3 names the region in HeadBucket's
 * answer even to an identity that may not list the bucket.
 */
function inBucketRegion(Bucket: string): ((signal?: AbortSignal) => Promise<Connected>) & { region(): string } {
  let connected: Promise<Connected> | undefined;
  let region = firstS3Region();
  const connect = async (abortSignal?: AbortSignal): Promise<Connected> => {
    const first = await connectS3(CONNECTION);
    region = await bucketRegion(first, Bucket, abortSignal);
    if (region === first.region) return first;
    first.client.destroy();
    return connectS3({ ...CONNECTION, region });
  };
  const connection = (signal?: AbortSignal) => {
    // A failed look-up (the network, a missing bucket) is tried again on the next call.
    connected ??= connect(signal).catch((error: unknown) => {
      connected = undefined;
      throw error;
    });
    return connected;
  };
  return Object.assign(connection, { region: () => region });
}

async function bucketRegion({ sdk, client, region }: Connected, Bucket: string, abortSignal?: AbortSignal) {
  try {
    const head = await client.send(new sdk.HeadBucketCommand({ Bucket }), { abortSignal });
    return head.BucketRegion ?? region;
  } catch (error) {
    const e = error as Error & {
      $metadata?: { httpStatusCode?: number };
      $response?: { headers?: Record<string, string> };
    };
    const named = e.$response?.headers?.['x-amz-bucket-region'];
    if (named) return named;
    // A HEAD answer has no body: S3's 404 arrives without its NoSuchBucket code.
    if (e.$metadata?.httpStatusCode === 404) {
      throw Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket', cause: error });
    }
    if (e.$metadata?.httpStatusCode === 403) return region;
    throw error;
  }
}
