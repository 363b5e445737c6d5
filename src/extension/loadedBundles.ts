// Which of the lazily loaded vendor bundles (dist/vendor/*.js: the cloud SDKs, the Docker client,
// the Python parser) this extension host has loaded so far, read from Node's module cache. The
// activation log names them, so that "nothing heavy loads on activation" is something a user (and
// the E2E test) can see rather than a promise.
import path from 'node:path';

/** The vendor bundles loaded from `distFolder`/vendor, by file name without .js, sorted. */
export function loadedVendorBundles(distFolder: string, cache: NodeJS.Require['cache'] = require.cache): string[] {
  const vendor = path.join(distFolder, 'vendor') + path.sep;
  return Object.keys(cache)
    .filter((file) => file.startsWith(vendor) && file.endsWith('.js'))
    .map((file) => path.basename(file, '.js'))
    .sort();
}
