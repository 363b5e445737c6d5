// The jobs operations of the Azure ML emulator, as Resource Manager answers them at
// .../workspaces/W/jobs: createOrUpdate (PUT by the client's name: 201 for a new job, 200 for the
// same body again, refused when an existing job's body changes in more than its tags, description,
// display name or archive flag), get, list (ActiveOnly by default, jobType and tag filters, pages
// with a nextLink) and cancel, a long-running operation (202 with Azure-AsyncOperation and
// Location, polled until the job is Canceled; see mlOperations.ts).
import { isDeepStrictEqual } from 'node:util';
import type { MachineLearningModel } from './mlModel';
import { mlError } from './mlErrors';
import { readBody, refuseName } from './mlRequests';
import { type JobPlan, type RulesContext, planJob, withDefaults } from './mlJobRules';
import { MUTABLE_PROPERTIES, MlJob, type MlJobStore } from './mlJobs';
import { type MlJobRunner, requestCancel } from './mlJobRunner';
import type { CancelOperations } from './mlOperations';
import { dataFolder } from './mlProcesses';
import type { ArmReply, ArmRequest, WorkspaceRef } from './resourceManager';

type Json = Record<string, unknown>;

export const JOBS_READ = 'Microsoft.MachineLearningServices/workspaces/jobs/read';
export const JOBS_WRITE = 'Microsoft.MachineLearningServices/workspaces/jobs/write';
export const JOBS_CANCEL = 'Microsoft.MachineLearningServices/workspaces/jobs/cancel/action';

const PAGE_SIZE = 20;

export interface JobRoutesOptions {
  readonly model: MachineLearningModel;
  readonly jobs: MlJobStore;
  readonly runner: MlJobRunner;
  readonly operations: CancelOperations;
  /** What a job is checked against in a workspace (its environments, computes, data), less the run's folder. */
  readonly rules: (workspace: WorkspaceRef) => Omit<RulesContext, 'dataFolder'>;
  /** The JobBase resource of a job (with its Studio and Tracking URLs). */
  readonly resource: (job: MlJob) => Json;
}

export class JobRoutes {
  constructor(private readonly options: JobRoutesOptions) {}

  get(request: ArmRequest, workspace: WorkspaceRef, name: string): ArmReply {
    const denied = request.authorize(JOBS_READ, `${workspace.id}/jobs/${name}`);
    if (denied) return denied;
    const job = this.options.jobs.get(workspace.id, name);
    return job ? { status: 200, body: this.options.resource(job) } : jobNotFound(workspace, name);
  }

  list(request: ArmRequest, workspace: WorkspaceRef): ArmReply {
    const denied = request.authorize(JOBS_READ, `${workspace.id}/jobs`);
    if (denied) return denied;
    const query = request.url.searchParams;
    const view = (query.get('listViewType') ?? 'ActiveOnly').toLowerCase();
    const jobType = query.get('jobType')?.toLowerCase();
    const tag = query.get('tag');
    const matching = this.options.jobs.of(workspace.id).filter((job) => {
      const archived = job.properties.isArchived === true;
      if ((view === 'activeonly' && archived) || (view === 'archivedonly' && !archived)) return false;
      if (jobType && job.properties.jobType.toLowerCase() !== jobType) return false;
      return tag === null || Object.hasOwn(job.properties.tags, tag);
    });
    const start = Number(Buffer.from(query.get('$skip') ?? '', 'base64url').toString('utf8') || 0);
    const page = matching.slice(start, start + PAGE_SIZE);
    const body: Json = { value: page.map((job) => this.options.resource(job)) };
    if (start + PAGE_SIZE < matching.length) {
      const next = new URL(request.url);
      next.searchParams.set('$skip', Buffer.from(String(start + PAGE_SIZE)).toString('base64url'));
      body.nextLink = next.toString();
    }
    return { status: 200, body };
  }

  put(request: ArmRequest, workspace: WorkspaceRef, name: string): ArmReply {
    const denied = request.authorize(JOBS_WRITE, `${workspace.id}/jobs/${name}`);
    if (denied) return denied;
    const { model } = this.options;
    const refused = refuseName(model, 'id1', 'job', name);
    if (refused) return refused;
    const body = readBody(model, request.body, 'JobBase', 'job', '{"properties": {"jobType": "Command", ...}}');
    if (!('value' in body)) return body;
    const requested = body.value.properties as Json;
    if (requested.jobType !== 'Command') {
      return mlError(
        400,
        'UserError',
        `The Azure ML emulator runs command jobs; ${String(requested.jobType)} jobs are not emulated.`,
      );
    }
    const properties = withDefaults(requested, name);
    const existing = this.options.jobs.get(workspace.id, name);
    if (existing) return this.putExisting(existing, properties);
    const job = new MlJob(workspace, name, properties, request.caller.oid);
    const plan = planJob(job, { ...this.options.rules(workspace), dataFolder: dataFolder(job) });
    if (!isPlan(plan)) return plan;
    this.options.jobs.add(job);
    this.options.runner.start(job, plan);
    return { status: 201, body: this.options.resource(job) };
  }

  /** The same job again: 200 (with its tags and the like updated); another job under its name: refused. */
  private putExisting(job: MlJob, properties: Json): ArmReply {
    const fixed = (p: Json) =>
      Object.fromEntries(Object.entries(p).filter(([k]) => !(MUTABLE_PROPERTIES as readonly string[]).includes(k)));
    const before = fixed(job.properties);
    const after = fixed(properties);
    if (!isDeepStrictEqual(before, after)) {
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (k) => !isDeepStrictEqual(before[k], after[k]),
      );
      return mlError(
        400,
        'UserError',
        `The job '${job.name}' already exists, and only its ${MUTABLE_PROPERTIES.join(', ')} can change; this request changes ${changed.map((k) => `properties.${k}`).join(', ')}. Submit the new job under another name.`,
        changed.map((k) => ({
          code: 'ImmutableProperty',
          message: 'cannot change on an existing job',
          target: `properties.${k}`,
        })),
      );
    }
    const mutable = Object.fromEntries(
      MUTABLE_PROPERTIES.filter((k) => k in properties).map((k) => [k, properties[k]]),
    );
    if (
      !isDeepStrictEqual(
        mutable,
        Object.fromEntries(MUTABLE_PROPERTIES.filter((k) => k in job.properties).map((k) => [k, job.properties[k]])),
      )
    ) {
      job.properties = { ...job.properties, ...mutable };
      job.lastModifiedAt = Date.now();
      job.revision++;
    }
    return { status: 200, body: this.options.resource(job) };
  }

  cancel(request: ArmRequest, workspace: WorkspaceRef, name: string): ArmReply {
    const denied = request.authorize(JOBS_CANCEL, `${workspace.id}/jobs/${name}`);
    if (denied) return denied;
    const job = this.options.jobs.get(workspace.id, name);
    if (!job) return jobNotFound(workspace, name);
    if (job.ended) {
      return mlError(400, 'UserError', `The job '${name}' is ${job.status}: a job that has ended cannot be canceled.`);
    }
    requestCancel(job);
    return this.options.operations.accepted(request, job);
  }
}

function isPlan(value: JobPlan | ArmReply): value is JobPlan {
  return 'command' in value;
}

export function jobNotFound(workspace: WorkspaceRef, name: string): ArmReply {
  return mlError(
    404,
    'UserError',
    `Could not find job '${name}' in workspace '${workspace.name}' (resource group '${workspace.resourceGroup}').`,
    [{ code: 'NotFound', message: 'The job does not exist.', target: name }],
  );
}
