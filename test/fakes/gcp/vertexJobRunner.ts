// Runs the Vertex emulator's custom jobs for real: JOB_STATE_QUEUED while "quota is found",
// PENDING while the machines are provisioned (here: /gcs is materialized, the images are pulled
// and the replicas' containers made), RUNNING once every replica has started (startTime), then
// SUCCEEDED when all exit 0, or FAILED when one exits non-zero: the others are stopped and the
// error is Vertex's ("The replica workerpool0-0 exited with a non-zero status of 1. Termination
// reason: Error." with the replica's last traceback lines and where to find the logs).
// cancelCustomJob makes it CANCELLING at once; the replicas get SIGTERM (SIGKILL after the grace
// period) and it ends CANCELLED with error code 1. Past scheduling.timeout the same happens and it
// ends FAILED with DEADLINE_EXCEEDED. /gcs is synced back to the GCS fake before any end state.
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DockerClient } from '../../../src/core/images/dockerClient';
import { BackgroundJobs } from '../shared/backgroundJobs';
import type { EngineRuntime } from '../shared/engineRuntime';
import { pause } from '../shared/pause';
import { pullImage, resolveImage } from '../shared/registryImages';
import type { CustomJob } from './customJobs';
import { codeNumber } from './googleErrors';
import { GcsMount, type GcsObjectStore } from './gcsMount';
import { Replica, type VertexLogSink, clusterOf } from './vertexReplicas';

export interface VertexTimings {
  /** How long a job stays JOB_STATE_QUEUED. */
  readonly queuedMs: number;
  /** JOB_STATE_PENDING lasts at least this long (longer when the images take longer to pull). */
  readonly provisioningMs: number;
  /** How long JOB_STATE_CANCELLING lasts at least, after the replicas have stopped. */
  readonly cancellingMs: number;
  /** Between SIGTERM and SIGKILL when a job is cancelled or times out. */
  readonly stopGraceSeconds: number;
}

/** Under a second per state: what tests use. */
export const FAST_TIMINGS: VertexTimings = {
  queuedMs: 300,
  provisioningMs: 700,
  cancellingMs: 300,
  stopGraceSeconds: 5,
};

/** Closer to what a real job takes (minutes of provisioning shortened to tens of seconds), for demos. */
export const LIFELIKE_TIMINGS: VertexTimings = {
  queuedMs: 5_000,
  provisioningMs: 45_000,
  cancellingMs: 10_000,
  stopGraceSeconds: 30,
};

/** The engine side (each job's /gcs copy goes below workRoot), the GCS fake, the log sink, the pace. */
export interface VertexRuntime extends EngineRuntime<CustomJob> {
  readonly gcs: GcsObjectStore;
  readonly logs?: VertexLogSink;
  readonly timings: VertexTimings;
}

/** Vertex's default and largest scheduling.timeout: 7 days. */
const DEFAULT_TIMEOUT_SECONDS = 7 * 86_400;

type Json = Record<string, unknown>;

/** Runs jobs in the background; close() cancels the ones still running and cleans up after them. */
export class VertexJobRunner {
  private readonly jobs = new BackgroundJobs<CustomJob>((job) => job.cancel);

  constructor(private readonly runtime: VertexRuntime) {}

  start(job: CustomJob): void {
    this.jobs.start(job, (closing) => new JobRun(job, this.runtime, closing).run());
  }

  close(): Promise<void> {
    return this.jobs.close();
  }
}

/** What cancelCustomJob does at once: the job is CANCELLING and its run winds down. */
export function beginCancelling(job: CustomJob): void {
  job.move('JOB_STATE_CANCELLING');
  job.cancel.abort();
}

