// The Azure ML emulator's command jobs: the request as accepted (with the defaults the service
// fills in: experiment "Default", input mode ReadOnlyMount, an output's mode ReadWriteMount and its
// default path on workspaceblobstore), the status and its history, the log files written so far,
// the failure, and the two shapes a job is read in: the JobBase resource of Resource Manager (with
// the Studio and Tracking services) and run history's RunDetails (with the log files' URLs).
// Names are unique in a workspace, without regard to case, and a job is never deleted.
import { randomUUID } from 'node:crypto';
import { type RunError, runHistoryError } from './mlErrors';
import type { WorkspaceRef } from './resourceManager';

export type JobStatus =
  | 'NotStarted'
  | 'Starting'
  | 'Preparing'
  | 'Queued'
  | 'Running'
  | 'Finalizing'
  | 'CancelRequested'
  | 'Completed'
  | 'Failed'
  | 'Canceled';

const TERMINAL: readonly JobStatus[] = ['Completed', 'Failed', 'Canceled'];

type Json = Record<string, unknown>;

/** The parts of a CommandJob the emulator reads (the model has checked their types). */
export interface CommandJobProperties {
  readonly jobType: 'Command';
  readonly command: string;
  readonly environmentId: string;
  readonly computeId?: string;
  readonly experimentName: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly environmentVariables: Readonly<Record<string, string>>;
  readonly inputs: Readonly<Record<string, JobInput>>;
  readonly outputs: Readonly<Record<string, JobOutput>>;
  readonly resources: { readonly instanceCount: number; readonly instanceType?: string; readonly shmSize: string };
  readonly distribution?: { readonly distributionType: 'PyTorch' | 'Mpi' | 'TensorFlow' } & Json;
  readonly limits?: { readonly jobLimitsType: 'Command'; readonly timeout?: string };
}

export interface JobInput {
  readonly jobInputType: string;
  readonly uri?: string;
  readonly mode?: string;
  readonly value?: string;
}

export interface JobOutput {
  readonly jobOutputType: string;
  readonly uri?: string;
  readonly mode?: string;
}

/** Properties a PUT on an existing job may change; any other difference is refused. */
export const MUTABLE_PROPERTIES = ['tags', 'description', 'displayName', 'isArchived'] as const;

interface Transition {
  readonly status: JobStatus;
  readonly at: number;
}

export class MlJob {
  status: JobStatus = 'NotStarted';
  error: RunError | undefined;
  startTime: number | undefined;
  endTime: number | undefined;
  /** Log file names ("user_logs/std_log.txt") and their blob paths in the workspace's artifact container. */
  readonly logFiles = new Map<string, string>();
  /** Fires on cancel (or the timeout); the runner winds the job down. */
  readonly cancel = new AbortController();
  /** The id of this run's folder on the nodes (/mnt/azureml/cr/j/ID). */
  readonly runtimeId = randomUUID().replace(/-/g, '');
  readonly runUuid = randomUUID();
  readonly createdAt = Date.now();
  lastModifiedAt = this.createdAt;
  revision = 1;
  private readonly transitions: Transition[] = [{ status: 'NotStarted', at: this.createdAt }];

  constructor(
    readonly workspace: WorkspaceRef,
    readonly name: string,
    /** The request's properties with the service's defaults filled in. */
    public properties: CommandJobProperties & Json,
    readonly createdBy: string,
  ) {}

  get id(): string {
    return `${this.workspace.id}/jobs/${this.name}`;
  }

  get ended(): boolean {
    return TERMINAL.includes(this.status);
  }

  get computeName(): string | undefined {
    return this.properties.computeId?.split('/').at(-1);
  }

  /** Statuses in the order the job went through them. */
  get history(): JobStatus[] {
    return this.transitions.map((t) => t.status);
  }

  move(status: JobStatus): void {
    if (this.ended || this.status === status) return;
    const now = Date.now();
    this.status = status;
    this.transitions.push({ status, at: now });
    this.lastModifiedAt = now;
    this.revision++;
    if (status === 'Running') this.startTime = now;
    if (this.ended) this.endTime = now;
  }

