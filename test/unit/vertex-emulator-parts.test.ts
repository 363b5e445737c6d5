// The Vertex emulator's parts that need no engine: the model read from the shipped .proto files,
// the filter syntax both Google fakes share and what each makes of it, Google's timestamps, the
// $(VAR) expansion of container env, the response field masks of Google's front end, and the /gcs
// copy's sync back into the GCS fake.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { FilterSyntaxError, parseFilter } from '../fakes/gcp/filterSyntax';
import { type GcsObjectStore, GcsMount } from '../fakes/gcp/gcsMount';
import { FieldMaskError, applyFieldMask, parseFieldMask } from '../fakes/gcp/googleFieldMask';
import { formatTimestamp, parseTimestamp } from '../fakes/gcp/googleTime';
import { compileLoggingFilter } from '../fakes/gcp/loggingFilter';
import { V1, jsonToMessage, messageType, missingRequired } from '../fakes/gcp/protoModel';
import { expandReferences } from '../fakes/gcp/vertexReplicas';

test('REQUIRED comes from the .proto files, also where a field is both REQUIRED and IMMUTABLE', () => {
  // protos.json keeps only IMMUTABLE for these two; the .proto says REQUIRED too.
  assert.deepEqual(missingRequired(messageType(`${V1}.DedicatedResources`), {}), ['machine_spec', 'min_replica_count']);
  const read = jsonToMessage(
    messageType(`${V1}.CustomJob`),
    { displayName: 'x', jobSpec: { workerPoolSpecs: [{ replicaCount: 1, containerSpec: { env: [{ name: 'A' }] } }] } },
    'custom_job',
  );
  assert.deepEqual(read.errors, []);
  assert.deepEqual(missingRequired(messageType(`${V1}.CustomJob`), read.message), [
    'job_spec.worker_pool_specs[0].container_spec.image_uri',
    'job_spec.worker_pool_specs[0].container_spec.env[0].value',
  ]);
});

test('a body is read as proto3 JSON: canonical enums and int64, defaults and OUTPUT_ONLY fields dropped', () => {
  const read = jsonToMessage(
    messageType(`${V1}.CustomJob`),
    {
      display_name: 'snake case is a proto name',
      state: 'JOB_STATE_RUNNING',
      webAccessUris: {},
      jobSpec: { workerPoolSpecs: [{ replicaCount: 2, machineSpec: { acceleratorType: 5, acceleratorCount: 0 } }] },
    },
    'custom_job',
  );
  assert.deepEqual(read.message, {
    displayName: 'snake case is a proto name',
    jobSpec: { workerPoolSpecs: [{ replicaCount: '2', machineSpec: { acceleratorType: 'NVIDIA_TESLA_T4' } }] },
  });
  const bad = jsonToMessage(
    messageType(`${V1}.CustomJob`),
    { jobSpec: { scheduling: { timeout: 3600 } } },
    'custom_job',
  );
  assert.deepEqual(
    bad.errors.map((e) => e.description),
    [`Invalid value at 'custom_job.job_spec.scheduling.timeout' (type.googleapis.com/google.protobuf.Duration), 3600`],
  );
});

test('filters: OR binds tighter than AND, a space is AND, and errors say where', () => {
  assert.deepEqual(parseFilter('a=1 AND b=2 OR c=3'), {
    kind: 'and',
    terms: [
      { kind: 'compare', member: ['a'], op: '=', value: '1', quoted: false },
      {
        kind: 'or',
        terms: [
          { kind: 'compare', member: ['b'], op: '=', value: '2', quoted: false },
          { kind: 'compare', member: ['c'], op: '=', value: '3', quoted: false },
        ],
      },
    ],
  });
  assert.equal(parseFilter('  '), undefined);
  assert.throws(
    () => parseFilter('a="b" AND (c=d'),
    (e: unknown) => e instanceof FilterSyntaxError && /expected '\)'/.test(e.message),
  );
  assert.throws(() => parseFilter('labels.x="y'), /unterminated string/);
});

test('Cloud Logging filters compare times to the nanosecond, severities by level and quoted label keys', () => {
  const entry = (timestamp: string, severity: string) => ({
    json: { severity, labels: { 'ml.googleapis.com/x': 'y' }, resource: { type: 'ml_job', labels: { job_id: '7' } } },
    timestampNs: parseTimestamp(timestamp)!,
    receiveNs: parseTimestamp(timestamp)!,
  });
  const early = entry('2026-01-01T00:00:00.000000001Z', 'INFO');
  const late = entry('2026-01-01T00:00:00.000000002Z', 'ERROR');
  const after = compileLoggingFilter(
    'resource.type="ml_job"\nresource.labels.job_id="7" timestamp>"2026-01-01T00:00:00.000000001Z"',
  );
  assert.deepEqual([after(early), after(late)], [false, true]);
  assert.deepEqual(
    [compileLoggingFilter('severity>=WARNING')(early), compileLoggingFilter('severity>=WARNING')(late)],
    [false, true],
  );
  assert.equal(compileLoggingFilter('labels."ml.googleapis.com/x"="y"')(early), true);
  assert.throws(() => compileLoggingFilter('jobId="7"'), /"jobId" is not a field of LogEntry/);
  assert.throws(() => compileLoggingFilter('timestamp:"2026"'), /does not take the : operator/);
});

