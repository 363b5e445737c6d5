// The embedded orchestrator for one step: run request -> record (persisted first) -> image
// (built once per content hash) -> submitted job -> followed logs and status -> outputs ->
// final record. `follow` is also the reattach path: given a record whose job is running, it
// resumes from the record's log cursor, so nothing is lost or repeated.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DockerClient } from '../images/dockerClient';
import type { RegistryCredentials } from '../images/registryAuth';
import { type StepImage, ensureStepImage } from '../images/stepImage';
import { type JobStatus, type LogLine, type StepOperator, isTerminal } from '../operators/stepOperator';
import type { StackComponent } from '../stacks/model';
import { type OutputMetadata, type RunRecord, type RunState, isFinished, newRunId, withState } from '../runs/runRecord';
import type { RunStore } from '../runs/runStore';

/** Where run folders are mounted inside local containers. */
export const CONTAINER_ARTIFACTS = '/stepops/artifacts';

export interface StepRunRequest {
  readonly projectRoot: string;
  /** Project-relative path of the step's file. */
  readonly file: string;
  readonly stepName: string;
  readonly stackName: string;
  readonly operator: StackComponent;
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Parameter name -> a host folder holding an upstream output (artifact). */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly baseImage: string;
  readonly requirementsFile?: string;
  /** Project-relative folder of wheels that pip installs requirements from, without an index. */
  readonly findLinks?: string;
  readonly registry?: { readonly uri: string; readonly credentials?: RegistryCredentials };
}

export type RunEvent =
  | { readonly type: 'state'; readonly record: RunRecord }
  | { readonly type: 'progress'; readonly message: string }
  | { readonly type: 'logs'; readonly lines: readonly LogLine[] };

export interface RunnerDependencies {
  readonly docker: () => Promise<DockerClient>;
  readonly store: RunStore;
  /** The operator that runs jobs for a component. */
  readonly operatorFor: (component: StackComponent) => Promise<StepOperator>;
  /** Host folder under which each run gets RUN_ID/ (job file and outputs). */
  readonly artifactRoot: string;
  /** Folder holding the stepops_runtime package. */
  readonly runtimeRoot: string;
  /** Status polling interval once the log stream has ended. */
  readonly pollMs?: number;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: RunEvent) => void;
}

export function moduleOf(file: string): string {
  const withoutExtension = file.replace(/\\/g, '/').replace(/\.py$/, '');
  return withoutExtension
    .replace(/\/__init__$/, '')
    .split('/')
    .join('.');
}

/** The runtime's last stdout line (runtime/stepops_runtime/__main__.py). */
const RUNTIME_STATUS_PREFIX = 'STEPOPS_STATUS ';

export class StepRunner {
  /** Runs of this process that have no job yet (hashing, building, pushing, submitting): cancel aborts them. */
  private readonly starting = new Map<string, AbortController>();

  constructor(private readonly deps: RunnerDependencies) {}

