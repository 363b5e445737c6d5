// A job's data as the Azure ML emulator moves it, on the real Azurite (the workspace's storage
// account): the URIs Azure ML takes for uri_folder and uri_file data (a datastore path, short or
// long azureml://, the account's https or wasbs address, or Azurite's own address), inputs copied
// from Azurite into the folder the containers see (a read-only bind for ReadOnlyMount, a writable
// one for Download) and outputs uploaded back after the containers exit (both modes: a
// ReadWriteMount output's files appear at the end, not while the job writes them).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { filesUnder } from '../shared/folderFiles';

/** The storage account behind the workspace: Azurite, as scripts/services.sh prints it. */
export interface StorageAccount {
  readonly account: string;
  readonly key: string;
  /** http://127.0.0.1:10000/ACCOUNT */
  readonly blobEndpoint: string;
}

/** A workspace datastore: a container of the storage account. */
export interface Datastore {
  readonly name: string;
  readonly container: string;
}

export interface BlobLocation {
  readonly container: string;
  /** The blob name (uri_file) or the folder's prefix without a trailing slash (uri_folder); may be empty. */
  readonly path: string;
}

export interface DataScope {
  readonly account: StorageAccount;
  readonly datastores: readonly Datastore[];
  readonly workspace: { readonly subscriptionId: string; readonly resourceGroup: string; readonly name: string };
}

/** Where a data URI points, or why it does not point anywhere the workspace can read. */
export function resolveDataUri(uri: string, scope: DataScope): BlobLocation | { readonly problem: string } {
  const datastore = datastorePath(uri, scope);
  if (datastore) return datastore;
  const { account } = scope;
  const endpoint = account.blobEndpoint.replace(/\/$/, '');
  const https = /^https:\/\/([a-z0-9]+)\.blob\.core\.windows\.net\/([^/]+)\/?(.*)$/.exec(uri);
  const wasbs = /^wasbs?:\/\/([^@/]+)@([a-z0-9]+)\.blob\.core\.windows\.net\/?(.*)$/.exec(uri);
  const named = https
    ? { account: https[1]!, container: https[2]!, path: https[3]! }
    : wasbs
      ? { account: wasbs[2]!, container: wasbs[1]!, path: wasbs[3]! }
      : uri.startsWith(`${endpoint}/`)
        ? splitContainer(account.account, uri.slice(endpoint.length + 1))
        : undefined;
  if (!named) {
    return {
      problem:
        `'${uri}' is not a storage location the workspace can read: use azureml://datastores/NAME/paths/PATH, ` +
        `https://${account.account}.blob.core.windows.net/CONTAINER/PATH, wasbs://CONTAINER@${account.account}.blob.core.windows.net/PATH ` +
        `or ${endpoint}/CONTAINER/PATH (data assets and other stores are not emulated).`,
    };
  }
  if (named.account !== account.account) {
    return {
      problem: `'${uri}' is in the storage account '${named.account}', which this emulator does not have (it has '${account.account}').`,
    };
  }
  return { container: named.container, path: trimSlashes(decodeURIComponent(named.path)) };
}

function splitContainer(accountName: string, rest: string): { account: string; container: string; path: string } {
  const slash = rest.indexOf('/');
  return {
    account: accountName,
    container: slash < 0 ? rest : rest.slice(0, slash),
    path: slash < 0 ? '' : rest.slice(slash + 1),
  };
}

/** azureml://datastores/DS/paths/P and azureml://subscriptions/S/resourcegroups/G/workspaces/W/datastores/DS/paths/P. */
function datastorePath(uri: string, scope: DataScope): BlobLocation | { readonly problem: string } | undefined {
  const short = /^azureml:\/\/datastores\/([^/]+)\/paths\/?(.*)$/i.exec(uri);
  const long =
    /^azureml:\/\/subscriptions\/([^/]+)\/resource[gG]roups\/([^/]+)\/workspaces\/([^/]+)\/datastores\/([^/]+)\/paths\/?(.*)$/i.exec(
      uri,
    );
  if (!short && !long) {
    return uri.startsWith('azureml:')
      ? {
          problem: `'${uri}' is not a datastore path (azureml://datastores/NAME/paths/PATH); data assets are not emulated.`,
        }
      : undefined;
  }
  if (long) {
    const { workspace } = scope;
    const [, s, g, w] = long;
    const same =
      [s, g, w].join('/').toLowerCase() ===
      [workspace.subscriptionId, workspace.resourceGroup, workspace.name].join('/').toLowerCase();
    if (!same) return { problem: `'${uri}' names a datastore of another workspace.` };
  }
  const [name, rest] = short ? [short[1]!, short[2]!] : [long![4]!, long![5]!];
  const datastore = scope.datastores.find((d) => d.name.toLowerCase() === name.toLowerCase());
  if (!datastore) {
    return {
      problem: `The datastore '${name}' does not exist in the workspace (its datastores: ${scope.datastores.map((d) => d.name).join(', ')}).`,
    };
  }
  return { container: datastore.container, path: trimSlashes(decodeURIComponent(rest)) };
}

const trimSlashes = (text: string) => text.replace(/^\/+|\/+$/g, '');

/** Copies a folder (every blob under the prefix) into `folder`; answers how many files came. */
export async function downloadFolder(container: ContainerClient, prefix: string, folder: string): Promise<number> {
  const under = prefix ? `${prefix}/` : '';
  let count = 0;
  await mkdir(folder, { recursive: true });
  for await (const blob of container.listBlobsFlat({ prefix: under })) {
    const relative = blob.name.slice(under.length);
    // A folder marker ("x/") has nothing to copy.
    if (!relative || relative.endsWith('/')) continue;
    const target = path.join(folder, ...relative.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await container.getBlobClient(blob.name).downloadToFile(target);
    count++;
  }
  return count;
}

/** Copies one blob into `folder`; answers the file's name, or undefined when there is no such blob. */
export async function downloadFile(
  container: ContainerClient,
  blobName: string,
  folder: string,
): Promise<string | undefined> {
  const blob = container.getBlobClient(blobName);
  if (!(await blob.exists())) return undefined;
  await mkdir(folder, { recursive: true });
  const name = blobName.split('/').at(-1)!;
  await blob.downloadToFile(path.join(folder, name));
  return name;
}

/** Uploads every file under `folder` to PREFIX/relative/path; answers how many. */
export async function uploadFolder(container: ContainerClient, folder: string, prefix: string): Promise<number> {
  const files = await filesUnder(folder);
  for (const [relative, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    await container.getBlockBlobClient([prefix, relative].filter(Boolean).join('/')).uploadFile(file);
  }
  return files.size;
}
