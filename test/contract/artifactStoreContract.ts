// One suite every ArtifactStore passes, written once and run against the local folder store, S3
// and GCS (through their real SDKs against the strict fakes) and Azure Blob (against Azurite), so
// that all of them accept, list, refuse and explain alike.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ArtifactStore } from '../../src/core/artifacts/artifactStore';
import type { StoreAccess } from '../../src/core/artifacts/objectStore';

export interface StoreUnderTest {
  /** A new, empty store (a fresh folder or prefix) with every permission. */
  make(): Promise<ArtifactStore>;
  /** The most keys the service returns in one list page; the suite lists more than two pages of them. */
  readonly listPage: number;
  /** List requests the service has answered so far, to see that paging happened. */
  listRequests?(): number;
  /**
   * A store on `root` whose identity lacks what `access` needs, and how the error must name it.
   * Absent where no identity can be refused (root on a local disk).
   */
  denied?(root: ArtifactStore, access: StoreAccess): Promise<{ store: ArtifactStore; names: RegExp }>;
  /** Writes an object the store would never write (a key with ".."), as another writer could. */
  plant?(root: ArtifactStore, key: string, body: string): Promise<void>;
}

/** Every byte value, then random bytes: nothing may be lost to a text encoding on the way. */
const BINARY = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(300_000)]);

