// The artifact store contract: where a run's job file, inputs and outputs live, so that a job on
// any backend can reach them. Every store (a local folder, S3, GCS, Azure Blob) is addressed by
// URIs under its root (`/abs/folder/KEY`, `s3://bucket/prefix/KEY`, `gs://...`, `az://...`);
// keys are '/'-separated paths relative to the root. Each cloud's client lives in its cloud's
// folder and loads its SDK lazily; code outside clouds/ sees only this interface.
//
// Layout under the root (the same in every store, so a pipeline can mix backends):
//   RUN_ID/job.json             what the runtime calls (module, function, parameters)
//   RUN_ID/outputs/NAME/...     each output: data.json or data.pkl, and metadata.json
//   RUN_ID/inputs/NAME/...      an input copied in from a folder on this machine (another store)

export interface ArtifactStore {
  /** The store's root as users write it: an absolute folder, or SCHEME://bucket/prefix. */
  readonly root: string;
  /** Set for a store that is a folder on this machine: local operators mount it instead of copying. */
  readonly localFolder?: string;
  /** The URI of a key under the root. */
  uri(key: string): string;
  /** The key of a URI under this store's root; undefined when the URI is elsewhere. */
  keyOf(uri: string): string | undefined;
  /** Writes one object (replacing any); `signal` aborts the transfer. */
  put(key: string, body: Uint8Array | string, signal?: AbortSignal): Promise<void>;
  /** Reads one object; undefined when it does not exist. */
  get(key: string, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  /** Every key under a prefix (a folder: `RUN_ID/outputs/`), in lexical order. */
  list(prefix: string, signal?: AbortSignal): Promise<string[]>;
  /** Copies a local folder's files to keys under `prefix`, returning how many were sent. */
  uploadFolder(folder: string, prefix: string, signal?: AbortSignal): Promise<number>;
  /** Copies every key under `prefix` into a local folder, returning how many were written. */
  downloadFolder(prefix: string, folder: string, signal?: AbortSignal): Promise<number>;
}

/** A secret field of the store's component (an account key, a connection string), or undefined. */
export type StoreSecretLookup = (field: string) => Promise<string | undefined>;

/** Builds a store client from an artifact store component's config. */
export type ArtifactStoreFactory = (
  config: Readonly<Record<string, unknown>>,
  secret: StoreSecretLookup,
) => Promise<ArtifactStore>;

/** Keys are joined with '/', never with the platform's separator, and never start with one. */
export function joinKey(...parts: readonly string[]): string {
  return parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

/** The key layout every store shares. */
export const runKeys = {
  jobFile: (runId: string): string => joinKey(runId, 'job.json'),
  outputs: (runId: string): string => joinKey(runId, 'outputs'),
  output: (runId: string, name: string): string => joinKey(runId, 'outputs', name),
};
