// The Vertex AI step operator: each step a custom job on the machine it asks for. Custom job ids
// are the server's, so submit is made idempotent by the run id's label: ListCustomJobs filtered by
// it comes first, a create whose answer was lost is looked for again, and two submits that raced
// keep the older job and cancel the newer. Status is GetCustomJob read by customJobStatus, logs
// are tailed from Cloud Logging, and cancel is CancelCustomJob, then waiting for the job to end.
// The clients (Vertex's job service, Cloud Logging) load on first use, over their REST
// transports, with the operator's key file or Application Default Credentials.
import type { google } from '@google-cloud/aiplatform/build/protos/protos';
import type { JobServiceClient } from '@google-cloud/aiplatform/build/src/v1/job_service_client.js';
import type { LoggingServiceV2Client } from '@google-cloud/logging/build/src/v2/logging_service_v2_client.js';
import { Backoff, retrying, sleep } from '../../../operators/polling';
import { RecentStatuses } from '../../../operators/recentStatus';
import {
  type JobHandle,
  type JobSpec,
  type JobStatus,
  type LogBatch,
  type LogCursor,
  type StepOperator,
  isTerminal,
} from '../../../operators/stepOperator';
import { keptClient } from '../clientCache';
import { type GoogleCall, explainGoogleCallError, googleApiFailure, isRetryableGoogleError } from '../errors';
import { createLoggingClient, listEntriesWith } from './cloudLoggingClient';
import { type ListEntries, tailCloudLogging } from './cloudLoggingTail';
import { customJobRequest, runIdFilter } from './customJobRequest';
import { customJobId, customJobStatus, isoTime } from './customJobStatus';
import { type VertexConnection, createJobServiceClient, vertexConnection, vertexParent } from './vertexClient';
import { vertexJobSettings } from './vertexSettings';

type CustomJob = google.cloud.aiplatform.v1.ICustomJob;

export const VERTEX_FLAVOR = 'vertex';

/** Calls are retried by stepops (the status watch, the tail, cancel's wait), not by the client. */
const CALL = { timeout: 60_000, retry: { retryCodes: [] } };
/** Cloud Logging allows 60 entries.list calls a minute per project by default: a tail takes a share. */
const LOG_POLL_MS = 3000;
const CANCEL_WAIT_MS = 10 * 60_000;
const READ_PATIENCE_MS = 60_000;

export interface VertexClients {
  readonly jobs: JobServiceClient;
  /** Made on the first logs() call: a run that never reads logs never loads the Logging client. */
  readonly logs: () => Promise<LoggingServiceV2Client>;
  readonly connection: VertexConnection;
}

/** The clients of a connection, made once per process (clientCache.ts says why). */
export function connectVertexOnce(config: Readonly<Record<string, unknown>>): Promise<VertexClients> {
  return keptClient('vertex', vertexConnection(config), () => connectVertex(config));
}

export async function connectVertex(config: Readonly<Record<string, unknown>>): Promise<VertexClients> {
  const connection = vertexConnection(config);
  if (!connection.project) throw new Error('The Vertex AI operator has no project: set its "project".');
  if (!connection.region) throw new Error('The Vertex AI operator has no region: set its "region".');
  let logs: Promise<LoggingServiceV2Client> | undefined;
  try {
    return {
      jobs: await createJobServiceClient(connection),
      logs: () =>
        (logs ??= createLoggingClient(connection).catch((error: unknown) => {
          logs = undefined;
          throw new Error(explainGoogleCallError(error, loggingCall(connection)), { cause: error });
        })),
      connection,
    };
  } catch (error) {
    throw new Error(explainGoogleCallError(error, vertexCall(connection, 'create custom jobs in', 'create')), {
      cause: error,
    });
  }
}

export class VertexOperator implements StepOperator {
  /** The latest status per job, so the log tail's "has it ended?" costs no second GetCustomJob. */
  private readonly recent: RecentStatuses;

  constructor(
    private readonly clients: VertexClients,
    /** The component's non-secret config, kept in each handle for reattach. */
    private readonly config: Readonly<Record<string, unknown>>,
    private readonly pollMs = 2000,
    private readonly logPollMs = LOG_POLL_MS,
  ) {
    this.recent = new RecentStatuses(pollMs);
  }

  get statusPollMs(): number {
    return this.pollMs;
  }

