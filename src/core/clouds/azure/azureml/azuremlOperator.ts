// The Azure ML step operator: each step a command job on the compute it asks for. Submit is
// idempotent: the job's name derives from the run id, an existing job is returned, and the PUT
// itself lands on the same job when retried. Before the job, the step image is registered as an
// environment version (named after the image's digest, created only when missing) and the
// compute is checked. Status comes from the job resource and the run history, logs are the
// job's std_log files read forward by byte range, and cancel is the job's cancel operation,
// polled until the job is Canceled. The SDKs load on first use; credentials come from the chain
// in credentials.ts (VS Code's Microsoft account, your Azure login, the service principal).
import type { JobBase } from '@azure/arm-machinelearning';
import type { ArtifactStore } from '../../../artifacts/artifactStore';
import { sleep } from '../../../operators/polling';
import { RecentStatuses } from '../../../operators/recentStatus';
import {
  type JobHandle,
  type JobSpec,
  type JobStatus,
  type LogBatch,
  type LogCursor,
  type OperatorContext,
  type StepOperator,
  isTerminal,
} from '../../../operators/stepOperator';
import { blobUrlOf } from '../blob/blobUrls';
import type { AzureError } from '../errors';
import { azureMlConnection, createAzureCredential, createWorkspacesClient, workspaceId } from './azuremlClient';
import { commandJobName } from './azuremlNames';
import { azuremlJobSettings } from './azuremlSettings';
import { commandJobBody } from './commandJobRequest';
import { commandJobStatus } from './commandJobStatus';
import { JobBodiesAsWritten } from './jobBodyAsWritten';
import { tailJobLogs } from './jobLogTail';
import type { RunDetails } from './runHistory';
import { type AzureMlClients, RUNS_READ, WorkspaceCalls, jobsCall } from './workspaceCalls';

export const AZUREML_FLAVOR = 'azureml';

/** Statuses before the job's process runs: the run history has no times or logs for them yet. */
const BEFORE_RUNNING = new Set(['NotStarted', 'Starting', 'Provisioning', 'Preparing', 'Queued']);
/** How long cancel waits for the job to end after Azure ML accepted the cancellation. */
const CANCEL_WAIT_MS = 3 * 60_000;

export async function connectAzureMl(
  config: Readonly<Record<string, unknown>>,
  context: Pick<OperatorContext, 'secret' | 'signIns'>,
): Promise<AzureMlClients> {
  const connection = await azureMlConnection(config, context.secret);
  if ('problem' in connection) throw new Error(connection.problem);
  const signIn = await createAzureCredential(connection, context.signIns?.microsoft);
  // The SDK retries throttled (429, honouring Retry-After) and failed calls itself.
  return { connection, signIn, ml: await createWorkspacesClient(connection, signIn, 4) };
}

/**
 * The log tail's pause while a job is printing: a round a second is a run-history read and a
 * ranged read of each log blob a second, data-plane calls outside Resource Manager's read quota.
 */
const BUSY_LOG_POLL_MS = 1000;

export class AzureMlOperator implements StepOperator {
  /** The latest status per job, so the log tail's "has it ended?" costs no second GET. */
  private readonly recent: RecentStatuses;
  private readonly jobBodies: JobBodiesAsWritten;
  private readonly calls: WorkspaceCalls;

  constructor(
    private readonly clients: AzureMlClients,
    /** The component's non-secret config, kept in each handle for reattach. */
    private readonly config: Readonly<Record<string, unknown>>,
    private readonly store: () => Promise<ArtifactStore>,
    private readonly pollMs = 2000,
  ) {
    this.jobBodies = new JobBodiesAsWritten(clients.ml.pipeline);
    this.calls = new WorkspaceCalls(clients);
    this.recent = new RecentStatuses(pollMs);
  }

  get statusPollMs(): number {
    return this.pollMs;
  }