  /** Starts a run and follows it to the end; the record is on disk before anything else happens. */
  async run(request: StepRunRequest, options: RunOptions = {}): Promise<RunRecord> {
    const id = newRunId(request.stepName);
    let record: RunRecord = withState(
      {
        version: 1,
        id,
        step: {
          name: request.stepName,
          file: request.file,
          module: moduleOf(request.file),
          function: request.stepName,
        },
        projectRoot: request.projectRoot,
        stack: request.stackName,
        operator: { name: request.operator.name, flavor: request.operator.flavor },
        parameters: request.parameters ?? {},
        state: 'created',
        transitions: [],
      },
      'created',
    );
    const save = async (next: RunRecord): Promise<RunRecord> => {
      await this.deps.store.save(next);
      options.onEvent?.({ type: 'state', record: next });
      return next;
    };
    record = await save(record);
    // Until a job exists, cancelling means aborting the build: by the caller's signal, or by
    // cancel(id) from this process (the Runs view, the CLI's Ctrl+C).
    const beforeJob = new AbortController();
    this.starting.set(id, beforeJob);
    const signal = options.signal ? AbortSignal.any([options.signal, beforeJob.signal]) : beforeJob.signal;
    try {
      const docker = await this.deps.docker();
      const image = await this.buildImage(docker, request, { ...options, signal }, async (state) => {
        if (record.state !== state) record = await save(withState(record, state));
      });
      // A reused image takes no time to "build": honour a cancel that came meanwhile.
      signal.throwIfAborted();
      record = await save(withState(record, 'submitting', { image: summarize(image) }));
      const runFolder = path.join(this.deps.artifactRoot, id);
      await mkdir(path.join(runFolder, 'outputs'), { recursive: true });
      await writeFile(
        path.join(runFolder, 'job.json'),
        JSON.stringify({
          module: record.step.module,
          function: record.step.function,
          parameters: request.parameters ?? {},
          inputs: Object.fromEntries(
            Object.entries(request.inputs ?? {}).map(([name, folder]) => [name, this.containerPath(folder)]),
          ),
          outputs: `${CONTAINER_ARTIFACTS}/${id}/outputs`,
        }),
      );
      const operator = await this.deps.operatorFor(request.operator);
      const handle = await operator.submit(
        {
          runId: id,
          stepName: request.stepName,
          image: image.reference,
          command: ['--job', `${CONTAINER_ARTIFACTS}/${id}/job.json`],
          environment: { STEPOPS_RUN_ID: id },
          settings: request.operator.config,
          volumes: [{ hostPath: this.deps.artifactRoot, containerPath: CONTAINER_ARTIFACTS }],
        },
        signal,
      );
      record = await save(withState(record, 'running', { job: handle }));
      // Another process may have asked to cancel while this one was still building.
      if (await this.deps.store.cancelRequested(id)) await operator.cancel(handle);
    } catch (error) {
      return save(
        withState(record, signal.aborted ? 'cancelled' : 'failed', {
          failure: {
            stage: record.state,
            reason: signal.aborted ? 'Cancelled before the job started.' : describe(error),
          },
        }),
      );
    } finally {
      this.starting.delete(id);
    }
    return this.follow(record, options);
  }

  /**
   * Streams a running job's logs from the record's cursor and waits for its end. Used right
   * after submitting and to reattach. Aborting the signal stops following, not the job.
   */
  async follow(initial: RunRecord, options: RunOptions = {}): Promise<RunRecord> {
    let record = initial;
    if (isFinished(record.state) || !record.job) return record;
    const operator = await this.deps.operatorFor({
      name: record.operator.name,
      type: 'step_operator',
      flavor: record.operator.flavor,
      config: {},
    });
    const handle = record.job;
    const save = async (next: RunRecord): Promise<RunRecord> => {
      await this.deps.store.save(next);
      options.onEvent?.({ type: 'state', record: next });
      return next;
    };
    await this.deps.store.rewindLogs(record.id, record.logBytes ?? 0);
    try {
      for await (const batch of operator.logs(handle, record.logCursor, options.signal)) {
        // The runtime's closing status line is for stepops, not for the reader: it stays out of
        // the log and the events (the outcome comes from the job's status and outputs).
        const lines = batch.lines.filter((line) => !line.text.startsWith(RUNTIME_STATUS_PREFIX));
        const logBytes = await this.deps.store.appendLogs(record.id, lines);
        record = { ...record, logCursor: batch.cursor, logBytes };
        if (record.state !== 'cancelling' && (await this.deps.store.cancelRequested(record.id))) {
          record = await save(withState(record, 'cancelling'));
        } else {
          await this.deps.store.save(record);
        }
        if (lines.length > 0) options.onEvent?.({ type: 'logs', lines });
      }
      if (options.signal?.aborted) return record;
      let status: JobStatus = await operator.status(handle);
      while (!isTerminal(status.state)) {
        await new Promise((resolve) => setTimeout(resolve, this.deps.pollMs ?? 500));
        if (options.signal?.aborted) return record;
        status = await operator.status(handle);
      }
      // This or another window or process may have asked to cancel: the marker says so.
      const cancelled = status.state === 'cancelled' || (await this.deps.store.cancelRequested(record.id));
      const outcome: RunState = cancelled ? 'cancelled' : status.state === 'succeeded' ? 'succeeded' : 'failed';
      const outputs = outcome === 'succeeded' ? await this.readOutputs(record.id) : undefined;
      return save(
        withState(record, outcome, {
          ...(status.exitCode !== undefined ? { exitCode: status.exitCode } : {}),
          ...(outputs ? { outputs } : {}),
          ...(outcome === 'failed'
            ? { failure: { stage: 'running' as RunState, reason: status.failureReason ?? status.backendStatus } }
            : {}),
        }),
      );
    } catch (error) {
      if (options.signal?.aborted) return record;
      return save(withState(record, 'failed', { failure: { stage: record.state, reason: describe(error) } }));
    }
  }

