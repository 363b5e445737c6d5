// Runs the SageMaker emulator's training jobs for real: each job moves through SageMaker's
// stages on its own (Starting, Downloading, Training, Uploading, then Completed, Failed, Stopped
// or MaxRuntimeExceeded), at a pace set by its timings, with one container per instance on the
// local Docker engine. A container that exits non-zero fails the job with the FailureReason
// SageMaker gives ("AlgorithmError: <what /opt/ml/output/failure says>, exit code: N") and stops
// the other instances; StopTrainingJob and MaxRuntimeInSeconds stop them all (SIGTERM, then
// SIGKILL after the grace period), after which what is in /opt/ml/model is still uploaded.
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type S3Objects, uploadCheckpoints, uploadJobOutputs } from './sagemakerArtifacts';
import { BackgroundJobs } from '../shared/backgroundJobs';
import type { EngineRuntime } from '../shared/engineRuntime';
import { pause } from '../shared/pause';
import { pullImage } from '../shared/registryImages';
import { resolveImage } from './sagemakerImages';
import { TrainingInstance, type TrainingLogSink } from './sagemakerInstances';
import { DEFAULT_MAX_RUNTIME_SECONDS, STATUS_MESSAGES, type TrainingJob } from './sagemakerTrainingJobs';
import type { WarmPools } from './sagemakerWarmPools';

export interface TrainingTimings {
  /** How long Starting lasts (launching and preparing the instances). */
  readonly startingMs: number;
  /** Downloading lasts at least this long; longer when the data or the image take longer. */
  readonly downloadingMs: number;
  /** Uploading lasts at least this long. */
  readonly uploadingMs: number;
  /** Between SIGTERM and SIGKILL when a job is stopped (SageMaker: 120 s). */
  readonly stopGraceSeconds: number;
}

/** A second or so per stage: what tests use. */
export const FAST_TIMINGS: TrainingTimings = {
  startingMs: 1000,
  downloadingMs: 1000,
  uploadingMs: 500,
  stopGraceSeconds: 5,
};

/** Closer to what a real job takes (minutes shortened to tens of seconds), for demos. */
export const LIFELIKE_TIMINGS: TrainingTimings = {
  startingMs: 45_000,
  downloadingMs: 15_000,
  uploadingMs: 8_000,
  stopGraceSeconds: 120,
};

/** The engine side (instances' /opt/ml folders go below workRoot), the S3 data, the log sink, the pace. */
export interface TrainingRuntime extends EngineRuntime<TrainingJob> {
  readonly objects: S3Objects;
  readonly logs?: TrainingLogSink;
  readonly timings: TrainingTimings;
  /** The account's warm pools, and its jobs to find one in. */
  readonly warmPools?: { readonly pools: WarmPools; readonly jobs: () => readonly TrainingJob[] };
}

const FAILURE_REASON_MAX = 1024;

/** Runs jobs in the background; close() ends the ones still running and cleans up after them. */
export class TrainingJobRunner {
  private readonly jobs = new BackgroundJobs<TrainingJob>((job) => job.stop);

  constructor(private readonly runtime: TrainingRuntime) {}

  start(job: TrainingJob): void {
    this.jobs.start(job, (closing) => new JobRun(job, this.runtime, closing).run());
  }

  close(): Promise<void> {
    return this.jobs.close();
  }
}

