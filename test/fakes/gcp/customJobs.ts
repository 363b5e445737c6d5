// The Vertex emulator's custom jobs: the request as accepted (canonical proto3 JSON, see
// protoModel.ts), the server-chosen numeric id and the resource name Vertex writes with the
// project's number, the state with its moves (JOB_STATE_QUEUED, PENDING, RUNNING, then
// SUCCEEDED, FAILED or CANCELLING and CANCELLED), the times Vertex reports and the error it sets,
// and the CustomJob resource rendered from them.
import { randomInt } from 'node:crypto';
import { formatTimestamp, nowNanos } from './googleTime';

export type JobState =
  | 'JOB_STATE_QUEUED'
  | 'JOB_STATE_PENDING'
  | 'JOB_STATE_RUNNING'
  | 'JOB_STATE_SUCCEEDED'
  | 'JOB_STATE_FAILED'
  | 'JOB_STATE_CANCELLING'
  | 'JOB_STATE_CANCELLED';

export const ENDED_STATES: readonly JobState[] = ['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'];

/** google.rpc.Status as a job carries it: a gRPC code number and a message. */
export interface JobError {
  readonly code: number;
  readonly message: string;
}

type Json = Record<string, unknown>;

/** What Vertex fills in on every worker pool that runs something, when the request left it out. */
const DISK_DEFAULTS = { bootDiskType: 'pd-ssd', bootDiskSizeGb: 100 };

export class CustomJob {
  state: JobState = 'JOB_STATE_QUEUED';
  error: JobError | undefined;
  startTime: bigint | undefined;
  endTime: bigint | undefined;
  updateTime: bigint;
  /** Every state the job was in, in order (for tests). */
  readonly states: JobState[] = ['JOB_STATE_QUEUED'];
  /** Fired by cancelCustomJob; the runner winds the job down. */
  readonly cancel = new AbortController();
  readonly createTime: bigint;

  constructor(
    readonly id: string,
    readonly projectId: string,
    readonly projectNumber: string,
    readonly location: string,
    /** The accepted CustomJob: displayName, jobSpec, labels, encryptionSpec (output-only fields dropped). */
    readonly request: Json,
    now = nowNanos(),
  ) {
    this.createTime = now;
    this.updateTime = now;
  }

  /** projects/NUMBER/locations/L/customJobs/ID: Vertex names resources by project number. */
  get name(): string {
    return `projects/${this.projectNumber}/locations/${this.location}/customJobs/${this.id}`;
  }

  get displayName(): string {
    return String(this.request.displayName ?? '');
  }

  get labels(): Readonly<Record<string, string>> {
    return (this.request.labels ?? {}) as Record<string, string>;
  }

  get ended(): boolean {
    return ENDED_STATES.includes(this.state);
  }

  move(state: JobState, now = nowNanos()): void {
    if (this.state === state) return;
    this.state = state;
    this.states.push(state);
    this.updateTime = now;
    if (state === 'JOB_STATE_RUNNING') this.startTime = now;
    if (ENDED_STATES.includes(state)) this.endTime = now;
  }

  /** Ends the job; a failure or cancellation carries its error. */
  finish(state: 'JOB_STATE_SUCCEEDED' | 'JOB_STATE_FAILED' | 'JOB_STATE_CANCELLED', error?: JobError): void {
    this.error = error;
    this.move(state);
  }

  /** The CustomJob resource in canonical JSON (enum names, int64 as strings, defaults left out). */
  resource(): Json {
    const jobSpec = (this.request.jobSpec ?? {}) as Json;
    const pools = ((jobSpec.workerPoolSpecs ?? []) as Json[]).map((pool) =>
      Object.keys(pool).length === 0 ? pool : { ...pool, diskSpec: { ...DISK_DEFAULTS, ...(pool.diskSpec as Json) } },
    );
    const resource: Json = {
      name: this.name,
      ...this.request,
      jobSpec: { ...jobSpec, workerPoolSpecs: pools },
      state: this.state,
      createTime: formatTimestamp(this.createTime),
      updateTime: formatTimestamp(this.updateTime),
    };
    if (this.startTime !== undefined) resource.startTime = formatTimestamp(this.startTime);
    if (this.endTime !== undefined) resource.endTime = formatTimestamp(this.endTime);
    if (this.error) resource.error = { ...this.error };
    return resource;
  }
}

/** Vertex's job ids: 19-digit numbers, chosen by the server. */
export function newJobId(taken: (id: string) => boolean): string {
  for (;;) {
    const id = `${randomInt(1, 10)}${Array.from({ length: 18 }, () => randomInt(10)).join('')}`;
    if (!taken(id)) return id;
  }
}

/** Every job of the emulator, of every project and region it serves. */
export class CustomJobStore {
  private readonly jobs = new Map<string, CustomJob>();

  /** The job of that project (id or number), location and id, unless it was deleted. */
  get(project: { id: string; number: string }, location: string, id: string): CustomJob | undefined {
    const job = this.jobs.get(id);
    const ours = job && (job.projectId === project.id || job.projectNumber === project.number);
    return ours && job.location === location ? job : undefined;
  }

  byId(id: string): CustomJob | undefined {
    return this.jobs.get(id);
  }

  add(job: CustomJob): void {
    this.jobs.set(job.id, job);
  }

  delete(job: CustomJob): void {
    this.jobs.delete(job.id);
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  /** Oldest first. */
  all(): CustomJob[] {
    return [...this.jobs.values()];
  }
}
