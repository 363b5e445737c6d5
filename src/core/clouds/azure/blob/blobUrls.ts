// Where a Blob store's objects are on the storage service's own HTTP endpoint
// (https://ACCOUNT.blob.core.windows.net/CONTAINER/NAME, or Azurite's http://HOST/ACCOUNT/...):
// what Azure ML takes as a job input or output URI. The store contract speaks az:// URIs only;
// the Blob store's factory records its container's URL here, so that Azure's operator can turn
// the JobSpec's URIs into URLs without the contract learning about one cloud's endpoints.
import type { ArtifactStore } from '../../../artifacts/artifactStore';

const containerUrls = new WeakMap<ArtifactStore, string>();

/** Called by the Blob store's factory: the container's URL, without any SAS query. */
export function recordContainerUrl(store: ArtifactStore, containerUrl: string): void {
  const url = new URL(containerUrl);
  containerUrls.set(store, `${url.origin}${url.pathname.replace(/\/+$/, '')}`);
}

/**
 * The URL of a URI under `store`'s root (a folder URI gets a trailing slash, so that "outputs/a"
 * never also means "outputs/a_1"); undefined when the store is not an Azure Blob store or the URI
 * is not under its root.
 */
export function blobUrlOf(store: ArtifactStore, uri: string, kind: 'file' | 'folder'): string | undefined {
  const container = containerUrls.get(store);
  const key = store.keyOf(uri);
  if (container === undefined || key === undefined) return undefined;
  const blobName = [prefixOf(store.root), key].filter(Boolean).join('/');
  const path = blobName.split('/').map(encodeURIComponent).join('/');
  return `${container}/${path}${kind === 'folder' && path ? '/' : ''}`;
}

/** The blob name prefix of a store root (az://container/prefix -> "prefix"). */
function prefixOf(root: string): string {
  return root.replace(/^[a-z0-9]+:\/\/[^/]+\/?/, '');
}
