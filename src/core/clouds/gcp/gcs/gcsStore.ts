// The GCS artifact store client: one upload, media download or list page per call, through the
// official client reached as the connection check reaches it (gcsClient.ts). Uploads are single
// multipart requests (streamed from disk for files); the client checks each transfer's CRC32C.
import { createReadStream } from 'node:fs';
import { Readable, addAbortSignal } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStoreFactory } from '../../../artifacts/artifactStore';
import type { StoreAccess } from '../../../artifacts/objectStore';
import { parseBucketPath } from '../../shared/bucketProbe';
import { bucketArtifactStore } from '../../shared/bucketArtifactStore';
import { keptClient } from '../clientCache';
import { connectGcs } from './gcsClient';
import { type GcsCall, explainGcsError } from './gcsErrors';

const SCHEMES = ['gs'];

/** What each access is refused as, the IAM permission that allows it and a role that grants it. */
const ACCESS: Readonly<Record<StoreAccess, Omit<GcsCall, 'where'>>> = {
  read: { doing: 'read', needs: ['storage.objects.get'], role: 'Storage Object Viewer' },
  write: { doing: 'write', needs: ['storage.objects.create'], role: 'Storage Object Creator' },
  list: { doing: 'list the objects under', needs: ['storage.objects.list'], role: 'Storage Object Viewer' },
};

export const gcsStoreFactory: ArtifactStoreFactory = async (config) => {
  const location = parseBucketPath(String(config.path ?? ''), SCHEMES);
  // One client for every store of the process (clientCache.ts): a new one looks for its project
  // again, which took some 600 ms a run here (gcloud, then the metadata server).
  const bucket = (await keptClient('gcs-store', {}, () => connectGcs())).bucket(location.bucket);
  return bucketArtifactStore(location, SCHEMES, {
    async put(name, body, signal) {
      const source =
        body instanceof Uint8Array
          ? Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)])
          : createReadStream(body.file);
      await pipeline(source, bucket.file(name).createWriteStream({ resumable: false }), { signal });
    },
    // The request starts when the stream is first read; a failure (a missing object too) comes then.
    read: async (name, signal) => {
      const stream = bucket.file(name).createReadStream();
      return signal ? addAbortSignal(signal, stream) : stream;
    },
    async list(prefix, signal) {
      const names: string[] = [];
      let pageToken: string | undefined;
      do {
        signal?.throwIfAborted();
        const [files, next] = await bucket.getFiles({
          prefix,
          autoPaginate: false,
          ...(pageToken ? { pageToken } : {}),
        });
        names.push(...files.map((file) => file.name));
        pageToken = (next as { pageToken?: string } | null)?.pageToken;
      } while (pageToken);
      return names;
    },
    // A missing bucket is a 404 too, but says so; a missing object's answer is "No such object: B/NAME".
    isMissing: (error) => (error as { code?: unknown }).code === 404 && /No such object/.test(String(error)),
    explain: (error, access, where) =>
      new Error(explainGcsError(error as Error, { where, ...ACCESS[access] }), { cause: error }),
  });
};
