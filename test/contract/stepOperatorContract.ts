// The contract every StepOperator passes, whatever runs its jobs (the local engine, a cloud
// emulator that runs the image for real): submit then status through the stages to an outcome;
// logs resumed from any saved cursor with nothing lost or repeated; cancel; the job found by run
// id after a crash between the backend accepting it and the handle being saved; a retried
// submit creating no second job. Each backend's test file calls `stepOperatorContract` with a
// harness that knows how to make its operator and stage a job in its artifact store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ArtifactStore, runKeys } from '../../src/core/artifacts/artifactStore';
import { componentBackend } from '../../src/core/clouds';
import type { DockerClient } from '../../src/core/images/dockerClient';
import type { SecretLookup } from '../../src/core/stacks/connectionChecks/connectionCheck';
import {
  type JobHandle,
  type JobSpec,
  type JobStatus,
  type LogBatch,
  type LogLine,
  type StepOperator,
  isTerminal,
} from '../../src/core/operators/stepOperator';

/** Steps of test/contract/project (contract_steps.py). */
export type ContractStep = 'count' | 'fails' | 'sleeps';

export interface ContractHarness {
  readonly operator: () => Promise<StepOperator>;
  readonly store: ArtifactStore;
  /** A job for one of the contract steps, its job file staged in the store. */
  readonly job: (step: ContractStep, parameters: Record<string, unknown>) => Promise<JobSpec>;
  /** How many jobs the backend holds for a run id (to prove a retry made no second one). */
  readonly jobsFor: (runId: string) => Promise<number>;
  /** How often to poll the status. */
  readonly pollMs: number;
  /** The longest a job may take to reach an outcome here. */
  readonly deadlineMs: number;
}

let sequence = 0;
/** A run id as the orchestrator makes them, unique per test. */
export function contractRunId(step: string): string {
  sequence += 1;
  return `20261201-000000000-${step}-c${process.pid.toString(16)}${sequence}`;
}

export function stepOperatorContract(backend: string, harness: () => ContractHarness): void {
  test(`${backend}: submit, then status through its stages to succeeded, the outputs in the store`, async () => {
    const h = harness();
    const operator = await h.operator();
    const job = await h.job('count', { lines: 5 });
    const handle = await operator.submit(job, new AbortController().signal);
    assert.equal(handle.version, 2);
    const seen = await statesUntilEnd(operator, handle, h);
    const final = seen.at(-1)!;
    assert.equal(final.state, 'succeeded', JSON.stringify(final));
    assert.ok(
      seen.every((s, i) => i === 0 || rank(s.state) >= rank(seen[i - 1]!.state)),
      `states only move forward: ${seen.map((s) => s.state).join(' -> ')}`,
    );
    assert.ok(final.startedAt && final.endedAt, `start and end times: ${JSON.stringify(final)}`);
    assert.ok(Date.parse(final.endedAt!) >= Date.parse(final.startedAt!));
    const lines = await allLines(operator, handle);
    assert.deepEqual(
      lines.filter((l) => l.startsWith('count ')),
      ['count 0', 'count 1', 'count 2', 'count 3', 'count 4'],
    );
    assert.match(lines.at(-1) ?? '', /^STEPOPS_STATUS \{.*"status": "succeeded"/);
    // Where the job's outputs are: the handle says when the platform lays them out itself.
    const outputs = h.store.keyOf(handle.outputs ?? job.outputs);
    assert.ok(outputs !== undefined, `the outputs are in the store: ${handle.outputs ?? job.outputs}`);
    const keys = await h.store.list(outputs);
    assert.ok(keys.includes(`${outputs}/output/metadata.json`), keys.join(', '));
  });

  test(`${backend}: a failing step ends failed, with the reason and its kind`, async () => {
    const h = harness();
    const operator = await h.operator();
    const handle = await operator.submit(await h.job('fails', {}), new AbortController().signal);
    const final = (await statesUntilEnd(operator, handle, h)).at(-1)!;
    assert.equal(final.state, 'failed');
    assert.ok(final.failureReason, 'a failure says why');
    assert.ok(final.failureKind, 'and who is to act on it');
    assert.ok((await allLines(operator, handle)).includes('ValueError: contract failure'));
  });

  test(`${backend}: logs resume from any saved cursor with nothing lost or repeated`, async () => {
    const h = harness();
    const operator = await h.operator();
    const handle = await operator.submit(
      await h.job('count', { lines: 120, pause: 0.05 }),
      new AbortController().signal,
    );
    const batches: LogBatch[] = [];
    for await (const batch of operator.logs(handle)) batches.push(batch);
    const everything = batches.flatMap((b) => b.lines.map(text));
    assert.ok(batches.length > 1, 'a long log arrives in several batches');
    for (const index of new Set([0, Math.floor(batches.length / 2), batches.length - 2].filter((i) => i >= 0))) {
      const before = batches.slice(0, index + 1).flatMap((b) => b.lines.map(text));
      const after: string[] = [];
      for await (const batch of operator.logs(handle, batches[index]!.cursor)) after.push(...batch.lines.map(text));
      assert.deepEqual([...before, ...after], everything, `resumed after batch ${index} of ${batches.length}`);
    }
  });

  test(`${backend}: cancel stops a running job, which ends cancelled`, async () => {
    const h = harness();
    const operator = await h.operator();
    const handle = await operator.submit(await h.job('sleeps', { seconds: 120 }), new AbortController().signal);
    await waitFor(operator, handle, h, (s) => s.state === 'running');
    const asked = Date.now();
    await operator.cancel(handle);
    const final = (await statesUntilEnd(operator, handle, h)).at(-1)!;
    assert.equal(final.state, 'cancelled', JSON.stringify(final));
    assert.ok(Date.now() - asked < h.deadlineMs);
    await operator.cancel(handle); // cancelling an ended job is not an error
  });

  test(`${backend}: after a crash between accept and save, the job is found by run id`, async () => {
    const h = harness();
    const job = await h.job('count', { lines: 3 });
    const submitted = await (await h.operator()).submit(job, new AbortController().signal);
    // The process dies here: the handle was never saved. A new process has only the run id.
    const operator = await h.operator();
    const found = await operator.find(job.runId);
    assert.ok(found, 'the job is found by its run id');
    assert.equal(found.jobId, submitted.jobId);
    assert.equal((await statesUntilEnd(operator, found, h)).at(-1)?.state, 'succeeded');
    assert.equal(await operator.find(contractRunId('never-submitted')), undefined);
  });

  test(`${backend}: a retried submit returns the existing job instead of making a second one`, async () => {
    const h = harness();
    const operator = await h.operator();
    const job = await h.job('count', { lines: 2 });
    const first = await operator.submit(job, new AbortController().signal);
    const retried = await (await h.operator()).submit(job, new AbortController().signal);
    assert.equal(retried.jobId, first.jobId);
    assert.equal(await h.jobsFor(job.runId), 1);
    assert.equal((await statesUntilEnd(operator, first, h)).at(-1)?.state, 'succeeded');
  });
}

function text(line: LogLine): string {
  return line.text;
}

function rank(state: JobStatus['state']): number {
  return ['pending', 'running', 'cancelling', 'succeeded', 'failed', 'cancelled'].indexOf(state) >= 3
    ? 3
    : ['pending', 'running', 'cancelling'].indexOf(state);
}

async function allLines(operator: StepOperator, handle: JobHandle): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of operator.logs(handle)) lines.push(...batch.lines.map(text));
  return lines;
}

