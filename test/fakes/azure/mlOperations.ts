// jobs.cancel as the long-running operation Resource Manager makes of it: the POST answers 202 with
// Azure-AsyncOperation (an operation status: InProgress, then Succeeded once the job is Canceled)
// and Location (202 while it runs, then 200), each with Retry-After, at the subscription's
// Microsoft.MachineLearningServices/locations/L/mfeOperationsStatus/ID and .../mfeOperationResults/ID,
// as @azure/core-lro polls them for jobs.beginCancel. Only the caller that started an operation
// may read it.
import { randomUUID } from 'node:crypto';
import { mlError } from './mlErrors';
import type { MlJob } from './mlJobs';
import type { ArmReply, ArmRequest } from './resourceManager';

export const OPERATION_PATH =
  /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/locations\/([^/]+)\/(mfeOperationsStatus|mfeOperationResults)\/([^/]+)$/i;

interface Operation {
  readonly id: string;
  readonly job: MlJob;
  readonly startedBy: string;
  readonly startTime: number;
}

export class CancelOperations {
  private readonly operations = new Map<string, Operation>();

  constructor(
    private readonly resourceManagerUrl: string,
    private readonly pollSeconds: number,
  ) {}

  /** The 202 of jobs.cancel, with the two URLs to poll. */
  accepted(request: ArmRequest, job: MlJob): ArmReply {
    const id = `jc:${job.runUuid}:${randomUUID().slice(0, 8)}`;
    this.operations.set(id.toLowerCase(), { id, job, startedBy: request.caller.appid, startTime: Date.now() });
    return { status: 202, headers: this.pollHeaders(job, id) };
  }

  private pollHeaders(job: MlJob, id: string): Record<string, string> {
    const base = `${this.resourceManagerUrl}/subscriptions/${job.workspace.subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${job.workspace.location}`;
    const version = `?api-version=2022-10-01`;
    return {
      'azure-asyncoperation': `${base}/mfeOperationsStatus/${encodeURIComponent(id)}${version}`,
      location: `${base}/mfeOperationResults/${encodeURIComponent(id)}${version}`,
      'retry-after': String(this.pollSeconds),
    };
  }

  /** GET of either URL. */
  read(request: ArmRequest, kind: string, id: string): ArmReply {
    const operation = this.operations.get(decodeURIComponent(id).toLowerCase());
    if (!operation || operation.startedBy !== request.caller.appid) {
      return mlError(
        404,
        'NotFound',
        `The operation '${decodeURIComponent(id)}' does not exist (or was started by another caller).`,
      );
    }
    const done = operation.job.ended;
    if (kind.toLowerCase() === 'mfeoperationresults') {
      return done ? { status: 200 } : { status: 202, headers: this.pollHeaders(operation.job, operation.id) };
    }
    return {
      status: 200,
      body: {
        id: request.url.pathname,
        name: operation.id,
        status: done ? 'Succeeded' : 'InProgress',
        startTime: new Date(operation.startTime).toISOString(),
        ...(done ? { endTime: new Date(operation.job.endTime ?? Date.now()).toISOString() } : {}),
      },
      ...(done ? {} : { headers: { 'retry-after': String(this.pollSeconds) } }),
    };
  }
}
