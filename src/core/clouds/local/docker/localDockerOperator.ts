// The local Docker step operator: the step's container on this machine's engine. It implements
// the same contract as the cloud operators, so the orchestrator, reattach and the views treat a
// local run like any other job.
//
// Its data channel is the host's file system. With a local folder store the store itself is
// mounted; with a bucket store (S3, GCS, Blob) the job file and inputs are downloaded into a
// staging folder that is mounted instead, and the outputs are uploaded to the store when the
// container has exited, the way SageMaker uploads /opt/ml/model (status reports that stage).
import type { DockerClient } from '../../../images/dockerClient';
import type {
  JobHandle,
  JobSpec,
  JobState,
  JobStatus,
  LogBatch,
  LogCursor,
  OperatorContext,
  StepOperator,
} from '../../../operators/stepOperator';
import { runtimeArguments } from '../../../operators/stepOperator';
import { LOCAL_OPERATOR_FLAVOR } from '../../../stacks/model';
import {
  DockerLogDecoder,
  ResumePoint,
  type TimedLine,
  advance,
  formatCursor,
  lineBatches,
  parseCursor,
} from './dockerLogStream';
import { type StagedJob, StagingArea } from './localStaging';

export interface LocalDockerSettings {
  readonly networkMode?: 'host' | 'none' | 'bridge';
}

/**
 * Lines are delivered as they come, each batch holding what arrived while the last one was
 * handled, at most this many; past QUEUED_LINES waiting, the engine's stream is paused.
 */
const BATCH_LINES = 2000;
const QUEUED_LINES = 20_000;

const EXIT_STOPPED = 143;
const RUN_LABEL = 'stepops.run';
const STEP_LABEL = 'stepops.step';
/** The staging folder and the outputs URI travel in labels, so `find` can rebuild the whole handle. */
const STAGING_LABEL = 'stepops.staging';
const OUTPUTS_LABEL = 'stepops.outputs';

type ContainerState = {
  Status: string;
  ExitCode: number;
  OOMKilled: boolean;
  Error: string;
  StartedAt?: string;
  FinishedAt?: string;
};

export class LocalDockerOperator implements StepOperator {
  private readonly staging: StagingArea;

  constructor(
    private readonly docker: DockerClient,
    context: Pick<OperatorContext, 'store' | 'stagingRoot'>,
    private readonly settings: LocalDockerSettings = {},
  ) {
    this.staging = new StagingArea(context.store, context.stagingRoot);
  }