  async submit(job: JobSpec, signal: AbortSignal): Promise<JobHandle> {
    const name = commandJobName(job.runId);
    const existing = await this.calls.getJob(name);
    if (existing) return this.handleFor(name, existing);
    const settings = azuremlJobSettings(job.settings);
    const lowPriority = await this.calls.checkCompute(settings);
    const store = await this.store();
    const environmentId = await this.calls.ensureEnvironment(job, settings, signal);
    const body = commandJobBody(
      job,
      settings,
      { environmentId, computeId: `${workspaceId(this.clients.connection)}/computes/${settings.computeName}` },
      (uri, kind) => blobUrlOf(store, uri, kind),
    );
    signal.throwIfAborted();
    const { resourceGroup, workspace } = this.clients.connection;
    try {
      const created = await this.jobBodies.put(`/workspaces/${workspace}/jobs/${name}`, body, () =>
        this.clients.ml.jobs.createOrUpdate(resourceGroup, workspace, name, body, { abortSignal: signal }),
      );
      return this.handleFor(name, created, lowPriority);
    } catch (error) {
      // Another attempt (a retry after a lost answer, another process) made it first: that is the job.
      const raced = (error as AzureError).statusCode === 400 ? await this.calls.getJob(name) : undefined;
      if (raced) return this.handleFor(name, raced, lowPriority);
      throw this.calls.explain(error, jobsCall('create jobs', 'write'), 'the command job');
    }
  }

  async find(runId: string): Promise<JobHandle | undefined> {
    const name = commandJobName(runId);
    const found = await this.calls.getJob(name);
    return found ? this.handleFor(name, found) : undefined;
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    return this.recent.remember(handle.jobId, await this.readStatus(handle));
  }

  logs(handle: JobHandle, from?: LogCursor, signal?: AbortSignal): AsyncIterable<LogBatch> {
    return tailJobLogs(from, {
      details: async (roundSignal) => {
        const history = await this.calls.history();
        return history.details(handle.jobId, roundSignal).catch((error: unknown) => {
          throw roundSignal?.aborted ? error : this.calls.explain(error, RUNS_READ, 'the job’s run history');
        });
      },
      jobEnded: () => this.recent.ended(handle.jobId, () => this.status(handle)),
      // Azure ML has the logs uploaded before a job leaves Finalizing; the quiet rounds after the end suffice.
      pollMs: this.pollMs,
      busyPollMs: Math.min(this.pollMs, BUSY_LOG_POLL_MS),
      ...(signal ? { signal } : {}),
    });
  }

  async cancel(handle: JobHandle): Promise<void> {
    const { resourceGroup, workspace } = this.clients.connection;
    try {
      const poller = await this.clients.ml.jobs.beginCancel(resourceGroup, workspace, handle.jobId, {
        updateIntervalInMs: this.pollMs,
      });
      await poller.pollUntilDone();
    } catch (error) {
      // A job that already ended cannot be canceled (Azure ML answers 400): nothing to do.
      const job = await this.calls.getJob(handle.jobId);
      if (job && isTerminal(commandJobStatus(job, undefined).state)) return;
      throw this.calls.explain(error, jobsCall('cancel jobs', 'cancel/action'), 'the cancellation');
    }
    // The operation succeeds once Azure ML took the request; the job ends Canceled after it.
    const deadline = Date.now() + CANCEL_WAIT_MS;
    while (Date.now() < deadline) {
      const job = await this.calls.getJob(handle.jobId);
      if (!job || isTerminal(commandJobStatus(job, undefined).state)) return;
      await sleep(this.pollMs);
    }
  }

  private async readStatus(handle: JobHandle): Promise<JobStatus> {
    const job = await this.calls.getJob(handle.jobId);
    const lowPriority = handle.details.lowPriority === 'true';
    if (!job) {
      return {
        state: 'failed',
        backendStatus: 'missing',
        failureKind: 'platform',
        failureReason: `Azure ML has no job ${handle.jobId} in workspace ${this.clients.connection.workspace}.`,
      };
    }
    const backendStatus = job.properties.status ?? 'NotStarted';
    const details = BEFORE_RUNNING.has(backendStatus) ? undefined : await this.details(handle.jobId);
    return commandJobStatus(job, details, lowPriority);
  }

  /** The run history's details, or none when it cannot be read now: the log tail reports why. */
  private async details(jobName: string): Promise<RunDetails | undefined> {
    return this.calls
      .history()
      .then((history) => history.details(jobName))
      .catch(() => undefined);
  }

  private handleFor(name: string, job: JobBase, lowPriority?: boolean): JobHandle {
    const resources = 'resources' in job.properties ? job.properties.resources : undefined;
    return {
      version: 2,
      operator: AZUREML_FLAVOR,
      jobId: name,
      config: this.config,
      details: {
        workspace: this.clients.connection.workspace,
        instanceCount: String((resources as { instanceCount?: number } | undefined)?.instanceCount ?? 1),
        ...(lowPriority !== undefined ? { lowPriority: String(lowPriority) } : {}),
      },
    };
  }
}