  async submit(job: JobSpec, signal: AbortSignal): Promise<JobHandle> {
    const existing = await this.oldestJob(job.runId);
    if (existing) return this.handleFor(existing);
    const request = customJobRequest(job, vertexJobSettings(job.settings));
    signal.throwIfAborted();
    let created: CustomJob;
    try {
      [created] = await this.clients.jobs.createCustomJob(
        { parent: vertexParent(this.clients.connection), customJob: request },
        CALL,
      );
    } catch (error) {
      // The answer may have been lost after Vertex made the job: look before reporting a failure.
      const made = isRetryableGoogleError(error) ? await this.oldestJob(job.runId).catch(() => undefined) : undefined;
      if (made) return this.handleFor(made);
      throw new Error(explainSubmitError(error, this.clients.connection, request), { cause: error });
    }
    return this.handleFor(await this.keepOldest(job.runId, created));
  }

  async find(runId: string): Promise<JobHandle | undefined> {
    const found = await this.oldestJob(runId);
    return found ? this.handleFor(found) : undefined;
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    const job = await this.get(handle.jobId);
    const status: JobStatus = job
      ? customJobStatus(job, this.clients.connection)
      : {
          state: 'failed',
          backendStatus: 'missing',
          failureKind: 'platform',
          failureReason: `Vertex AI has no custom job ${handle.jobId} (deleted, or another project or region).`,
        };
    return this.recent.remember(handle.jobId, status);
  }

  logs(handle: JobHandle, from?: LogCursor, signal?: AbortSignal): AsyncIterable<LogBatch> {
    return this.tail(handle, from, signal);
  }

  private async *tail(handle: JobHandle, from?: LogCursor, signal?: AbortSignal): AsyncIterable<LogBatch> {
    const list = explainedList(listEntriesWith(await this.clients.logs()), this.clients.connection);
    yield* tailCloudLogging(list, from, {
      project: this.clients.connection.project,
      jobId: customJobId(handle.jobId),
      since: logsSince(handle.details.createTime),
      multiReplica: Number(handle.details.replicaCount ?? 1) > 1,
      jobEnded: () => this.recent.ended(handle.jobId, () => this.status(handle)),
      endTime: () => {
        const ended = this.recent.last(handle.jobId)?.endedAt;
        return ended ? Date.parse(ended) : undefined;
      },
      pollMs: this.logPollMs,
      ...(signal ? { signal } : {}),
    });
  }

  async cancel(handle: JobHandle): Promise<void> {
    try {
      await this.clients.jobs.cancelCustomJob({ name: handle.jobId }, CALL);
    } catch (error) {
      // A job that already ended cannot be cancelled (FAILED_PRECONDITION): nothing to do.
      const job = await this.get(handle.jobId);
      if (!job || isTerminal(customJobStatus(job, this.clients.connection).state)) return;
      throw new Error(
        explainGoogleCallError(error, vertexCall(this.clients.connection, 'cancel custom jobs in', 'cancel')),
        { cause: error },
      );
    }
    await this.waitForEnd(handle);
  }

  /** After CancelCustomJob: until Vertex says CANCELLED (or another end), within a limit. */
  private async waitForEnd(handle: JobHandle): Promise<void> {
    const backoff = new Backoff(this.pollMs, 15_000);
    const deadline = Date.now() + CANCEL_WAIT_MS;
    while (Date.now() < deadline) {
      const status = await this.status(handle).catch((error: unknown) => {
        if (isRetryableGoogleError(error) || isRetryableGoogleError((error as Error).cause)) return undefined;
        throw error;
      });
      if (status && isTerminal(status.state)) return;
      await sleep(Math.max(this.pollMs / 2, backoff.next()));
    }
  }

  private async get(name: string): Promise<CustomJob | undefined> {
    try {
      return (await this.clients.jobs.getCustomJob({ name }, CALL))[0];
    } catch (error) {
      if (googleApiFailure(error).status === 'NOT_FOUND') return undefined;
      throw new Error(
        explainGoogleCallError(error, vertexCall(this.clients.connection, 'read custom jobs in', 'get')),
        {
          cause: error,
        },
      );
    }
  }

  /** The run's jobs, found by its label; the exact run id confirmed where the job carries it. */
  private async jobsOf(runId: string): Promise<CustomJob[]> {
    const jobs: CustomJob[] = [];
    let pageToken: string | undefined;
    do {
      let page: CustomJob[];
      let response: { nextPageToken?: string | null } | undefined;
      try {
        const request = {
          parent: vertexParent(this.clients.connection),
          filter: runIdFilter(runId),
          pageSize: 100,
          ...(pageToken ? { pageToken } : {}),
        };
        [page, , response] = await patiently(() =>
          this.clients.jobs.listCustomJobs(request, { ...CALL, autoPaginate: false }),
        );
      } catch (error) {
        throw new Error(
          explainGoogleCallError(error, vertexCall(this.clients.connection, 'list custom jobs in', 'list')),
          { cause: error },
        );
      }
      jobs.push(...page.filter((job) => carriesRunId(job, runId)));
      pageToken = response?.nextPageToken || undefined;
    } while (pageToken);
    return jobs;
  }