  /** Records the request and stops the job; a follower (here or elsewhere) records the end. */
  async cancel(id: string): Promise<RunRecord | undefined> {
    const record = await this.deps.store.get(id);
    if (!record || isFinished(record.state)) return record;
    await this.deps.store.requestCancel(id);
    if (!record.job) {
      // Still starting: abort it here, or leave the marker for the process that runs it.
      this.starting.get(id)?.abort();
      return record;
    }
    const cancelling = withState(record, 'cancelling');
    await this.deps.store.save(cancelling);
    const operator = await this.deps.operatorFor({
      name: record.operator.name,
      type: 'step_operator',
      flavor: record.operator.flavor,
      config: {},
    });
    await operator.cancel(record.job);
    return cancelling;
  }

  private async buildImage(
    docker: DockerClient,
    request: StepRunRequest,
    options: RunOptions,
    enter: (state: RunState) => Promise<void>,
  ): Promise<StepImage> {
    await enter('hashing');
    let phase: RunState = 'hashing';
    const transitions: Promise<void>[] = [];
    const image = await ensureStepImage(docker, {
      projectRoot: request.projectRoot,
      runtimeRoot: this.deps.runtimeRoot,
      baseImage: request.baseImage,
      ...(request.requirementsFile ? { requirementsFile: request.requirementsFile } : {}),
      ...(request.findLinks ? { findLinks: request.findLinks } : {}),
      repository:
        path
          .basename(request.projectRoot)
          .toLowerCase()
          .replace(/[^a-z0-9._-]/g, '-') || 'project',
      ...(request.registry ? { registry: request.registry.uri } : {}),
      ...(request.registry?.credentials ? { credentials: request.registry.credentials } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (progress) => {
        const next: RunState | undefined =
          progress.phase === 'build' ? 'building' : progress.phase === 'push' ? 'pushing' : undefined;
        if (next && next !== phase) {
          phase = next;
          transitions.push(enter(next));
        }
        options.onEvent?.({ type: 'progress', message: progress.message });
      },
    });
    await Promise.all(transitions);
    return image;
  }

  private containerPath(hostFolder: string): string {
    const relative = path.relative(this.deps.artifactRoot, hostFolder);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new Error(`input ${hostFolder} is not inside the artifact store ${this.deps.artifactRoot}`);
    }
    return `${CONTAINER_ARTIFACTS}/${relative.split(path.sep).join('/')}`;
  }

  private async readOutputs(id: string): Promise<Record<string, OutputMetadata>> {
    const folder = path.join(this.deps.artifactRoot, id, 'outputs');
    const outputs: Record<string, OutputMetadata> = {};
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const text = await readFile(path.join(folder, name, 'metadata.json'), 'utf8').catch(() => undefined);
      if (text) outputs[name] = JSON.parse(text) as OutputMetadata;
    }
    return outputs;
  }
}

function summarize(image: StepImage): NonNullable<RunRecord['image']> {
  return { reference: image.reference, hash: image.hash, built: image.built, pushed: image.pushed };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