/** Every distinct status until the job ends. */
async function statesUntilEnd(operator: StepOperator, handle: JobHandle, h: ContractHarness): Promise<JobStatus[]> {
  const seen: JobStatus[] = [];
  await waitFor(operator, handle, h, (status) => {
    if (seen.at(-1)?.state !== status.state || seen.at(-1)?.stage !== status.stage) seen.push(status);
    return isTerminal(status.state);
  });
  return seen;
}

async function waitFor(
  operator: StepOperator,
  handle: JobHandle,
  h: ContractHarness,
  done: (status: JobStatus) => boolean,
): Promise<JobStatus> {
  const deadline = Date.now() + h.deadlineMs;
  for (;;) {
    const status = await operator.status(handle);
    if (done(status)) return status;
    if (Date.now() > deadline) assert.fail(`no such status within ${h.deadlineMs} ms; last: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, h.pollMs));
  }
}

/**
 * A contract step's job as a cloud operator gets it: its job file put in the store, the JobSpec
 * naming it, the outputs folder and the pushed image by URI and digest.
 */
export async function stageContractJob(
  store: ArtifactStore,
  image: { readonly reference: string; readonly digest?: string },
  settings: Readonly<Record<string, unknown>>,
  step: ContractStep,
  parameters: Record<string, unknown>,
): Promise<JobSpec> {
  const runId = contractRunId(step);
  await store.put(
    runKeys.jobFile(runId),
    JSON.stringify({ module: 'contract.contract_steps', function: step, parameters }),
  );
  return {
    runId,
    stepName: step,
    image: image.reference,
    ...(image.digest ? { imageDigest: image.digest } : {}),
    jobFile: store.uri(runKeys.jobFile(runId)),
    inputs: {},
    outputs: store.uri(runKeys.outputs(runId)),
    environment: { STEPOPS_RUN_ID: runId },
    settings,
  };
}

export interface CloudHarnessParts {
  /** The step operator flavor, made by its backend's own factory. */
  readonly flavor: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly store: ArtifactStore;
  readonly image: { readonly reference: string; readonly digest?: string };
  readonly docker: DockerClient;
  readonly stagingRoot: string;
  readonly jobsFor: (runId: string) => Promise<number>;
  /** The operator component's secret fields (a service principal's secret); none by default. */
  readonly secret?: SecretLookup;
}

/** The harness for a cloud operator on its emulator: jobs staged in the store, the image pushed. */
export function cloudOperatorHarness(parts: CloudHarnessParts): ContractHarness {
  return {
    operator: () =>
      componentBackend('step_operator', parts.flavor)!.operator!(parts.config, {
        docker: async () => parts.docker,
        secret: parts.secret ?? (async () => undefined),
        store: async () => parts.store,
        stagingRoot: parts.stagingRoot,
      }),
    store: parts.store,
    job: (step, parameters) => stageContractJob(parts.store, parts.image, parts.config, step, parameters),
    jobsFor: parts.jobsFor,
    pollMs: 200,
    deadlineMs: 90_000,
  };
}
