// The rules every store applies to keys, so that all of them accept and refuse the same ones: a
// key is a '/'-separated path under the store's root. It may not climb out of it with "..", in
// the store (a key is a path in the local store) nor in a local folder a download writes into
// (keys listed from a bucket are whatever its writers chose).
import path from 'node:path';
import { joinKey } from './artifactStore';

/** Whether a key (or folder key) stays under its root: no ".." segment, with either slash, and no NUL. */
export function staysUnder(key: string): boolean {
  return !key.split(/[\\/]/).includes('..') && !key.includes('\0');
}

/** A folder key as stores use it ('' for the root), normalised; throws when it would leave the root. */
export function checkedFolderKey(prefix: string): string {
  const key = joinKey(prefix);
  if (!staysUnder(key)) throw escapingKey(prefix);
  return key;
}

/** An object's key, normalised; throws when it is empty or would leave the root. */
export function checkedKey(key: string): string {
  const checked = checkedFolderKey(key);
  if (!checked)
    throw new Error(`"${key}" is not an object key: name a file under the store's root, e.g. RUN_ID/job.json.`);
  return checked;
}

/** The key below `folder` ('' for the root): `key` must be under it. */
export function keyBelow(folder: string, key: string): string {
  return folder ? key.slice(folder.length + 1) : key;
}

/** Whether `key` is under the folder key `folder` ('' holds every key). */
export function isUnderFolder(key: string, folder: string): boolean {
  return !folder || key.startsWith(`${folder}/`);
}

/**
 * The local path a key names under `folder`. Refuses keys that would land outside it (a ".."
 * segment, an absolute key, a drive letter), whatever wrote them.
 */
export function localPathOf(folder: string, key: string): string {
  const root = path.resolve(folder);
  const target = path.resolve(root, ...key.split('/'));
  const relative = path.relative(root, target);
  if (!staysUnder(key) || !relative || isOutside(relative)) throw escapingKey(key, folder);
  return target;
}

/** Whether a path.relative() result leaves its base (it climbs up, or is on another drive). */
export function isOutside(relative: string): boolean {
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

function escapingKey(key: string, folder?: string): Error {
  const where = folder ? `the folder ${folder}` : "the store's root";
  return new Error(
    `Refused the key "${key}": it leaves ${where}. Keys are '/'-separated paths under the root, without ".." segments.`,
  );
}
