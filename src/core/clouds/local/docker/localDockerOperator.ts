// The local Docker step operator: the step's container on this machine's engine. It implements
// the same contract as the cloud operators, so the orchestrator, reattach and the views treat a
// local run like any other job.
import type { DockerClient } from '../../../images/dockerClient';
import { LOCAL_OPERATOR_FLAVOR } from '../../../stacks/model';
import type {
  JobHandle,
  JobSpec,
  JobState,
  JobStatus,
  LogBatch,
  LogCursor,
  StepOperator,
} from '../../../operators/stepOperator';
import { DockerLogDecoder, afterCursor, formatCursor, parseCursor } from './dockerLogStream';

export interface LocalDockerSettings {
  readonly networkMode?: 'host' | 'none' | 'bridge';
}

/** Lines are delivered in batches of at most this many, or after this long, whichever is first. */
const BATCH_LINES = 200;
const BATCH_MS = 100;

export class LocalDockerOperator implements StepOperator {
  constructor(
    private readonly docker: DockerClient,
    private readonly settings: LocalDockerSettings = {},
  ) {}

  async submit(job: JobSpec, signal: AbortSignal): Promise<JobHandle> {
    signal.throwIfAborted();
    const container = await this.docker.createContainer({
      Image: job.image,
      Cmd: [...job.command],
      Env: Object.entries(job.environment).map(([k, v]) => `${k}=${v}`),
      Labels: { 'stepops.run': job.runId, 'stepops.step': job.stepName },
      HostConfig: {
        NetworkMode: this.settings.networkMode ?? 'host',
        Binds: (job.volumes ?? []).map((v) => `${v.hostPath}:${v.containerPath}`),
      },
    });
    try {
      signal.throwIfAborted();
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
    return { operator: LOCAL_OPERATOR_FLAVOR, jobId: container.id, details: {} };
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    let info: { State: { Status: string; ExitCode: number; OOMKilled: boolean; Error: string } };
    try {
      info = await this.docker.getContainer(handle.jobId).inspect();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        return {
          state: 'failed',
          backendStatus: 'missing',
          failureReason: 'The container no longer exists (removed outside stepops).',
        };
      }
      throw error;
    }
    const { Status, ExitCode, OOMKilled, Error: engineError } = info.State;
    const state: JobState =
      Status === 'created'
        ? 'pending'
        : Status === 'exited' || Status === 'dead'
          ? ExitCode === 0
            ? 'succeeded'
            : 'failed'
          : Status === 'removing'
            ? 'cancelling'
            : 'running';
    const failureReason =
      state !== 'failed'
        ? undefined
        : OOMKilled
          ? 'The container ran out of memory (OOM killed).'
          : engineError || exitReason(ExitCode);
    return {
      state,
      backendStatus: Status,
      ...(failureReason ? { failureReason } : {}),
      ...(Status === 'exited' ? { exitCode: ExitCode } : {}),
    };
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
    let batch: LogBatch['lines'][number][] = [];
    let batchStarted = Date.now();
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const fresh = afterCursor(decoder.push(chunk), cursor);
        cursor = fresh.cursor;
        batch.push(...fresh.lines.map(({ timestamp, text, stream: s }) => ({ timestamp, text, stream: s })));
        if (batch.length >= BATCH_LINES || (batch.length > 0 && Date.now() - batchStarted >= BATCH_MS)) {
          yield { lines: batch, cursor: formatCursor(cursor!) };
          batch = [];
          batchStarted = Date.now();
        }
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (batch.length > 0 && cursor) yield { lines: batch, cursor: formatCursor(cursor) };
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

function exitReason(code: number): string {
  switch (code) {
    case 1:
      return 'The step raised an exception (exit code 1); its traceback is in the logs.';
    case 2:
      return 'The stepops runtime could not run the step (exit code 2); the logs say why.';
    case 137:
      return 'The container was killed (exit code 137).';
    case 143:
      return 'The container was stopped (exit code 143).';
    default:
      return `The container exited with code ${code}.`;
  }
}
