// Runs the Azure ML emulator's command jobs for real, through Azure ML's statuses: NotStarted,
// Starting, Preparing (the environment's image pulled onto the local engine), Queued (until the
// cluster has enough free nodes, then their scale-up), Running (inputs copied from Azurite, one
// container per process, each one's output appended to its log file), Finalizing (logs flushed,
// outputs uploaded to Azurite), then Completed, or Failed with Azure ML's error ("Execution
// failed. User process 'python' exited with status code 1. ... Error: <its traceback>"). A cancel
// (or limits.timeout) makes it CancelRequested: the containers get SIGTERM, SIGKILL after the grace
// period, and it ends Canceled.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { DockerClient } from '../../../src/core/images/dockerClient';
import { pause } from '../shared/pause';
import { BackgroundJobs } from '../shared/backgroundJobs';
import type { EngineRuntime } from '../shared/engineRuntime';
import { pullImage, resolveImage } from '../shared/registryImages';
import type { ComputeCapacity } from './mlComputes';
import { downloadFile, downloadFolder, uploadFolder } from './mlData';
import type { JobPlan } from './mlJobRules';
import type { MlJob } from './mlJobs';
import { ARTIFACT_CONTAINER, LogFile, logBlobPath } from './mlLogs';
import { MlProcess, placementsOf } from './mlProcesses';

export interface AzureMlTimings {
  /** NotStarted, then Starting: each lasts this long. */
  readonly startingMs: number;
  /** Preparing lasts at least this long (longer when the image takes longer to pull). */
  readonly preparingMs: number;
  /** Queued lasts this long once the cluster has the nodes (their scale-up). */
  readonly queuedMs: number;
  /** Finalizing lasts at least this long. */
  readonly finalizingMs: number;
  /** CancelRequested lasts at least this long after the containers stopped. */
  readonly cancelMs: number;
  /** Between SIGTERM and SIGKILL on a cancel or a timeout. */
  readonly stopGraceSeconds: number;
  /** How often the log uploader appends what the containers printed. */
  readonly logFlushMs: number;
  /** The Retry-After a long-running operation's poll is told to wait, in seconds. */
  readonly pollSeconds: number;
}

/** Well under a second per status: what tests use. */
export const FAST_TIMINGS: AzureMlTimings = {
  startingMs: 150,
  preparingMs: 300,
  queuedMs: 300,
  finalizingMs: 300,
  cancelMs: 300,
  stopGraceSeconds: 5,
  logFlushMs: 200,
  pollSeconds: 1,
};

/** Closer to a real job (minutes of scale-up shortened to tens of seconds), for demos. */
export const LIFELIKE_TIMINGS: AzureMlTimings = {
  startingMs: 5_000,
  preparingMs: 20_000,
  queuedMs: 45_000,
  finalizingMs: 10_000,
  cancelMs: 10_000,
  stopGraceSeconds: 30,
  logFlushMs: 5_000,
  pollSeconds: 10,
};

export interface MlRuntime extends EngineRuntime<MlJob> {
  readonly blobs: BlobServiceClient;
  readonly capacity: ComputeCapacity;
  readonly timings: AzureMlTimings;
}

/** Runs jobs in the background; close() cancels the ones still running and cleans up after them. */
export class MlJobRunner {
  private readonly jobs = new BackgroundJobs<MlJob>((job) => job.cancel);

  constructor(private readonly runtime: MlRuntime) {}

  start(job: MlJob, plan: JobPlan): void {
    this.jobs.start(job, (closing) => new JobRun(job, plan, this.runtime, closing).run());
  }

  close(): Promise<void> {
    return this.jobs.close();
  }
}

/** What jobs.cancel (or the timeout) does at once: CancelRequested, and the run winds down. */
export function requestCancel(job: MlJob, reason?: string): void {
  if (job.ended || job.cancel.signal.aborted) return;
  job.move('CancelRequested');
  job.cancel.abort(reason);
}

const FAILURE_LINES_NOTE = 'Please check log file';

