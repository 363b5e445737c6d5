import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadedVendorBundles } from '../../src/extension/loadedBundles';

test('the loaded vendor bundles are the cached modules under dist/vendor, by name', () => {
  const dist = path.join('/ext', 'dist');
  const cache = Object.fromEntries(
    [
      path.join(dist, 'extension.js'),
      path.join(dist, 'vendor', 'web-tree-sitter.js'),
      path.join(dist, 'vendor', 'dockerode.js'),
      path.join(dist, 'vendor', 'notes.txt'),
      path.join('/elsewhere', 'vendor', 'aws-s3.js'),
    ].map((file) => [file, undefined]),
  ) as NodeJS.Require['cache'];
  assert.deepEqual(loadedVendorBundles(dist, cache), ['dockerode', 'web-tree-sitter']);
  assert.deepEqual(loadedVendorBundles(path.join('/other', 'dist'), cache), []);
});
