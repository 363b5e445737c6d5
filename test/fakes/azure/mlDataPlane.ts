// Azure ML's regional data plane as the emulator serves it (REGION.api.azureml.ms), over TLS with
// the Azure fake's certificate: the discovery document a workspace's discoveryUrl points at (no
// authentication, as Azure's), and run history's run details, which is how `az ml job stream` and
// azure-ai-ml find a job's status, error and log files (each a read-only SAS URL). Callers bring
// the Resource Manager token they use for the jobs; the same checks apply (tenant, role:
// Microsoft.MachineLearningServices/workspaces/experiments/runs/read on the workspace).
import type { IncomingMessage } from 'node:http';
import { type FakeListen, type LoopbackServer, startLoopbackServer } from '../loopbackServer';
import type { TestCertificate } from '../selfSignedCert';
import { AZURE_RESOURCE_MANAGER_WIRE } from '../wireFaults';
import type { MlJobStore } from './mlJobs';
import { runHistoryError } from './mlErrors';
import type { ArmReply, ResourceManager } from './resourceManager';

const RUN_DETAILS =
  /^\/history\/v1\.0\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/runs\/([^/]+)\/details$/i;

export const RUNS_READ = 'Microsoft.MachineLearningServices/workspaces/experiments/runs/read';

export interface DataPlaneOptions {
  readonly certificate: TestCertificate;
  readonly arm: ResourceManager;
  readonly jobs: MlJobStore;
  /** Signs a log file's blob path into a read URL. */
  readonly logUrl: (blobPath: string) => string;
  readonly location: string;
  readonly listen?: FakeListen;
}

function dataPlaneOperation(req: IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/discovery') return 'Discovery';
  if (RUN_DETAILS.test(path)) return 'Runs_GetDetails';
  return `${req.method} ${path}`;
}

export async function startDataPlane(options: DataPlaneOptions): Promise<LoopbackServer> {
  const server: { url?: string } = {};
  const runHistoryNotFound = (message: string): ArmReply => ({
    status: 404,
    body: runHistoryError({ code: 'UserError', message }, options.location),
  });

  const discovery = (): ArmReply => {
    const base = server.url!;
    return {
      status: 200,
      body: {
        api: base,
        catalog: base,
        experimentation: base,
        gallery: base,
        history: base,
        hyperdrive: base,
        labeling: base,
        modelmanagement: base,
        pipelines: base,
        studiocoreservices: base,
      },
    };
  };

  const runDetails = (req: IncomingMessage, match: RegExpExecArray): ArmReply => {
    const [, subscriptionId, group, workspaceName, runId] = match as unknown as string[];
    const authenticated = options.arm.authenticate(req);
    if ('reply' in authenticated) return authenticated.reply;
    const { claims } = authenticated;
    const subscription = options.arm.subscriptionFor(subscriptionId!, claims);
    if (!('tenantId' in subscription)) return subscription;
    const workspace = options.arm.workspace(subscription, group!, workspaceName!);
    if (!('id' in workspace)) return workspace;
    const denied = options.arm.authorize(subscription, claims, RUNS_READ, workspace.id);
    if (denied) return denied;
    const job = options.jobs.get(workspace.id, decodeURIComponent(runId!));
    if (!job) return runHistoryNotFound(`Run ${decodeURIComponent(runId!)} was not found`);
    return { status: 200, body: job.runDetails(options.logUrl) };
  };

  const started = await startLoopbackServer(
    async (req) => {
      const path = new URL(req.url ?? '/', 'https://fake').pathname;
      const match = RUN_DETAILS.exec(path);
      let reply: ArmReply;
      if (req.method === 'GET' && path === '/discovery') reply = discovery();
      else if (req.method === 'GET' && match) reply = runDetails(req, match);
      else reply = runHistoryNotFound(`The Azure ML emulator's data plane does not serve ${req.method} ${path}.`);
      return {
        status: reply.status,
        body: reply.body === undefined ? '' : JSON.stringify(reply.body),
        headers: { 'content-type': 'application/json; charset=utf-8', ...reply.headers },
      };
    },
    {
      ...options.listen,
      tls: options.certificate,
      service: 'azureml',
      wire: AZURE_RESOURCE_MANAGER_WIRE,
      operationOf: dataPlaneOperation,
    },
  );
  server.url = started.url;
  return started;
}