class JobRun {
  private readonly replicas: Replica[];
  private readonly mount: GcsMount;
  private timedOut = false;
  private timeoutTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly job: CustomJob,
    private readonly runtime: VertexRuntime,
    private readonly closing: () => boolean,
  ) {
    const folder = path.join(runtime.workRoot ?? tmpdir(), `stepops-vertex-${job.id}-${randomUUID().slice(0, 8)}`);
    this.mount = new GcsMount(path.join(folder, 'gcs'));
    const cluster = clusterOf(job);
    this.replicas = Object.entries(cluster).flatMap(([pool, hosts]) =>
      hosts.map((_, index) => new Replica(job, { pool: Number(pool.slice('workerpool'.length)), index, cluster })),
    );
  }

  private get cancel(): AbortSignal {
    return this.job.cancel.signal;
  }

  async run(): Promise<void> {
    const { job } = this;
    try {
      await this.states();
    } catch (error) {
      this.runtime.onInternalError?.(job, error);
      if (!job.ended) {
        job.finish('JOB_STATE_FAILED', {
          code: codeNumber('INTERNAL'),
          message: `Internal error in the Vertex emulator: ${(error as Error).message}`,
        });
      }
    } finally {
      clearTimeout(this.timeoutTimer);
      await Promise.all(this.replicas.map((r) => r.container.remove()));
      await rm(path.dirname(this.mount.root), { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async states(): Promise<void> {
    const { job, runtime } = this;
    await pause(runtime.timings.queuedMs, this.cancel);
    if (this.cancel.aborted) return this.cancelled();
    job.move('JOB_STATE_PENDING');
    const provisioned = Date.now() + runtime.timings.provisioningMs;
    await mkdir(this.mount.root, { recursive: true });
    await this.mount.materialize(runtime.gcs);
    const docker = await runtime.docker();
    const images = await this.pullImages(docker);
    if (!images) return;
    for (const replica of this.replicas) {
      await replica.create(docker, images.get(replica.placement.pool)!, {
        networkMode: runtime.networkMode,
        gcsFolder: this.mount.root,
      });
    }
    await pause(provisioned - Date.now(), this.cancel);
    if (this.cancel.aborted) return this.cancelled();
    const failure = await this.runReplicas();
    await this.mount.syncBack(runtime.gcs);
    if (this.timedOut) return this.timeout();
    if (this.cancel.aborted) return this.cancelled();
    if (failure) return job.finish('JOB_STATE_FAILED', { code: codeNumber('INVALID_ARGUMENT'), message: failure });
    job.finish('JOB_STATE_SUCCEEDED');
  }

  /** Each pool's image on the local engine, by pool index; undefined when the job failed on one. */
  private async pullImages(docker: DockerClient): Promise<Map<number, string> | undefined> {
    const pulled = new Map<number, string>();
    const pools = (this.job.request.jobSpec as Json).workerPoolSpecs as Json[];
    for (const pool of new Set(this.replicas.map((r) => r.placement.pool))) {
      const uri = (pools[pool]!.containerSpec as Json).imageUri as string;
      const image = resolveImage(uri, this.runtime.registries)!;
      try {
        await pullImage(docker, image);
      } catch (error) {
        this.job.finish('JOB_STATE_FAILED', {
          code: codeNumber('INVALID_ARGUMENT'),
          message: `Unable to pull the image ${uri} for workerpool${pool}: ${(error as Error).message}. Check that the image exists and that the job's service account may read it.`,
        });
        return undefined;
      }
      pulled.set(pool, image.pullReference);
    }
    return pulled;
  }

  /** Runs the replicas until all exit; answers the job's error message when one failed. */
  private async runReplicas(): Promise<string | undefined> {
    const grace = () => (this.closing() ? 0 : this.runtime.timings.stopGraceSeconds);
    const stopAll = () => Promise.all(this.replicas.map((r) => r.container.stop(grace()))).then(() => undefined);
    const onCancel = () => void stopAll();
    this.cancel.addEventListener('abort', onCancel, { once: true });
    try {
      const logs: Promise<void>[] = [];
      for (const replica of this.replicas) {
        try {
          logs.push((await replica.start(this.runtime.logs)).logsDone);
        } catch (error) {
          await stopAll();
          return this.failureMessage(replica, 127, `Error. ${(error as Error).message}`);
        }
      }
      this.job.move('JOB_STATE_RUNNING');
      this.startTimeout(stopAll);
      if (this.cancel.aborted) await stopAll();
      let failed: { replica: Replica; code: number } | undefined;
      await Promise.all(
        this.replicas.map(async (replica) => {
          const code = await replica.container.exitCode();
          if (code === 0 || failed !== undefined || this.cancel.aborted || this.timedOut) return;
          failed = { replica, code };
          await stopAll();
        }),
      );
      // Logs first: the message quotes the failed replica's last stderr lines.
      await Promise.all(logs);
      return failed && this.failureMessage(failed.replica, failed.code, 'Error.');
    } finally {
      this.cancel.removeEventListener('abort', onCancel);
    }
  }

  private startTimeout(stopAll: () => Promise<void>): void {
    const timeout = ((this.job.request.jobSpec as Json).scheduling as Json | undefined)?.timeout as string | undefined;
    const seconds = timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number.parseFloat(timeout);
    this.timeoutTimer = setTimeout(() => {
      if (this.job.ended || this.cancel.aborted) return;
      this.timedOut = true;
      void stopAll();
    }, seconds * 1000);
  }

  private failureMessage(replica: Replica, code: number, reason: string): string {
    const { job } = this;
    const quoted = replica.failureLines();
    const filter = `resource.type="ml_job"\nresource.labels.job_id="${job.id}"`;
    const logs =
      `https://console.cloud.google.com/logs/viewer?project=${job.projectNumber}` +
      `&resource=ml_job%2Fjob_id%2F${job.id}&advancedFilter=${encodeURIComponent(filter)}`;
    return [
      `The replica ${replica.taskName} exited with a non-zero status of ${code}. Termination reason: ${reason}`,
      ...(quoted.length ? ['', ...quoted] : []),
      '',
      `To find out more about why your job exited please check the logs: ${logs}`,
    ].join('\n');
  }

  private async cancelled(): Promise<void> {
    // An emulator that is closing does not keep its jobs CANCELLING for show.
    if (!this.closing()) await pause(this.runtime.timings.cancellingMs, undefined);
    this.job.finish('JOB_STATE_CANCELLED', { code: codeNumber('CANCELLED'), message: 'CANCELED' });
  }

  private timeout(): void {
    const timeout = ((this.job.request.jobSpec as Json).scheduling as Json | undefined)?.timeout as string | undefined;
    this.job.finish('JOB_STATE_FAILED', {
      code: codeNumber('DEADLINE_EXCEEDED'),
      message: `The job exceeded its scheduling.timeout of ${timeout ?? `${DEFAULT_TIMEOUT_SECONDS}s`} and was stopped.`,
    });
  }
}