class JobRun {
  private readonly processes: MlProcess[];
  private readonly folder: string;
  private readonly logs: LogFile[] = [];
  private holdsNodes = false;
  private timeoutTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly job: MlJob,
    private readonly plan: JobPlan,
    private readonly runtime: MlRuntime,
    private readonly closing: () => boolean,
  ) {
    this.folder = path.join(runtime.workRoot ?? tmpdir(), `stepops-azureml-${job.name}-${randomUUID().slice(0, 8)}`);
    this.processes = placementsOf(job).map((p) => new MlProcess(job, p));
  }

  private get cancelled(): boolean {
    return this.job.cancel.signal.aborted;
  }

  async run(): Promise<void> {
    try {
      await this.statuses();
    } catch (error) {
      this.runtime.onInternalError?.(this.job, error);
      this.job.finish('Failed', {
        code: 'SystemError',
        message: `The Azure ML emulator failed while running the job: ${(error as Error).message}`,
      });
    } finally {
      clearTimeout(this.timeoutTimer);
      if (this.holdsNodes) this.runtime.capacity.release(this.capacityKey, this.plan.compute, this.nodeCount);
      await Promise.all(this.logs.map((l) => l.close().catch(() => undefined)));
      await Promise.all(this.processes.map((p) => p.container.remove()));
      await rm(this.folder, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private get capacityKey(): string {
    return `${this.job.workspace.id}/${this.plan.compute.name}`.toLowerCase();
  }

  private get nodeCount(): number {
    return this.job.properties.resources.instanceCount;
  }

  /** Moves on unless the job was cancelled meanwhile. */
  private advance(status: 'Starting' | 'Preparing' | 'Queued' | 'Running' | 'Finalizing'): boolean {
    if (this.cancelled) return false;
    this.job.move(status);
    return true;
  }

  private async statuses(): Promise<void> {
    const { job, runtime } = this;
    const { timings } = runtime;
    const signal = job.cancel.signal;
    await pause(timings.startingMs, signal);
    if (!this.advance('Starting')) return this.finishCancel();
    await pause(timings.startingMs, signal);
    if (!this.advance('Preparing')) return this.finishCancel();
    const prepared = Date.now() + timings.preparingMs;
    const docker = await runtime.docker();
    const image = await this.pull(docker);
    if (!image) return;
    await pause(prepared - Date.now(), signal);
    if (!this.advance('Queued')) return this.finishCancel();
    this.holdsNodes = await runtime.capacity.take(this.capacityKey, this.plan.compute, this.nodeCount, signal);
    await pause(timings.queuedMs, signal);
    if (!this.holdsNodes || !this.advance('Running')) return this.finishCancel();
    this.startTimeout();
    const staged = await this.stageData();
    if (!staged) return;
    const failure = await this.runProcesses(docker, image);
    if (this.cancelled) return this.finishCancel();
    if (!this.advance('Finalizing')) return this.finishCancel();
    const finalized = Date.now() + timings.finalizingMs;
    await Promise.all(this.logs.map((l) => l.close()));
    if (!failure) await this.uploadOutputs();
    await pause(finalized - Date.now(), undefined);
    if (failure) job.finish('Failed', { code: 'UserError', message: failure });
    else job.finish('Completed');
  }

  /** The image on the local engine, or undefined when the job failed on it. */
  private async pull(docker: DockerClient): Promise<string | undefined> {
    const { image, environment } = this.plan;
    const reference = resolveImage(image, this.runtime.registries);
    const fail = (why: string) =>
      this.job.finish('Failed', {
        code: 'UserError',
        message: `Failed to pull the image '${image}' of the environment ${environment}: ${why}. Check that the image exists and that the workspace's compute may pull from its registry (attach the registry to the workspace, or grant AcrPull to the compute's identity).`,
      });
    if (!reference) {
      fail('its registry is not one the workspace can reach');
      return undefined;
    }
    try {
      await pullImage(docker, reference);
      return reference.pullReference;
    } catch (error) {
      fail((error as Error).message);
      return undefined;
    }
  }

  /** Inputs copied in, output folders made; false when the job failed on its data. */
  private async stageData(): Promise<boolean> {
    const { blobs } = this.runtime;
    for (const input of this.plan.inputs) {
      if (input.kind === 'literal') continue;
      const container = blobs.getContainerClient(input.location.container);
      const folder = this.hostPath(input.containerPath);
      const found =
        input.kind === 'uri_folder'
          ? (await downloadFolder(container, input.location.path, folder)) > 0
          : (await downloadFile(container, input.location.path, path.dirname(folder))) !== undefined;
      if (!found) {
        this.job.finish('Failed', {
          code: 'UserError',
          message: `The input '${input.name}' could not be read: nothing is stored at ${input.uri} (container '${input.location.container}', path '${input.location.path}'). Upload the data there first, or point the input at where it is.`,
          target: `inputs.${input.name}`,
        });
        return false;
      }
    }
    for (const output of this.plan.outputs) {
      const folder = this.hostPath(output.containerPath);
      await mkdir(folder, { recursive: true });
      // The job may run as any user: what it writes to must be writable by all.
      await chmod(folder, 0o777);
    }
    return true;
  }

  private hostPath(containerPath: string): string {
    return path.join(this.folder, ...containerPath.split('/').filter(Boolean));
  }

  /** Runs every process until all exit; answers the job's error message when one failed. */
  private async runProcesses(docker: DockerClient, image: string): Promise<string | undefined> {
    const grace = () => (this.closing() ? 0 : this.runtime.timings.stopGraceSeconds);
    const stopAll = () => Promise.all(this.processes.map((p) => p.container.stop(grace()))).then(() => undefined);
    const onCancel = () => void stopAll();
    this.job.cancel.signal.addEventListener('abort', onCancel, { once: true });
    try {
      for (const process of this.processes) await process.create(docker, this.processSpec(image));
      const done = new Map<MlProcess, Promise<void>>();
      for (const process of this.processes) {
        const log = await this.openLog(process.logName);
        try {
          done.set(process, (await process.start((lines) => log.write(lines))).logsDone);
        } catch (error) {
          // The engine could not start the shell (an image without /bin/sh).
          await stopAll();
          return this.failureMessage(process, 127, [(error as Error).message]);
        }
      }
      if (this.cancelled) await stopAll();
      let failure: string | undefined;
      await Promise.all(
        this.processes.map(async (process) => {
          const code = await process.container.exitCode();
          if (code === 0 || failure !== undefined || this.cancelled) return;
          // Its last lines first: the error quotes them.
          await done.get(process);
          failure ??= this.failureMessage(process, code, process.failureLines());
          await stopAll();
        }),
      );
      await Promise.all(done.values());
      return failure;
    } finally {
      this.job.cancel.signal.removeEventListener('abort', onCancel);
    }
  }

  private processSpec(image: string) {
    const binds = [
      ...this.plan.inputs
        .filter((i) => i.kind !== 'literal')
        .map((i) => {
          const folder = i.kind === 'uri_file' ? path.posix.dirname(i.containerPath) : i.containerPath;
          return `${this.hostPath(folder)}:${folder}${i.mode === 'ReadOnlyMount' ? ':ro' : ''}`;
        }),
      ...this.plan.outputs.map((o) => `${this.hostPath(o.containerPath)}:${o.containerPath}`),
    ];
    const dataVariables = Object.fromEntries([
      ...this.plan.inputs.map((i) => [`AZURE_ML_INPUT_${i.name}`, i.kind === 'literal' ? i.value : i.containerPath]),
      ...this.plan.outputs.map((o) => [`AZURE_ML_OUTPUT_${o.name}`, o.containerPath]),
    ]);
    return { image, command: this.plan.command, binds, dataVariables, networkMode: this.runtime.networkMode };
  }

  private async openLog(logName: string): Promise<LogFile> {
    const container = this.runtime.blobs.getContainerClient(ARTIFACT_CONTAINER);
    const blobPath = logBlobPath(this.job.name, logName);
    const log = new LogFile(container, blobPath, this.runtime.timings.logFlushMs);
    await log.create();
    this.logs.push(log);
    this.job.logFiles.set(logName, blobPath);
    return log;
  }

  private failureMessage(process: MlProcess, code: number, lines: readonly string[]): string {
    const executable = this.plan.command.trim().split(/\s+/)[0] ?? '/bin/sh';
    const quoted = lines.length ? ` Error: ${lines.join('\n')}` : '';
    return `Execution failed. User process '${executable}' exited with status code ${code}. ${FAILURE_LINES_NOTE} '${process.logName}' for error details.${quoted}`;
  }

  private async uploadOutputs(): Promise<void> {
    for (const output of this.plan.outputs) {
      const container = this.runtime.blobs.getContainerClient(output.location.container);
      await uploadFolder(container, this.hostPath(output.containerPath), output.location.path);
    }
  }

  private startTimeout(): void {
    const seconds = this.plan.timeoutSeconds;
    if (seconds === undefined) return;
    this.timeoutTimer = setTimeout(() => requestCancel(this.job, 'timeout'), seconds * 1000);
  }

  /** After a cancel: the containers have stopped; CancelRequested lasts a moment, then Canceled. */
  private async finishCancel(): Promise<void> {
    // What the containers printed until they stopped is in the log files before the job ends.
    await Promise.all(this.logs.map((l) => l.close()));
    await pause(this.runtime.timings.cancelMs, undefined);
    const timedOut = this.job.cancel.signal.reason === 'timeout';
    this.job.finish(
      'Canceled',
      timedOut
        ? {
            code: 'UserError',
            message: `The job was canceled because it ran longer than its limits.timeout of ${this.job.properties.limits?.timeout} (counted from when it started Running).`,
          }
        : undefined,
    );
  }
}