test("timestamps keep Google's 0, 3, 6 or 9 fractional digits", () => {
  assert.equal(formatTimestamp(parseTimestamp('2026-05-01T10:00:00Z')!), '2026-05-01T10:00:00Z');
  assert.equal(formatTimestamp(parseTimestamp('2026-05-01T10:00:00.5Z')!), '2026-05-01T10:00:00.500Z');
  assert.equal(formatTimestamp(parseTimestamp('2026-05-01T12:00:00.1234+02:00')!), '2026-05-01T10:00:00.123400Z');
  assert.equal(formatTimestamp(parseTimestamp('2026-05-01T10:00:00.123456789Z')!), '2026-05-01T10:00:00.123456789Z');
  assert.equal(parseTimestamp('2026-05-01 10:00:00Z'), undefined);
});

test('a response field mask keeps the fields it names, by JSON or proto name, and refuses a path the message lacks', () => {
  const job = messageType(`${V1}.CustomJob`);
  const answer = {
    name: 'projects/p/locations/r/customJobs/1',
    displayName: 'x',
    labels: { run_id: 'a' },
    jobSpec: {
      workerPoolSpecs: [
        { replicaCount: '1', machineSpec: { machineType: 'n1-standard-4', acceleratorCount: 1 } },
        { replicaCount: '2', machineSpec: { machineType: 'n1-standard-8' } },
      ],
      serviceAccount: 'sa',
    },
  };
  const keep = (mask: string) => applyFieldMask(answer, parseFieldMask(mask, job));
  assert.deepEqual(keep('name,job_spec(worker_pool_specs.machineSpec.machineType),labels'), {
    name: answer.name,
    labels: answer.labels,
    jobSpec: {
      workerPoolSpecs: [
        { machineSpec: { machineType: 'n1-standard-4' } },
        { machineSpec: { machineType: 'n1-standard-8' } },
      ],
    },
  });
  // Two paths into one message are merged; '*' anywhere keeps the whole message there.
  assert.deepEqual(keep('jobSpec.serviceAccount,jobSpec.workerPoolSpecs(replicaCount)'), {
    jobSpec: { workerPoolSpecs: [{ replicaCount: '1' }, { replicaCount: '2' }], serviceAccount: 'sa' },
  });
  assert.deepEqual(keep('jobSpec(*),name'), { name: answer.name, jobSpec: answer.jobSpec });
  assert.deepEqual(keep('*'), answer);
  assert.throws(
    () => parseFieldMask('jobSpec.workerPool', job),
    (e: Error) =>
      e instanceof FieldMaskError && /"jobSpec\.workerPool": CustomJobSpec has no field "workerPool"/.test(e.message),
  );
  assert.throws(() => parseFieldMask('labels.run_id', job), /"labels": it has no subfields to select/);
  assert.throws(() => parseFieldMask('createTime.seconds', job), /"createTime": it has no subfields to select/);
  assert.throws(() => parseFieldMask('jobSpec(serviceAccount', job), /"\)" expected/);
  assert.throws(() => parseFieldMask('name,', job), /a field name was expected/);
});

test('container env: $(VAR) expands variables defined before it, $$ escapes, unknown references stay', () => {
  assert.equal(expandReferences('$(A)/x $$(A) $(NOPE)', { A: 'gs://b' }), 'gs://b/x $(A) $(NOPE)');
});

test('/gcs: objects become files, and after the job new and changed files become objects and removed ones go', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'stepops-gcs-mount-'));
  const objects = new Map<string, Buffer>([
    ['data/in/a.txt', Buffer.from('a')],
    ['data/in/b.txt', Buffer.from('b')],
    ['data/folder/', Buffer.alloc(0)],
    ['data/bad//name', Buffer.from('hidden')],
    ['other/x', Buffer.from('not a bucket of this store')],
  ]);
  const store: GcsObjectStore = {
    bucketNames: ['data', 'empty'],
    objects,
    put: (bucket, name, content) => objects.set(`${bucket}/${name}`, content),
    remove: (bucket, name) => objects.delete(`${bucket}/${name}`),
  };
  try {
    const mount = new GcsMount(path.join(root, 'gcs'));
    await mount.materialize(store);
    assert.equal(await readFile(path.join(root, 'gcs', 'data', 'in', 'a.txt'), 'utf8'), 'a');
    await writeFile(path.join(root, 'gcs', 'data', 'in', 'a.txt'), 'changed');
    await unlink(path.join(root, 'gcs', 'data', 'in', 'b.txt'));
    await writeFile(path.join(root, 'gcs', 'empty', 'new.txt'), 'new');
    assert.deepEqual(await mount.syncBack(store), {
      written: ['data/in/a.txt', 'empty/new.txt'],
      deleted: ['data/in/b.txt'],
    });
    assert.deepEqual([...objects.keys()].sort(), [
      'data/bad//name',
      'data/folder/',
      'data/in/a.txt',
      'empty/new.txt',
      'other/x',
    ]);
    assert.equal(objects.get('data/in/a.txt')?.toString(), 'changed');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
