// What the cloud stores (S3, GCS, Azure Blob) share beyond artifacts/objectStore: the store's
// address is a bucket path, SCHEME://bucket/prefix, and every key is an object name under the
// prefix. Each cloud supplies only its object calls, on whole object names.
import { type ArtifactStore, joinKey } from '../../artifacts/artifactStore';
import { type ObjectBackend, type StoreAddress, objectStore } from '../../artifacts/objectStore';
import { isUnderFolder, keyBelow, staysUnder } from '../../artifacts/storeKeys';
import { type BucketLocation, parseBucketPath } from './bucketProbe';

/** A cloud's object calls; names are whole object names in the bucket. */
export interface BucketObjects extends Omit<ObjectBackend, 'list'> {
  /** Every object name that starts with `namePrefix` (which ends with '/', or is ''), in any order. */
  list(namePrefix: string, signal?: AbortSignal): Promise<string[]>;
}

export function bucketArtifactStore(
  location: BucketLocation,
  schemes: readonly string[],
  objects: BucketObjects,
): ArtifactStore {
  const name = (key: string) => (location.prefix && key ? `${location.prefix}/${key}` : location.prefix || key);
  return objectStore(bucketAddress(location, schemes), {
    put: (key, body, signal) => objects.put(name(key), body, signal),
    read: (key, signal) => objects.read(name(key), signal),
    list: async (folder, signal) => {
      const folderName = name(folder);
      const names = await objects.list(folderName ? `${folderName}/` : '', signal);
      return names.filter((n) => isUnderFolder(n, location.prefix)).map((n) => keyBelow(location.prefix, n));
    },
    isMissing: (error) => objects.isMissing(error),
    explain: (error, access, uri) => objects.explain(error, access, uri),
  });
}

function bucketAddress(location: BucketLocation, schemes: readonly string[]): StoreAddress {
  return {
    root: location.display,
    uri: (key) => (key ? `${location.display}/${key}` : location.display),
    keyOf(uri) {
      let parsed: BucketLocation;
      try {
        parsed = parseBucketPath(uri, schemes);
      } catch {
        return undefined;
      }
      if (parsed.bucket !== location.bucket) return undefined;
      if (parsed.prefix === location.prefix) return '';
      if (!isUnderFolder(parsed.prefix, location.prefix)) return undefined;
      const key = keyBelow(location.prefix, parsed.prefix);
      return staysUnder(key) && joinKey(key) === key ? key : undefined;
    },
  };
}
