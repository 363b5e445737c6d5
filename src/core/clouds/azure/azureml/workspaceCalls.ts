// The operator's calls on one Azure ML workspace besides the job's own lifecycle: the job read by
// name, the compute checked before a job is submitted, the step image's environment version
// read and made only when missing, the run history found through the workspace's discovery URL,
// and every refusal said once with the identity, tenant, permission and role named.
import type { AzureMachineLearningWorkspaces, JobBase } from '@azure/arm-machinelearning';
import type { JobSpec } from '../../../operators/stepOperator';
import type { AzureSignIn } from '../credentials';
import { type AzureCall, type AzureError, explainAzureError } from '../errors';
import { type AzureMlConnection, resourceManagerScope, workspaceId } from './azuremlClient';
import { environmentName, environmentVersion } from './azuremlNames';
import type { AzureMlJobSettings } from './azuremlSettings';
import { environmentVersionBody } from './commandJobRequest';
import { computeRefusal, isLowPriority } from './computeTarget';
import { RunHistory } from './runHistory';

export interface AzureMlClients {
  readonly connection: AzureMlConnection;
  readonly ml: AzureMachineLearningWorkspaces;
  readonly signIn: AzureSignIn;
}

export class WorkspaceCalls {
  private runHistory?: Promise<RunHistory>;

  constructor(readonly clients: AzureMlClients) {}

  /** Whether the compute can run the job as asked (refused with the fix otherwise); true for low-priority VMs. */
  async checkCompute(settings: AzureMlJobSettings): Promise<boolean> {
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
  async ensureEnvironment(job: JobSpec, settings: AzureMlJobSettings, signal: AbortSignal): Promise<string> {
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

  async getJob(name: string): Promise<JobBase | undefined> {
    const { resourceGroup, workspace } = this.clients.connection;
    try {
      return await this.clients.ml.jobs.get(resourceGroup, workspace, name);
    } catch (error) {
      if ((error as AzureError).statusCode === 404) return undefined;
      throw this.explain(error, jobsCall('read jobs', 'read'), `job ${name}`);
    }
  }

  /** The workspace's run history (its discovery URL read once). */
  history(): Promise<RunHistory> {
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

  /** A failed call said once: Azure's refusal with the identity, tenant and role named. */
  explain(error: unknown, call: AzureCall | undefined, what: string): Error {
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
      editorSignIn: this.clients.signIn.asksEditor,
      ...(tenantId ? { tenantId } : {}),
      ...(call ? { call: { ...call, doing: `${call.doing} in workspace ${workspace}` } } : {}),
    });
    return new Error(message, { cause: error });
  }
}

const DATA_SCIENTIST = 'AzureML Data Scientist';
export const jobsCall = (doing: string, verb: string): AzureCall => ({
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
export const RUNS_READ: AzureCall = {
  doing: 'read job runs and their logs',
  action: 'Microsoft.MachineLearningServices/workspaces/experiments/runs/read',
  role: DATA_SCIENTIST,
};