  private async oldestJob(runId: string): Promise<CustomJob | undefined> {
    return oldestFirst(await this.jobsOf(runId))[0];
  }

  /**
   * Two submits of one run that raced (two windows, a retry while the first was in flight) each
   * made a job: the older one is the run's, the newer one is cancelled before it costs anything.
   */
  private async keepOldest(runId: string, created: CustomJob): Promise<CustomJob> {
    const oldest = await this.oldestJob(runId).catch(() => undefined);
    if (!oldest || oldest.name === created.name) return created;
    await this.clients.jobs.cancelCustomJob({ name: created.name! }, CALL).catch(() => undefined);
    return oldest;
  }

  private handleFor(job: CustomJob): JobHandle {
    const replicas = (job.jobSpec?.workerPoolSpecs ?? []).reduce(
      (sum, pool) => sum + Number(pool.replicaCount ?? 1),
      0,
    );
    return {
      version: 2,
      operator: VERTEX_FLAVOR,
      jobId: job.name!,
      config: this.config,
      details: {
        project: this.clients.connection.project,
        region: this.clients.connection.region,
        replicaCount: String(Math.max(1, replicas)),
        createTime: isoTime(job.createTime) ?? new Date().toISOString(),
      },
    };
  }
}

/**
 * Where a tail without a cursor starts: a minute before the job was created (the filter names the
 * job, so nothing older can match, and a replica's clock a little behind Vertex's loses no line).
 */
function logsSince(createTime: string | undefined): string {
  const created = createTime ? Date.parse(createTime) : NaN;
  return new Date(Number.isNaN(created) ? 0 : created - 60_000).toISOString();
}

/**
 * A read that throttling or a 5xx should not fail (a submit's look for the run's job): retried
 * with backoff for a while, then the failure is the caller's.
 */
function patiently<T>(call: () => Promise<T>): Promise<T> {
  return retrying(call, new Backoff(500, 10_000), isRetryableGoogleError, AbortSignal.timeout(READ_PATIENCE_MS));
}

function carriesRunId(job: CustomJob, runId: string): boolean {
  const env = job.jobSpec?.workerPoolSpecs?.[0]?.containerSpec?.env ?? [];
  const stated = env.find((variable) => variable.name === 'STEPOPS_RUN_ID')?.value;
  return stated === undefined || stated === null || stated === runId;
}

function oldestFirst(jobs: CustomJob[]): CustomJob[] {
  const created = (job: CustomJob) => isoTime(job.createTime) ?? '';
  return [...jobs].sort((a, b) => created(a).localeCompare(created(b)) || (a.name ?? '').localeCompare(b.name ?? ''));
}

/** entries.list whose refusals are explained; what is worth retrying passes through as it is. */
function explainedList(list: ListEntries, connection: VertexConnection): ListEntries {
  return async (request, signal) => {
    try {
      return await list(request, signal);
    } catch (error) {
      if (isRetryableGoogleError(error)) throw error;
      throw new Error(explainGoogleCallError(error, loggingCall(connection)), { cause: error });
    }
  };
}

function vertexCall(connection: VertexConnection, doing: string, verb: string): GoogleCall {
  return {
    service: 'Vertex AI',
    api: 'aiplatform.googleapis.com',
    project: connection.project,
    region: connection.region,
    doing: `${doing} ${connection.project}/${connection.region}`,
    permission: `aiplatform.customJobs.${verb}`,
    role: 'roles/aiplatform.user',
    endpointFrom: 'the region name (or the API endpoint)',
  };
}

function loggingCall(connection: VertexConnection): GoogleCall {
  return {
    service: 'Cloud Logging',
    api: 'logging.googleapis.com',
    project: connection.project,
    doing: `read the log entries of project ${connection.project}`,
    permission: 'logging.logEntries.list',
    role: 'roles/logging.viewer',
    endpointFrom: 'the network (or the Cloud Logging endpoint)',
  };
}

function explainSubmitError(error: unknown, connection: VertexConnection, request: CustomJob): string {
  const failure = googleApiFailure(error);
  const account = request.jobSpec?.serviceAccount;
  if (failure.status === 'PERMISSION_DENIED' && account && /actAs/i.test(failure.message)) {
    return `Permission denied: the identity may not run jobs as ${account} (needs iam.serviceAccounts.actAs on it, e.g. the role roles/iam.serviceAccountUser). ${failure.message}`;
  }
  return explainGoogleCallError(error, {
    ...vertexCall(connection, 'create custom jobs in', 'create'),
    invalid: 'Vertex AI refused the custom job:',
  });
}
