// How stepops reaches Cloud Storage, for the connection check and the store client alike: the
// official client with Application Default Credentials (a key file, workload identity
// federation, gcloud login, the metadata server). The client's own STORAGE_EMULATOR_HOST setting
// redirects it; stepops then still authenticates (the client would otherwise send no token to a
// custom endpoint), so a stand-in that checks credentials, as GCS does, sees them.
export async function connectGcs(options: { readonly maxRetries?: number } = {}) {
  const { Storage } = await import('@google-cloud/storage');
  return new Storage({
    useAuthWithCustomEndpoint: true,
    ...(options.maxRetries === undefined ? {} : { retryOptions: { maxRetries: options.maxRetries } }),
  });
}