  async submit(job: JobSpec, signal: AbortSignal): Promise<JobHandle> {
    signal.throwIfAborted();
    const existing = await this.find(job.runId);
    if (existing) return existing;
    const staged = await this.staging.stage(job, signal);
    signal.throwIfAborted();
    let container;
    try {
      container = await this.docker.createContainer({
        name: containerName(job.runId),
        Image: job.image,
        Cmd: runtimeArguments(staged.paths),
        Env: Object.entries(job.environment).map(([k, v]) => `${k}=${v}`),
        Labels: {
          [RUN_LABEL]: job.runId,
          [STEP_LABEL]: job.stepName,
          ...(staged.stagingFolder ? { [STAGING_LABEL]: staged.stagingFolder, [OUTPUTS_LABEL]: job.outputs } : {}),
        },
        HostConfig: {
          // A small init as PID 1 forwards signals: a cancel that arrives before the runtime has
          // set its SIGTERM handler still stops the step at once (PID 1 would ignore it for 10 s).
          Init: true,
          NetworkMode: this.settings.networkMode ?? 'host',
          Binds: staged.binds.map((b) => `${b.hostPath}:${b.containerPath}`),
        },
      });
    } catch (error) {
      // Another attempt (a retry, another process) created it first: that container is the job.
      if ((error as { statusCode?: number }).statusCode === 409) {
        const raced = await this.find(job.runId);
        if (raced) return raced;
      }
      throw error;
    }
    try {
      signal.throwIfAborted();
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
    return handleFor(container.id, staged);
  }

  async find(runId: string): Promise<JobHandle | undefined> {
    const [found] = await this.docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } });
    if (!found) return undefined;
    const labels = found.Labels ?? {};
    const stagingFolder = labels[STAGING_LABEL];
    const outputs = labels[OUTPUTS_LABEL];
    return handleFor(found.Id, stagingFolder && outputs ? { stagingFolder, outputsUri: outputs } : {});
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    let state: ContainerState;
    try {
      state = ((await this.docker.getContainer(handle.jobId).inspect()) as { State: ContainerState }).State;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        return {
          state: 'failed',
          backendStatus: 'missing',
          failureKind: 'platform',
          failureReason: 'The container no longer exists (removed outside stepops).',
        };
      }
      throw error;
    }
    const status = containerStatus(state);
    if (status.state !== 'succeeded' || !handle.details.staging) return status;
    // The step is done; its outputs are only where the orchestrator reads them once uploaded.
    try {
      await this.staging.uploadOutputs({ stagingFolder: handle.details.staging, outputsUri: handle.details.outputs! });
      return status;
    } catch (error) {
      return {
        ...status,
        state: 'failed',
        stage: 'Uploading',
        failureKind: 'platform',
        failureReason: `The step succeeded, but its outputs could not be uploaded to the artifact store: ${(error as Error).message}`,
      };
    }
  }

  async *logs(handle: JobHandle, from?: LogCursor, signal?: AbortSignal): AsyncIterable<LogBatch> {
    let cursor = parseCursor(from);
    const since = cursor ? Number(cursor.nanos / 1_000_000_000n) : 0;
    const stream = (await this.docker.getContainer(handle.jobId).logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      since,
      ...(signal ? { abortSignal: signal } : {}),
    })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    const onAbort = (): void => stream.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    const decoder = new DockerLogDecoder();
    const resume = new ResumePoint(cursor);
    const fresh = (lines: TimedLine[]) => lines.filter((line) => resume.isNew(line));
    try {
      const batches = lineBatches(
        stream,
        (chunk) => fresh(decoder.push(chunk)),
        () => fresh(decoder.end()),
        { maxLines: BATCH_LINES, highWater: QUEUED_LINES },
      );
      for await (const lines of batches) {
        for (const line of lines) cursor = advance(cursor, line);
        yield {
          lines: lines.map(({ timestamp, text, stream: s }) => ({ timestamp, text, stream: s })),
          cursor: formatCursor(cursor!),
        };
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  async cancel(handle: JobHandle): Promise<void> {
    try {
      await this.docker.getContainer(handle.jobId).stop({ t: 10 });
    } catch (error) {
      const code = (error as { statusCode?: number }).statusCode;
      if (code !== 304 && code !== 404) throw error; // already stopped, or gone
    }
  }
}

/** Docker's name rule is [a-zA-Z0-9][a-zA-Z0-9_.-]+; run ids already keep to it. */
export function containerName(runId: string): string {
  return `stepops-${runId.replace(/[^a-zA-Z0-9_.-]/g, '-')}`;
}

function handleFor(containerId: string, staged: Partial<Pick<StagedJob, 'stagingFolder' | 'outputsUri'>>): JobHandle {
  return {
    version: 2,
    operator: LOCAL_OPERATOR_FLAVOR,
    jobId: containerId,
    config: {},
    details:
      staged.stagingFolder && staged.outputsUri ? { staging: staged.stagingFolder, outputs: staged.outputsUri } : {},
  };
}

function containerStatus(container: ContainerState): JobStatus {
  const { Status, ExitCode, OOMKilled, Error: engineError } = container;
  const ended = Status === 'exited' || Status === 'dead';
  // 143 is SIGTERM's exit: `docker stop` (a cancel), which the runtime answers by exiting so.
  const state: JobState =
    Status === 'created'
      ? 'pending'
      : ended
        ? ExitCode === 0
          ? 'succeeded'
          : ExitCode === EXIT_STOPPED && !OOMKilled
            ? 'cancelled'
            : 'failed'
        : Status === 'removing'
          ? 'cancelling'
          : 'running';
  const started = validTime(container.StartedAt);
  const endedAt = ended ? validTime(container.FinishedAt) : undefined;
  const failure = state === 'failed' ? exitFailure(ExitCode, OOMKilled, engineError) : undefined;
  return {
    state,
    // Docker's own words ("running", "exited") are no finer stage than the state: no `stage`.
    backendStatus: Status,
    ...(started ? { startedAt: started } : {}),
    ...(endedAt ? { endedAt } : {}),
    ...(failure ?? {}),
    ...(Status === 'exited' ? { exitCode: ExitCode } : {}),
  };
}

/** Docker reports "0001-01-01T00:00:00Z" for times that have not happened. */
function validTime(stamp: string | undefined): string | undefined {
  return stamp && !stamp.startsWith('0001-') ? stamp : undefined;
}

function exitFailure(
  code: number,
  oomKilled: boolean,
  engineError: string,
): Pick<JobStatus, 'failureReason' | 'failureKind'> {
  if (oomKilled) return { failureKind: 'capacity', failureReason: 'The container ran out of memory (OOM killed).' };
  if (engineError) return { failureKind: 'platform', failureReason: engineError };
  switch (code) {
    case 1:
      return {
        failureKind: 'step',
        failureReason: 'The step raised an exception (exit code 1); its traceback is in the logs.',
      };
    case 2:
      return {
        failureKind: 'runtime',
        failureReason: 'The stepops runtime could not run the step (exit code 2); the logs say why.',
      };
    case 137:
      return { failureKind: 'platform', failureReason: 'The container was killed (exit code 137).' };
    case 143:
      return { failureKind: 'platform', failureReason: 'The container was stopped (exit code 143).' };
    default:
      return { failureKind: 'platform', failureReason: `The container exited with code ${code}.` };
  }
}
