// The embedded orchestrator for one step: run request -> record (persisted first) -> image
// (built once per content hash) -> job file staged in the stack's artifact store -> submitted
// job -> followed logs and status -> outputs read back through the store -> final record.
// `follow` is also the reattach path: given a record whose job exists, it resumes from the
// record's log cursor, so nothing is lost or repeated; given one whose process died before the
// job was recorded, it looks the job up by run id (or says the run was abandoned).
import type { ArtifactStore } from '../artifacts/artifactStore';
import type { DockerClient } from '../images/dockerClient';
import type { RegistryCredentials } from '../images/registryAuth';
import type { StepImage } from '../images/stepImage';
import { type JobHandle, type JobStatus, type LogLine, type StepOperator, isTerminal } from '../operators/stepOperator';
import {
  type RunRecord,
  type RunState,
  currentDriver,
  isBeforeJob,
  isFinished,
  newRunId,
  withState,
} from '../runs/runRecord';
import type { RunStore } from '../runs/runStore';
import type { StackComponent } from '../stacks/model';
import { isDriverAlive } from './driverLiveness';
import { watchJobStatus } from './jobStatusWatch';
import { RecordKeeper } from './recordKeeper';
import { readOutputs, stageJob } from './runArtifacts';
import { buildRunImage } from './runImage';
import { type RuntimeStatus, decideOutcome, parseRuntimeStatus } from './runOutcome';

/** The most log lines stored and announced in one go (one task of the event loop). */
const LOG_SLICE_LINES = 2000;

export interface StepRunRequest {
  readonly projectRoot: string;
  /** Project-relative path of the step's file. */
  readonly file: string;
  readonly stepName: string;
  readonly stackName: string;
  readonly pipelineName?: string;
  readonly operator: StackComponent;
  /** The operator's config with the step's own settings merged over it (planRun merges them). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The stack's artifact store: the job file, inputs and outputs are staged through it. */
  readonly artifactStore: StackComponent;
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Parameter name -> URI of an upstream output folder in the artifact store. */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly baseImage: string;
  readonly requirementsFile?: string;
  /** Project-relative folder of wheels that pip installs requirements from, without an index. */
  readonly findLinks?: string;
  readonly registry?: {
    readonly uri: string;
    readonly credentials?: RegistryCredentials;
    /** Readies the repository before a push (ECR: created when missing). */
    readonly prepare?: (repository: string) => Promise<void>;
    /** What a failed push means on this registry, with the fix (Artifact Registry: create the repository). */
    readonly explainFailure?: (repository: string, message: string) => string | undefined;
  };
}

export type RunEvent =
  | { readonly type: 'state'; readonly record: RunRecord }
  | { readonly type: 'progress'; readonly message: string }
  /** What the backend says changed: its stage, message, console link. */
  | { readonly type: 'status'; readonly status: JobStatus }
  | { readonly type: 'logs'; readonly lines: readonly LogLine[] };