export function artifactStoreContract(name: string, target: StoreUnderTest): void {
  describe(`artifact store contract: ${name}`, () => {
    let local: string;
    before(async () => {
      local = await mkdtemp(path.join(tmpdir(), 'stepops-contract-'));
    });
    after(() => rm(local, { recursive: true, force: true }));

    test('put and get: text and binary bodies round-trip exactly, a put replaces, a missing key is undefined', async () => {
      const store = await target.make();
      await store.put('run-1/job.json', '{"module": "steps", "name": "ünïcode ✓"}');
      await store.put('run-1/outputs/model/data.pkl', BINARY);
      assert.equal(
        Buffer.from((await store.get('run-1/job.json'))!).toString('utf8'),
        '{"module": "steps", "name": "ünïcode ✓"}',
      );
      assert.ok(BINARY.equals(Buffer.from((await store.get('run-1/outputs/model/data.pkl'))!)));
      await store.put('run-1/job.json', '{}');
      assert.equal(Buffer.from((await store.get('run-1/job.json'))!).toString('utf8'), '{}');
      await store.put('run-1/empty', new Uint8Array());
      assert.equal((await store.get('run-1/empty'))?.length, 0);
      assert.equal(await store.get('run-1/no-such-key.json'), undefined);
      assert.equal(await store.get('no-such-run/job.json'), undefined);
      assert.equal(await store.get('run-1/outputs'), undefined, 'a folder is not an object');
    });

    test('list: every key under a folder, in lexical order, never a sibling that shares its name', async () => {
      const store = await target.make();
      for (const key of [
        'run-1/b.json',
        'run-1/a/z.json',
        'run-1/a/b.json',
        'run-10/x.json',
        'run-1.json',
        'run-2/y',
      ]) {
        await store.put(key, key);
      }
      const expected = ['run-1/a/b.json', 'run-1/a/z.json', 'run-1/b.json'];
      assert.deepEqual(await store.list('run-1'), expected);
      assert.deepEqual(await store.list('run-1/'), expected);
      assert.deepEqual(await store.list('/run-1//'), expected);
      assert.deepEqual(await store.list('run-1/a'), ['run-1/a/b.json', 'run-1/a/z.json']);
      assert.deepEqual(await store.list('run-3'), []);
      assert.deepEqual(await store.list('run-1/b.json'), [], 'an object is not a folder');
      // '.' sorts before '/', so run-1.json comes before run-1/...
      assert.deepEqual(await store.list(''), ['run-1.json', ...expected, 'run-10/x.json', 'run-2/y']);
    });

    test('list pages past what one answer of the service holds', async () => {
      const store = await target.make();
      const count = target.listPage * 2 + 1;
      const keys = Array.from({ length: count }, (_, i) => `many/${String(i).padStart(5, '0')}.json`);
      const folder = path.join(local, `many-${randomBytes(4).toString('hex')}`);
      await mkdir(folder);
      await Promise.all(keys.map((key) => writeFile(path.join(folder, path.basename(key)), key)));
      assert.equal(await store.uploadFolder(folder, 'many'), count);
      const before = target.listRequests?.() ?? 0;
      assert.deepEqual(await store.list('many'), keys);
      if (target.listRequests) assert.ok(target.listRequests() - before >= 3, 'the listing took at least three pages');
    });

    test('uploadFolder and downloadFolder copy nested folders, binary and empty files both ways', async () => {
      const store = await target.make();
      const source = path.join(local, `source-${randomBytes(4).toString('hex')}`);
      const tree: Record<string, Buffer> = {
        'metadata.json': Buffer.from('{"type": "model"}'),
        'data.pkl': BINARY,
        'empty.txt': Buffer.alloc(0),
        'nested/deeper/still/leaf.csv': Buffer.from('a,b\n1,2\n'),
        'nested/with space & ünï.txt': Buffer.from('names survive'),
      };
      for (const [file, content] of Object.entries(tree)) {
        await mkdir(path.dirname(path.join(source, file)), { recursive: true });
        await writeFile(path.join(source, file), content);
      }
      assert.equal(await store.uploadFolder(source, 'run-7/outputs/model/'), 5);
      assert.deepEqual(
        await store.list('run-7/outputs'),
        Object.keys(tree)
          .map((file) => `run-7/outputs/model/${file}`)
          .sort(),
      );
      const target_ = path.join(local, `target-${randomBytes(4).toString('hex')}`);
      await mkdir(target_);
      await writeFile(path.join(target_, 'data.pkl'), 'an older copy');
      assert.equal(await store.downloadFolder('run-7/outputs/model', target_), 5);
      const written = (await readdir(target_, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) =>
          path
            .relative(target_, path.join(entry.parentPath ?? entry.path, entry.name))
            .split(path.sep)
            .join('/'),
        )
        .sort();
      assert.deepEqual(written, Object.keys(tree).sort(), 'exactly the files, and no temporary file left');
      for (const [file, content] of Object.entries(tree)) {
        assert.ok(content.equals(await readFile(path.join(target_, file))), `${file} arrived intact`);
      }
      assert.equal(await store.downloadFolder('run-7/nothing-here', path.join(target_, 'none')), 0);
      // A local failure is reported as one, naming the local path, not as the store's answer.
      const blocked = path.join(local, `blocked-${randomBytes(4).toString('hex')}`);
      await mkdir(blocked);
      await writeFile(path.join(blocked, 'nested'), 'a file where a folder must go');
      await assert.rejects(store.downloadFolder('run-7/outputs/model', blocked), (error: NodeJS.ErrnoException) => {
        assert.match(String(error.code), /^(ENOTDIR|EEXIST)$/);
        assert.ok(String(error.path).startsWith(path.join(blocked, 'nested')), String(error));
        return true;
      });
      await assert.rejects(
        store.uploadFolder(path.join(local, 'no-such-folder'), 'x'),
        /Cannot upload .*no-such-folder: it is not a folder/,
      );
    });

    test('keys with ".." are refused before anything is sent or written', async () => {
      const store = await target.make();
      await assert.rejects(
        store.put('../escape.txt', 'x'),
        /Refused the key "\.\.\/escape\.txt": it leaves the store's root/,
      );
      await assert.rejects(store.put('run/../../escape.txt', 'x'), /leaves the store's root/);
      await assert.rejects(store.get('..\\escape.txt'), /leaves the store's root/);
      await assert.rejects(store.list('run/../..'), /leaves the store's root/);
      await assert.rejects(store.uploadFolder(local, '../up'), /leaves the store's root/);
      await assert.rejects(store.put('', 'x'), /is not an object key/);
      assert.throws(() => store.uri('../x'), /leaves the store's root/);
    });

    test('uri and keyOf are inverses under the root, and keyOf refuses what is elsewhere', async () => {
      const store = await target.make();
      assert.equal(store.keyOf(store.uri('run-1/outputs/model/data.pkl')), 'run-1/outputs/model/data.pkl');
      assert.equal(store.keyOf(`${store.root}/run-1/job.json`), 'run-1/job.json');
      assert.equal(store.uri(''), store.root);
      assert.equal(store.keyOf(`${store.root}-sibling/run-1/job.json`), undefined);
      assert.equal(store.keyOf(`${store.root}/../elsewhere/job.json`), undefined);
      assert.equal(store.keyOf('relative/job.json'), undefined);
    });

    test('an aborted signal stops a transfer', async () => {
      const store = await target.make();
      const aborted = AbortSignal.abort();
      await assert.rejects(store.put('run-1/x', 'x', aborted), { name: 'AbortError' });
      await assert.rejects(store.uploadFolder(local, 'up', aborted), { name: 'AbortError' });
    });

    if (target.plant) {
      test('a download refuses a listed key that would land outside the folder, and writes nothing', async () => {
        const store = await target.make();
        await store.put('run-9/outputs/fine.txt', 'fine');
        await target.plant!(store, 'run-9/outputs/../../../escaped.txt', 'planted');
        const into = path.join(local, `into-${randomBytes(4).toString('hex')}`);
        await assert.rejects(
          store.downloadFolder('run-9/outputs', into),
          /Refused the key .*escaped\.txt": it leaves the folder/,
        );
        await assert.rejects(readdir(into), { code: 'ENOENT' });
      });
    }

    if (target.denied) {
      const attempts: Record<StoreAccess, (store: ArtifactStore) => Promise<unknown>> = {
        read: (store) => store.get('run-1/job.json'),
        write: (store) => store.put('run-1/job.json', '{}'),
        list: (store) => store.list('run-1'),
      };
      for (const access of ['read', 'write', 'list'] as const) {
        test(`a refused ${access} names the permission it needs`, async () => {
          const root = await target.make();
          await root.put('run-1/job.json', '{"ok": true}');
          const { store, names } = await target.denied!(root, access);
          await assert.rejects(attempts[access](store), (error: Error) => {
            assert.match(error.message, /Permission denied/);
            assert.match(error.message, names);
            return true;
          });
        });
      }
    }
  });
}
