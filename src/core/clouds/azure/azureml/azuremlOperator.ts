// The Azure ML step operator: each step a command job on the compute it asks for. Submit is
// idempotent: the job's name derives from the run id, an existing job is returned, and the PUT
// itself lands on the same job when retried. Before the job, the step image is registered as an
// environment version (named after the image's digest, created only when missing) and the
// compute is checked. Status comes from the job resource and the run history, logs are the
// job's std_log files read forward by byte range, and cancel is the job's cancel operation,
// polled until the job is Canceled. The SDKs load on first use; credentials come from the chain
// in credentials.ts (VS Code's Microsoft account, your Azure login, the service principal).
import type { AzureMachineLearningWorkspaces, JobBase } from '@azure/arm-machinelearning';
import type { ArtifactStore } from '../../../artifacts/artifactStore';
import { sleep } from '../../../operators/polling';
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
import type { AzureSignIn } from '../credentials';
import { type AzureCall, type AzureError, explainAzureError } from '../errors';
import {
  type AzureMlConnection,
  azureMlConnection,
  createAzureCredential,
  createWorkspacesClient,
  resourceManagerScope,
  workspaceId,
} from './azuremlClient';
import { commandJobName, environmentName, environmentVersion } from './azuremlNames';
import { type AzureMlJobSettings, azuremlJobSettings } from './azuremlSettings';
import { commandJobBody, environmentVersionBody } from './commandJobRequest';
import { commandJobStatus } from './commandJobStatus';
import { computeRefusal, isLowPriority } from './computeTarget';
import { JobBodiesAsWritten } from './jobBodyAsWritten';
import { tailJobLogs } from './jobLogTail';
import { type RunDetails, RunHistory } from './runHistory';

export const AZUREML_FLAVOR = 'azureml';

/** Statuses before the job's process runs: the run history has no times or logs for them yet. */
const BEFORE_RUNNING = new Set(['NotStarted', 'Starting', 'Provisioning', 'Preparing', 'Queued']);
/** How long cancel waits for the job to end after Azure ML accepted the cancellation. */
const CANCEL_WAIT_MS = 3 * 60_000;

export interface AzureMlClients {
  readonly connection: AzureMlConnection;
  readonly ml: AzureMachineLearningWorkspaces;
  readonly signIn: AzureSignIn;
}

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

export class AzureMlOperator implements StepOperator {
  /** The latest status per job, so the log tail's "has it ended?" costs no second GET. */
  private readonly lastStatus = new Map<string, { readonly at: number; readonly status: JobStatus }>();
  private runHistory?: Promise<RunHistory>;
  private readonly jobBodies: JobBodiesAsWritten;

  constructor(
    private readonly clients: AzureMlClients,
    /** The component's non-secret config, kept in each handle for reattach. */
    private readonly config: Readonly<Record<string, unknown>>,
    private readonly store: () => Promise<ArtifactStore>,
    private readonly pollMs = 2000,
  ) {
    this.jobBodies = new JobBodiesAsWritten(clients.ml.pipeline);
  }