/** A component as a run record keeps it: secrets left out. */
export interface RecordedComponent {
  readonly name: string;
  readonly flavor: string;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface RunnerDependencies {
  readonly docker: () => Promise<DockerClient>;
  readonly store: RunStore;
  /** The operator that runs jobs for a component, staging through the run's artifact store. */
  readonly operatorFor: (
    component: RecordedComponent,
    artifacts: () => Promise<ArtifactStore>,
  ) => Promise<StepOperator>;
  /** The client of an artifact store component (secrets looked up by the caller). */
  readonly artifactStoreFor: (component: RecordedComponent) => Promise<ArtifactStore>;
  /** Non-secret part of a component's config, as records keep it. */
  readonly recordable: (component: StackComponent) => RecordedComponent;
  /** Folder holding the stepops_runtime package. */
  readonly runtimeRoot: string;
  /** Status polling interval while a job runs, for every operator (default: the operator's own, else 500 ms). */
  readonly pollMs?: number;
  /** How often a moving log cursor is written to the record. */
  readonly cursorSaveMs?: number;
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

export class StepRunner {
  /** Runs of this process that have no job yet (hashing, building, pushing, submitting): cancel aborts them. */
  private readonly starting = new Map<string, AbortController>();

  constructor(private readonly deps: RunnerDependencies) {}

  /** Starts a run and follows it to the end; the record is on disk before anything else happens. */
  async run(request: StepRunRequest, options: RunOptions = {}): Promise<RunRecord> {
    const id = newRunId(request.stepName);
    const keeper = new RecordKeeper(this.deps.store, await this.newRecord(id, request), announcer(options), 0);
    await keeper.transition('created');
    // Until a job exists, cancelling means aborting the build: by the caller's signal, or by
    // cancel(id) from this process (the Runs view, the CLI's Ctrl+C).
    const beforeJob = new AbortController();
    this.starting.set(id, beforeJob);
    const signal = options.signal ? AbortSignal.any([options.signal, beforeJob.signal]) : beforeJob.signal;
    try {
      const docker = await this.deps.docker();
      const image = await buildRunImage(
        docker,
        this.deps.runtimeRoot,
        request,
        { ...options, signal },
        async (state) => {
          if (keeper.current.state !== state) await keeper.transition(state);
        },
      );
      // A reused image takes no time to "build": honour a cancel that came meanwhile.
      signal.throwIfAborted();
      await keeper.transition('submitting', { image: summarize(image) });
      const artifacts = this.artifactsOf(keeper.current);
      const spec = await stageJob(keeper.current, request, image, await artifacts(), signal);
      const operator = await this.deps.operatorFor(operatorOfRecord(keeper.current), artifacts);
      const handle = await operator.submit(spec, signal);
      await keeper.transition('pending', { job: handle });
      // Another process may have asked to cancel while this one was still building.
      if (await this.deps.store.cancelRequested(id)) await operator.cancel(handle);
    } catch (error) {
      const cancelled = signal.aborted;
      return keeper.transition(cancelled ? 'cancelled' : 'failed', {
        failure: {
          stage: keeper.current.state,
          reason: cancelled ? 'Cancelled before the job started.' : describe(error),
        },
      });
    } finally {
      this.starting.delete(id);
    }
    return this.follow(keeper.current, options);
  }

  /**
   * Streams a job's logs from the record's cursor and waits for its end, reporting the backend's
   * stages as they change. Used right after submitting and to reattach. Aborting the signal stops
   * following, not the job.
   */
  async follow(initial: RunRecord, options: RunOptions = {}): Promise<RunRecord> {
    const recovered = await this.recover(initial);
    if (isFinished(recovered.state) || !recovered.job) return recovered;
    const handle = recovered.job;
    const keeper = new RecordKeeper(this.deps.store, recovered, announcer(options), this.deps.cursorSaveMs ?? 1000);
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    try {
      const operator = await this.deps.operatorFor(operatorOfRecord(recovered), this.artifactsOf(recovered));
      await this.deps.store.rewindLogs(recovered.id, recovered.logBytes ?? 0);
      // The job's end is said after its last lines: a short job's status poll can see it end
      // before the log tail has delivered what it printed, and "Completed" above the step's own
      // output reads as if the output came from somewhere else.
      let ended: JobStatus | undefined;
      const watching = watchJobStatus(operator, handle, {
        pollMs: this.deps.pollMs ?? operator.statusPollMs ?? 500,
        signal,
        onChange: (status) =>
          isTerminal(status.state) ? void (ended = status) : this.noteStatus(keeper, status, options),
      });
      watching.catch(() => stop.abort()); // the status cannot be read: stop reading logs too
      let runtime = recovered.runtime;
      for await (const batch of operator.logs(handle, recovered.logCursor, signal)) {
        // A big batch (a cloud tail's round of many pages) is stored and announced in slices,
        // each after an await, so that no single task holds the event loop for all of it. The
        // cursor moves once the whole batch is stored: a process cut off in between is rewound
        // to the last saved cursor on reattach (rewindLogs), so no line is lost or repeated.
        let logBytes = 0;
        for (let start = 0; start === 0 || start < batch.lines.length; start += LOG_SLICE_LINES) {
          const lines: LogLine[] = [];
          for (const line of batch.lines.slice(start, start + LOG_SLICE_LINES)) {
            const status = parseRuntimeStatus(line.text);
            if (status) runtime = status;
            else lines.push(line);
          }
          logBytes = await this.deps.store.appendLogs(recovered.id, lines);
          if (lines.length > 0) options.onEvent?.({ type: 'logs', lines });
        }
        keeper.update({ logCursor: batch.cursor, logBytes, ...(runtime ? { runtime } : {}) });
        if (keeper.current.state !== 'cancelling' && (await this.deps.store.cancelRequested(recovered.id))) {
          await keeper.transition('cancelling');
        }
      }
      await keeper.flush();
      const final = await watching;
      if (ended) await this.noteStatus(keeper, ended, options);
      if (options.signal?.aborted || !final) return keeper.current;
      return await this.finish(keeper, final, runtime);
    } catch (error) {
      await keeper.flush().catch(() => undefined);
      if (options.signal?.aborted) return keeper.current;
      return keeper.transition('failed', { failure: { stage: keeper.current.state, reason: describe(error) } });
    } finally {
      stop.abort();
    }
  }

  /**
   * A run left before its job was recorded, by a process that is gone, is not live: its job is
   * looked up by run id (the process may have died right after the backend accepted it), and
   * when there is none the run is recorded as abandoned.
   */
  async recover(record: RunRecord): Promise<RunRecord> {
    if (isFinished(record.state) || record.job || !isBeforeJob(record.state)) return record;
    if (this.starting.has(record.id) || isDriverAlive(record.driver)) return record;
    const keeper = new RecordKeeper(this.deps.store, record, () => undefined, 0);
    if (record.state === 'submitting') {
      const operator = await this.deps.operatorFor(operatorOfRecord(record), this.artifactsOf(record));
      const found = await operator.find(record.id);
      if (found) return keeper.transition('pending', { job: found });
    }
    const driver = record.driver ? `pid ${record.driver.pid} on ${record.driver.host}` : 'an earlier stepops';
    return keeper.transition('failed', {
      failure: {
        stage: record.state,
        kind: 'abandoned',
        reason: `Abandoned: the process that started this run (${driver}) ended while ${record.state}, before any job was submitted. Run the step again.`,
      },
    });
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
    const operator = await this.deps.operatorFor(operatorOfRecord(record), this.artifactsOf(record));
    await operator.cancel(record.job);
    return cancelling;
  }

  private async newRecord(id: string, request: StepRunRequest): Promise<RunRecord> {
    const store = this.deps.recordable(request.artifactStore);
    const client = await this.deps.artifactStoreFor(store);
    return {
      version: 1,
      id,
      step: { name: request.stepName, file: request.file, module: moduleOf(request.file), function: request.stepName },
      projectRoot: request.projectRoot,
      stack: request.stackName,
      ...(request.pipelineName ? { pipeline: request.pipelineName } : {}),
      operator: this.deps.recordable(request.operator),
      parameters: request.parameters ?? {},
      driver: currentDriver(),
      artifacts: { store, runUri: client.uri(id) },
      state: 'created',
      transitions: [],
    };
  }

  private async noteStatus(keeper: RecordKeeper, status: JobStatus, options: RunOptions): Promise<void> {
    const jobStatus = {
      ...(status.stage ? { stage: status.stage } : {}),
      ...(status.message ? { message: status.message } : {}),
      ...(status.consoleUrl ? { consoleUrl: status.consoleUrl } : {}),
      ...(status.warmStart ? { warmStart: status.warmStart } : {}),
      ...(status.startedAt ? { startedAt: status.startedAt } : {}),
      ...(status.endedAt ? { endedAt: status.endedAt } : {}),
    };
    const live: RunState | undefined =
      status.state === 'pending' ? 'pending' : status.state === 'running' ? 'running' : undefined;
    const current = keeper.current.state;
    if (live && live !== current && (current === 'pending' || current === 'running')) {
      await keeper.transition(live, { jobStatus });
    } else {
      await keeper.note({ jobStatus });
    }
    options.onEvent?.({ type: 'status', status });
  }

  private async finish(keeper: RecordKeeper, final: JobStatus, runtime: RuntimeStatus | undefined): Promise<RunRecord> {
    const record = keeper.current;
    const outcome = decideOutcome(final, runtime, await this.deps.store.cancelRequested(record.id));
    const outputs =
      outcome.state === 'succeeded' ? await readOutputs(await this.artifactsOf(record)(), record) : undefined;
    return keeper.transition(outcome.state, {
      ...(final.exitCode !== undefined ? { exitCode: final.exitCode } : {}),
      ...(outputs ? { outputs } : {}),
      ...(outcome.failure ? { failure: outcome.failure } : {}),
    });
  }

  /** The run's artifact store client, made once and only when needed. */
  private artifactsOf(record: RunRecord): () => Promise<ArtifactStore> {
    let client: Promise<ArtifactStore> | undefined;
    return () => {
      if (!record.artifacts) {
        return Promise.reject(new Error(`Run ${record.id} was recorded without an artifact store.`));
      }
      return (client ??= this.deps.artifactStoreFor(record.artifacts.store));
    };
  }
}

/**
 * The operator as it was when the job was submitted: the handle's snapshot of its config, else
 * the record's (runs recorded by older versions have neither: an empty config).
 */
function operatorOfRecord(record: RunRecord): RecordedComponent {
  const job = record.job as (JobHandle & { config?: Readonly<Record<string, unknown>> }) | undefined;
  return {
    name: record.operator.name,
    flavor: record.operator.flavor,
    config: job?.config ?? (record.operator as Partial<RecordedComponent>).config ?? {},
  };
}

function announcer(options: RunOptions): (record: RunRecord) => void {
  return (record) => options.onEvent?.({ type: 'state', record });
}

function summarize(image: StepImage): NonNullable<RunRecord['image']> {
  return {
    reference: image.reference,
    hash: image.hash,
    built: image.built,
    pushed: image.pushed,
    ...(image.daemonless ? { daemonless: true } : {}),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
