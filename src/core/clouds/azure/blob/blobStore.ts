// The Azure Blob artifact store client: block blobs in a container (az://container/prefix, or
// abfs://), through the official storage client reached as the connection check reaches it
// (blobServiceClient.ts). Local files go through the client's file upload, which sends large
// ones as parallel blocks.
import type { ArtifactStoreFactory } from '../../../artifacts/artifactStore';
import type { StoreAccess } from '../../../artifacts/objectStore';
import { parseBucketPath } from '../../shared/bucketProbe';
import { bucketArtifactStore } from '../../shared/bucketArtifactStore';
import { explainBlobError } from './blobErrors';
import { connectBlobService } from './blobServiceClient';
import { recordContainerUrl } from './blobUrls';

const SCHEMES = ['az', 'abfs'];

/** The built-in role each access needs (a key or connection string grants them all). */
const ROLE: Readonly<Record<StoreAccess, string>> = {
  read: 'Storage Blob Data Reader (or a key with read access)',
  write: 'Storage Blob Data Contributor (or a key with write access)',
  list: 'Storage Blob Data Reader (or a key with list access)',
};

/** Blobs asked for per list page (the service's own default is 5,000). */
const LIST_PAGE = 1000;

export const azureBlobStoreFactory: ArtifactStoreFactory = async (config, secret) => {
  const location = parseBucketPath(String(config.path ?? ''), SCHEMES);
  const service = await connectBlobService(config, secret);
  if ('problem' in service) throw new Error(service.problem);
  const container = service.getContainerClient(location.bucket);
  const store = bucketArtifactStore(location, SCHEMES, {
    async put(name, body, abortSignal) {
      const blob = container.getBlockBlobClient(name);
      if (body instanceof Uint8Array) await blob.uploadData(body, { abortSignal });
      else await blob.uploadFile(body.file, { abortSignal });
    },
    async read(name, abortSignal) {
      const { readableStreamBody } = await container.getBlobClient(name).download(0, undefined, { abortSignal });
      if (!readableStreamBody) throw new Error(`Azure Storage sent no body for ${name}.`);
      return readableStreamBody as NodeJS.ReadableStream & AsyncIterable<Uint8Array>;
    },
    async list(prefix, abortSignal) {
      const names: string[] = [];
      const pages = container
        .listBlobsFlat({ ...(prefix ? { prefix } : {}), abortSignal })
        .byPage({ maxPageSize: LIST_PAGE });
      for await (const page of pages) names.push(...page.segment.blobItems.map((blob) => blob.name));
      return names;
    },
    // A missing container is a 404 too (ContainerNotFound), which explain names.
    isMissing: (error) => (error as { code?: unknown }).code === 'BlobNotFound',
    explain: (error, access, where) =>
      new Error(explainBlobError(error as Error, `${where} in the account ${service.accountName}`, ROLE[access]), {
        cause: error,
      }),
  });
  recordContainerUrl(store, container.url);
  return store;
};