  async submit(job: JobSpec, signal: AbortSignal): Promise<JobHandle> {
    const name = commandJobName(job.runId);
    const existing = await this.getJob(name);
    if (existing) return this.handleFor(name, existing);
    const settings = azuremlJobSettings(job.settings);
    const lowPriority = await this.checkCompute(settings);
    const store = await this.store();
    const environmentId = await this.ensureEnvironment(job, settings, signal);
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
      const raced = (error as AzureError).statusCode === 400 ? await this.getJob(name) : undefined;
      if (raced) return this.handleFor(name, raced, lowPriority);
      throw this.explain(error, jobsCall('create jobs', 'write'), 'the command job');
    }
  }

  async find(runId: string): Promise<JobHandle | undefined> {
    const name = commandJobName(runId);
    const found = await this.getJob(name);
    return found ? this.handleFor(name, found) : undefined;
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    const status = await this.readStatus(handle);
    this.lastStatus.set(handle.jobId, { at: Date.now(), status });
    return status;
  }

  logs(handle: JobHandle, from?: LogCursor, signal?: AbortSignal): AsyncIterable<LogBatch> {
    let endedAt: number | undefined;
    return tailJobLogs(from, {
      jobName: handle.jobId,
      details: async (roundSignal) => {
        const details = await (await this.history()).details(handle.jobId, roundSignal).catch((error: unknown) => {
          throw roundSignal?.aborted ? error : this.explain(error, RUNS_READ, 'the job’s run history');
        });
        if (details?.endTimeUtc) endedAt = Date.parse(details.endTimeUtc);
        return details;
      },
      jobEnded: async () => {
        // The runner's status watch asks every few hundred milliseconds: a fresh answer is reused.
        const recent = this.lastStatus.get(handle.jobId);
        const status = recent && Date.now() - recent.at < this.pollMs ? recent.status : await this.status(handle);
        return isTerminal(status.state);
      },
      endTime: () => endedAt,
      pollMs: this.pollMs,
      // Azure ML may append a job's last lines a little after it ended.
      settleMs: 10_000,
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
      const job = await this.getJob(handle.jobId);
      if (job && isTerminal(commandJobStatus(job, undefined).state)) return;
      throw this.explain(error, jobsCall('cancel jobs', 'cancel/action'), 'the cancellation');
    }
    // The operation succeeds once Azure ML took the request; the job ends Canceled after it.
    const deadline = Date.now() + CANCEL_WAIT_MS;
    while (Date.now() < deadline) {
      const job = await this.getJob(handle.jobId);
      if (!job || isTerminal(commandJobStatus(job, undefined).state)) return;
      await sleep(this.pollMs);
    }
  }

  private async readStatus(handle: JobHandle): Promise<JobStatus> {
    const job = await this.getJob(handle.jobId);
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
    return (await this.history()).details(jobName).catch(() => undefined);
  }

  private history(): Promise<RunHistory> {
    this.runHistory ??= (async () => {
      const { connection, ml, signIn } = this.clients;
      const found = await ml.workspaces.get(connection.resourceGroup, connection.workspace).catch((error: unknown) => {
        throw this.explain(error, undefined, 'the workspace');
      });
      if (!found.discoveryUrl) {
        throw new Error(
          `Workspace ${connection.workspace} names no discovery URL, so its run history cannot be found.`,
        );
      }
      return new RunHistory(
        {
          workspaceId: workspaceId(connection),
          discoveryUrl: found.discoveryUrl,
          scope: resourceManagerScope(connection),
        },
        signIn,
      );
    })().catch((error: unknown) => {
      this.runHistory = undefined;
      throw error;
    });
    return this.runHistory;
  }

  /** Whether the compute can run the job as asked (refused with the fix otherwise); true for low-priority VMs. */
  private async checkCompute(settings: AzureMlJobSettings): Promise<boolean> {
    const { resourceGroup, workspace } = this.clients.connection;
    let compute;
    try {
      compute = await this.clients.ml.computeOperations.get(resourceGroup, workspace, settings.computeName);
    } catch (error) {
      if ((error as AzureError).statusCode === 404) {
        throw new Error(
          `Workspace ${workspace} has no compute ${settings.computeName}: create it (az ml compute create --name ${settings.computeName} --type AmlCompute ...) or set compute_name to one it has (az ml compute list).`,
        );
      }
      throw this.explain(error, COMPUTE_READ, `the compute ${settings.computeName}`);
    }
    const refusal = computeRefusal(compute, settings);
    if (refusal) throw new Error(refusal);
    return isLowPriority(compute);
  }

  /** The environment version of the step image: read, and created only when missing. Its ARM id. */
  private async ensureEnvironment(job: JobSpec, settings: AzureMlJobSettings, signal: AbortSignal): Promise<string> {
    const { resourceGroup, workspace } = this.clients.connection;
    const name = environmentName(job.image, settings.environmentName);
    const version = environmentVersion(job.image, job.imageDigest);
    const body = environmentVersionBody(job);
    const versions = this.clients.ml.environmentVersions;
    const id = `${workspaceId(this.clients.connection)}/environments/${name}/versions/${version}`;
    const existing = await versions
      .get(resourceGroup, workspace, name, version, { abortSignal: signal })
      .catch((error: unknown) => {
        if ((error as AzureError).statusCode === 404) return undefined;
        throw this.explain(error, ENVIRONMENTS_WRITE, `environment ${name}`);
      });
    if (existing) {
      if (existing.properties.image === body.properties.image) return id;
      throw new Error(
        `Environment ${name} version ${version} in workspace ${workspace} has the image ${existing.properties.image ?? '(none)'}, not ${body.properties.image}: set environment_name to an environment of stepops' own.`,
      );
    }
    try {
      await versions.createOrUpdate(resourceGroup, workspace, name, version, body, { abortSignal: signal });
    } catch (error) {
      throw this.explain(error, ENVIRONMENTS_WRITE, `environment ${name} version ${version}`);
    }
    return id;
  }

  private async getJob(name: string): Promise<JobBase | undefined> {
    const { resourceGroup, workspace } = this.clients.connection;
    try {
      return await this.clients.ml.jobs.get(resourceGroup, workspace, name);
    } catch (error) {
      if ((error as AzureError).statusCode === 404) return undefined;
      throw this.explain(error, jobsCall('read jobs', 'read'), `job ${name}`);
    }
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

  /** A failed call said once: Azure's refusal with the identity, tenant and role named. */
  private explain(error: unknown, call: AzureCall | undefined, what: string): Error {
    const { workspace, resourceGroup, subscriptionId, tenantId } = this.clients.connection;
    const e = error as AzureError;
    if (e.statusCode === 400 && e.code !== undefined) {
      return new Error(`Azure ML refused ${what}: ${e.message}`, { cause: error });
    }
    const message = explainAzureError(e, {
      workspace,
      resourceGroup,
      subscriptionId,
      signIn: this.clients.signIn.signedInAs(),
      ...(tenantId ? { tenantId } : {}),
      ...(call ? { call: { ...call, doing: `${call.doing} in workspace ${workspace}` } } : {}),
    });
    return new Error(message, { cause: error });
  }
}

const DATA_SCIENTIST = 'AzureML Data Scientist';
const jobsCall = (doing: string, verb: string): AzureCall => ({
  doing,
  action: `Microsoft.MachineLearningServices/workspaces/jobs/${verb}`,
  role: DATA_SCIENTIST,
});
const COMPUTE_READ: AzureCall = {
  doing: 'read computes',
  action: 'Microsoft.MachineLearningServices/workspaces/computes/read',
  role: DATA_SCIENTIST,
};
const ENVIRONMENTS_WRITE: AzureCall = {
  doing: 'register environments',
  action: 'Microsoft.MachineLearningServices/workspaces/environments/versions/write',
  role: DATA_SCIENTIST,
};
const RUNS_READ: AzureCall = {
  doing: 'read job runs and their logs',
  action: 'Microsoft.MachineLearningServices/workspaces/experiments/runs/read',
  role: DATA_SCIENTIST,
};