  /** Ends the job, with its error when it failed (or was stopped for a reason worth telling). */
  finish(status: 'Completed' | 'Failed' | 'Canceled', error?: RunError): void {
    if (this.ended) return;
    this.error = error;
    this.move(status);
  }

  /** The JobBase resource, as jobs.get and jobs.list answer it. */
  resource(studioUrl: string, trackingUrl: string): Json {
    const { tags, ...properties } = this.properties;
    return {
      id: this.id,
      name: this.name,
      type: 'Microsoft.MachineLearningServices/workspaces/jobs',
      properties: {
        ...properties,
        tags,
        status: this.status,
        services: {
          ...(properties.services as Json | undefined),
          Tracking: { jobServiceType: 'Tracking', endpoint: trackingUrl, status: null, errorMessage: null },
          Studio: { jobServiceType: 'Studio', endpoint: studioUrl, status: null, errorMessage: null },
        },
      },
      systemData: {
        createdAt: new Date(this.createdAt).toISOString(),
        createdBy: this.createdBy,
        createdByType: 'Application',
        lastModifiedAt: new Date(this.lastModifiedAt).toISOString(),
        lastModifiedBy: this.createdBy,
        lastModifiedByType: 'Application',
      },
    };
  }

  /** Run history's RunDetails; `logUrl` signs a log file's blob path into a read URL. */
  runDetails(logUrl: (blobPath: string) => string): Json {
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      runId: this.name,
      runUuid: this.runUuid,
      parentRunUuid: null,
      rootRunUuid: this.runUuid,
      target: this.computeName ?? null,
      status: this.status,
      parentRunId: null,
      createdTimeUtc: iso(this.createdAt),
      startTimeUtc: iso(this.startTime),
      endTimeUtc: iso(this.endTime),
      error: this.error ? runHistoryError(this.error, this.workspace.location) : null,
      warnings: [],
      tags: this.properties.tags,
      properties: { 'azureml.runsource': 'azureml.CommandJob', ...(this.properties.properties as Json | undefined) },
      parameters: {},
      services: {},
      inputDatasets: [],
      outputDatasets: [],
      runDefinition: null,
      logFiles: Object.fromEntries([...this.logFiles].map(([name, blob]) => [name, logUrl(blob)])),
      jobCost: null,
      revision: this.revision,
      runTypeV2: {
        orchestrator: 'Execution',
        traits: ['azureml.command'],
        attribution: null,
        computeType: 'AmlCompute',
      },
      settings: {},
      computeRequest: { nodeCount: this.properties.resources.instanceCount, gpuCount: 0 },
      compute: null,
      createdBy: { userObjectId: this.createdBy, userPuId: null, userIdp: null, userAltSecId: null, userIss: null },
      computeDuration: this.computeDuration(),
    };
  }

  private computeDuration(): string | null {
    if (this.startTime === undefined) return null;
    const ms = (this.endTime ?? Date.now()) - this.startTime;
    const seconds = ms / 1000;
    const hh = String(Math.floor(seconds / 3600)).padStart(2, '0');
    const mm = String(Math.floor((seconds % 3600) / 60)).padStart(2, '0');
    const ss = (seconds % 60).toFixed(7).padStart(10, '0');
    return `${hh}:${mm}:${ss}`;
  }
}

/** Every job of the emulator, per workspace. */
export class MlJobStore {
  private readonly jobs = new Map<string, MlJob>();

  private static key(workspaceId: string, name: string): string {
    return `${workspaceId}/${name}`.toLowerCase();
  }

  get(workspaceId: string, name: string): MlJob | undefined {
    return this.jobs.get(MlJobStore.key(workspaceId, name));
  }

  add(job: MlJob): void {
    this.jobs.set(MlJobStore.key(job.workspace.id, job.name), job);
  }

  /** A workspace's jobs, oldest first. */
  of(workspaceId: string): MlJob[] {
    return [...this.jobs.values()].filter((j) => j.workspace.id.toLowerCase() === workspaceId.toLowerCase());
  }

  all(): MlJob[] {
    return [...this.jobs.values()];
  }
}