/** One job's run, from Starting to its end, and the cleanup after it. */
class JobRun {
  private readonly instances: TrainingInstance[];
  private readonly folder: string;
  private runtimeExceeded = false;
  private limitTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly job: TrainingJob,
    private readonly runtime: TrainingRuntime,
    private readonly closing: () => boolean,
  ) {
    this.folder = path.join(runtime.workRoot ?? tmpdir(), `stepops-sagemaker-${job.name}-${randomUUID().slice(0, 8)}`);
    const count = job.request.ResourceConfig.InstanceCount ?? 1;
    this.instances = Array.from({ length: count }, (_, i) => new TrainingInstance(job, i, count, this.folder));
  }

  private get stop(): AbortSignal {
    return this.job.stop.signal;
  }

  async run(): Promise<void> {
    const { job } = this;
    try {
      await mkdir(this.folder, { recursive: true });
      await this.stages();
    } catch (error) {
      this.runtime.onInternalError?.(job, error);
      if (!job.ended) fail(job, `InternalServerError: the SageMaker emulator failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(this.limitTimer);
      this.runtime.warmPools?.pools.release(job);
      await Promise.all(this.instances.map((i) => i.remove()));
      await rm(this.folder, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async stages(): Promise<void> {
    const { job, runtime } = this;
    const { timings } = runtime;
    // A retained cluster is already launched: only the preparation for this job is left.
    const warm = runtime.warmPools?.pools.claim(job, runtime.warmPools.jobs()) ?? false;
    const launching = warm ? [STATUS_MESSAGES.preparing] : [STATUS_MESSAGES.launching, STATUS_MESSAGES.preparing];
    for (const message of launching) {
      await pause(timings.startingMs / 3, this.stop);
      if (!this.stop.aborted) job.say(message);
    }
    await pause(warm ? 0 : timings.startingMs / 3, this.stop);
    if (this.stop.aborted) return this.stopped();

    this.beginTraining();
    for (const instance of this.instances) await instance.prepare(runtime.objects);
    await pause(timings.downloadingMs - (Date.now() - job.trainingStartTime!), this.stop);
    if (this.stop.aborted) return this.stopped();

    job.say(STATUS_MESSAGES.downloadingImage);
    const docker = await runtime.docker();
    const image = resolveImage(job.request.AlgorithmSpecification.TrainingImage!, runtime.registries)!;
    try {
      await pullImage(docker, image);
    } catch (error) {
      return fail(
        job,
        `ClientError: Cannot pull algorithm container. Either the image does not exist or its permissions are incorrect. (${(error as Error).message})`,
      );
    }
    if (this.stop.aborted) return this.stopped();
    for (const instance of this.instances) await instance.create(docker, image.pullReference, runtime.networkMode);

    job.enter('Training', STATUS_MESSAGES.training);
    const failure = await this.train();
    if (failure !== undefined && !this.stop.aborted) return fail(job, failure);
    await this.upload();
    if (this.stop.aborted) return this.stopped();
    job.finish('Completed', 'Completed', STATUS_MESSAGES.completed);
  }

  /** TrainingStartTime: the instances are up and Downloading begins; MaxRuntimeInSeconds counts from here. */
  private beginTraining(): void {
    const { job } = this;
    job.trainingStartTime = Date.now();
    job.enter('Downloading', STATUS_MESSAGES.downloadingData, job.trainingStartTime);
    const seconds = job.request.StoppingCondition?.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS;
    this.limitTimer = setTimeout(() => {
      if (job.ended || this.stop.aborted) return;
      this.runtimeExceeded = true;
      beginStopping(job);
      job.stop.abort();
    }, seconds * 1000);
  }

  /** Runs the containers until all exit; answers the FailureReason when one failed (not when stopped). */
  private async train(): Promise<string | undefined> {
    const grace = () => (this.closing() ? 0 : this.runtime.timings.stopGraceSeconds);
    const stopAll = () => Promise.all(this.instances.map((i) => i.stop(grace()))).then(() => undefined);
    const onStop = () => void stopAll();
    this.stop.addEventListener('abort', onStop, { once: true });
    try {
      const logs: Promise<void>[] = [];
      for (const instance of this.instances) {
        try {
          logs.push((await instance.start(this.runtime.logs)).logsDone);
        } catch (error) {
          // The engine could not start the entrypoint (not found, not executable): what `docker run` exits with.
          await stopAll();
          return `AlgorithmError: ${(error as Error).message}, exit code: 127`;
        }
      }
      if (this.stop.aborted) await stopAll();
      let failure: string | undefined;
      await Promise.all(
        this.instances.map(async (instance) => {
          const code = await instance.exitCode();
          if (code === 0 || failure !== undefined || this.stop.aborted) return;
          failure = `AlgorithmError: ${await instance.failureText()}, exit code: ${code}`;
          await stopAll();
        }),
      );
      await Promise.all(logs);
      return failure;
    } finally {
      this.stop.removeEventListener('abort', onStop);
    }
  }

  private async upload(): Promise<void> {
    const { job, runtime } = this;
    const begun = Date.now();
    job.enter('Uploading', STATUS_MESSAGES.uploading);
    const request = job.request;
    job.modelArtifacts = await uploadJobOutputs({
      objects: runtime.objects,
      s3OutputPath: request.OutputDataConfig.S3OutputPath,
      jobName: job.name,
      compression: request.OutputDataConfig.CompressionType ?? 'GZIP',
      modelFolders: this.instances.map((i) => i.folders.model),
      outputDataFolders: this.instances.map((i) => i.folders.outputData),
    });
    if (request.CheckpointConfig) {
      await uploadCheckpoints(runtime.objects, request.CheckpointConfig.S3Uri, this.instances[0]!.folders.checkpoints);
    }
    // A stop during the upload does not cut it short: the model stays whole.
    await pause(runtime.timings.uploadingMs - (Date.now() - begun), undefined);
  }

  private stopped(): void {
    if (this.runtimeExceeded) this.job.finish('Stopped', 'MaxRuntimeExceeded', STATUS_MESSAGES.maxRuntimeExceeded);
    else this.job.finish('Stopped', 'Stopped', STATUS_MESSAGES.stopped);
  }
}

/** What StopTrainingJob (or the runtime limit) does at once: the job is Stopping. */
export function beginStopping(job: TrainingJob): void {
  job.status = 'Stopping';
  job.enter('Stopping', STATUS_MESSAGES.stopping);
}

function fail(job: TrainingJob, reason: string): void {
  job.failureReason = clip(reason);
  job.finish('Failed', 'Failed', STATUS_MESSAGES.failed);
}

const clip = (text: string): string => (text.length > FAILURE_REASON_MAX ? text.slice(0, FAILURE_REASON_MAX) : text);
