// A strict stand-in for one regional Vertex AI endpoint (REGION-aiplatform.googleapis.com): the
// JobService's custom job methods (create, get, list, cancel, delete) over the REST mapping the
// official client uses (`fallback: true`), reached through the operator's api_endpoint. It
// authenticates the self-signed service-account JWTs Google's libraries send (signature, key id,
// lifetime, scope) and, when given the STS fake, its federated access tokens; checks the caller's
// IAM permission per method and the project's API enablement; reads every body as Google's front
// end reads proto3 JSON, against the protos the client ships (protoModel.ts), and checks what
// Vertex checks beyond them (vertexRules.ts); answers with google.rpc error bodies, enums as numbers
// when the client asks (`$alt=json;enum-encoding=int`, as it always does) and names otherwise.
// With `training` options, jobs run for real on the local engine (vertexJobRunner.ts), their
// replicas' lines going to the Cloud Logging fake. Started on a loopback port by the tests and by
// `npm run emulators`.
import type http from 'node:http';
import type { FakeServiceAccount } from '../googleServiceAccounts';
import type { FakeListen } from '../loopbackServer';
import { engineRuntime } from '../shared/engineRuntime';
import type { ImageRegistry } from '../shared/registryImages';
import { CustomJob, CustomJobStore, ENDED_STATES, newJobId } from './customJobs';
import type { GcsObjectStore } from './gcsMount';
import { authenticate } from './googleCallers';
import { startGoogleJsonServer } from './googleServer';
import { type FakeGoogleProject, projectNumberOf, refuseInProject } from './googleProjects';
import { type GoogleReply, badRequest, googleError } from './googleErrors';
import { V1, jsonName, jsonToMessage, messageType, missingRequired, renderMessage } from './protoModel';
import { FAST_TIMINGS, VertexJobRunner, type VertexTimings, beginCancelling } from './vertexJobRunner';
import { ListPageTokens, applyReadMask, listJobs } from './vertexListing';
import type { VertexLogSink } from './vertexReplicas';
import {
  JOB,
  JOBS,
  LIST_PARAMETERS,
  deleteOperation,
  parseBody,
  tryJson,
  unknownParameters,
  vertexOperation,
} from './vertexWire';

export type { FakeGoogleProject } from './googleProjects';
import { refuseCustomJob } from './vertexRules';

export interface VertexTrainingOptions {
  /** The Cloud Storage fake (startFakeGcs): its objects are the containers' /gcs/BUCKET/... */
  readonly gcs: GcsObjectStore;
  /** Registries images may come from: the local one by its own host, or an Artifact Registry host it serves. */
  readonly registries: readonly ImageRegistry[];
  /** Where the replicas' lines go: the Cloud Logging fake (startFakeCloudLogging). */
  readonly logging?: VertexLogSink;
  readonly timings?: Partial<VertexTimings>;
  /** The containers' network (these machines' engines have no bridge): host (default) or none. */
  readonly networkMode?: 'host' | 'none';
  /** Where each job's /gcs copy is made (default: the system's temporary folder). */
  readonly workRoot?: string;
  /** Service accounts a job may run as, besides the callers' own `accounts`. */
  readonly serviceAccounts?: readonly string[];
  /** Persistent resource ids (of every project and region) a job may name. */
  readonly persistentResources?: readonly string[];
}

export interface FakeVertexOptions extends FakeListen {
  readonly training?: VertexTrainingOptions;
  /** The STS fake's lookup, to accept its federated access tokens besides self-signed JWTs. */
  readonly principalOf?: (accessToken: string) => string | undefined;
}

export interface FakeVertex {
  /** `http://127.0.0.1:PORT`, for the operator's api_endpoint. */
  readonly endpoint: string;
  readonly requests: { method: string; path: string; query: Record<string, string>; body?: unknown }[];
  /** Every job created (and not deleted). */
  readonly jobs: CustomJobStore;
  /** Failures of the emulator itself while it ran a job (not the jobs' own failures). */
  readonly internalErrors: unknown[];
  close(): Promise<void>;
}

const AUDIENCE = 'https://aiplatform.googleapis.com/';
const VERTEX_API = { service: 'aiplatform.googleapis.com', title: 'Vertex AI API' };

interface Call {
  readonly req: http.IncomingMessage;
  readonly url: URL;
  readonly body: Buffer;
  readonly principal: string;
  readonly enumsAsNumbers: boolean;
}

export async function startFakeVertex(
  region: string,
  projects: readonly FakeGoogleProject[],
  accounts: readonly FakeServiceAccount[],
  options: FakeVertexOptions = {},
): Promise<FakeVertex> {
  const { training } = options;
  const requests: FakeVertex['requests'] = [];
  const jobs = new CustomJobStore();
  const tokens = new ListPageTokens();
  const internalErrors: unknown[] = [];
  const runner = training
    ? new VertexJobRunner({
        ...engineRuntime<CustomJob>(training, internalErrors),
        gcs: training.gcs,
        ...(training.logging ? { logs: training.logging } : {}),
        timings: { ...FAST_TIMINGS, ...training.timings },
      })
    : undefined;
  const customJobType = messageType(`${V1}.CustomJob`);
  const callers = { accounts, ...(options.principalOf ? { principalOf: options.principalOf } : {}) };

  const server = await startGoogleJsonServer(handle, { service: 'vertex', operationOf: vertexOperation }, options);

  function handle(req: http.IncomingMessage, body: Buffer): GoogleReply {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query,
      ...(body.length ? { body: tryJson(body) } : {}),
    });
    const caller = authenticate(req, callers, AUDIENCE);
    if (Array.isArray(caller)) return caller;
    const alt = url.searchParams.get('$alt') ?? url.searchParams.get('alt') ?? 'json';
    const call: Call = {
      req,
      url,
      body,
      principal: caller.principal,
      enumsAsNumbers: alt.includes('enum-encoding=int'),
    };
    const collection = JOBS.exec(url.pathname);
    if (collection && req.method === 'POST') return create(call, collection[1]!, collection[2]!);
    if (collection && req.method === 'GET') return list(call, collection[1]!, collection[2]!);
    const single = JOB.exec(url.pathname);
    if (single && req.method === 'GET' && !single[4]) return withJob(call, single, 'get', (job) => render(call, job));
    if (single && req.method === 'POST' && single[4])
      return withJob(call, single, 'cancel', (job) => cancel(call, job));
    if (single && req.method === 'DELETE' && !single[4]) return withJob(call, single, 'delete', remove);
    return googleError('NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
  }

  /** The project of a request, when the caller holds the permission there and the API is on. */
  function authorize(
    projectRef: string,
    location: string,
    principal: string,
    permission: string,
  ): FakeGoogleProject | GoogleReply {
    if (location !== region) {
      // A regional endpoint serves its own region only.
      return googleError(
        'INVALID_ARGUMENT',
        `Request contains an invalid argument: location ${location} is served by ${location}-aiplatform.googleapis.com, not this endpoint.`,
      );
    }
    const project = projects.find((p) => p.id === projectRef || projectNumberOf(p) === projectRef);
    const refusal = refuseInProject(project, {
      principal,
      permission,
      api: VERTEX_API,
      resource: `//aiplatform.googleapis.com/projects/${projectRef}/locations/${location}`,
    });
    if (refusal) return refusal;
    return project!;
  }

  function create(call: Call, projectRef: string, location: string): GoogleReply {
    const project = authorize(projectRef, location, call.principal, 'aiplatform.customJobs.create');
    if (Array.isArray(project)) return project;
    const refusal = unknownParameters(call.url, {});
    if (refusal) return refusal;
    if (!training || !runner) {
      return googleError(
        'FAILED_PRECONDITION',
        'This Vertex fake was started without training options (the GCS fake, registries): it cannot run custom jobs.',
      );
    }
    const parsed = parseBody(call.body);
    if (Array.isArray(parsed)) return parsed;
    const read = jsonToMessage(customJobType, parsed, 'custom_job');
    if (read.errors.length > 0) {
      return googleError('INVALID_ARGUMENT', read.errors.map((e) => e.description).join('\n'), [
        badRequest(read.errors),
      ]);
    }
    const callerMayActAs = (project.grants[call.principal] ?? []).includes('iam.serviceAccounts.actAs');
    const denied = refuseCustomJob(read.message, missingRequired(customJobType, read.message), read.undefinedEnums, {
      region,
      projectId: project.id,
      serviceAccounts: [...accounts.map((a) => a.email), ...(training.serviceAccounts ?? [])],
      callerMayActAs,
      registries: training.registries,
      persistentResources: training.persistentResources ?? [],
    });
    if (denied) return denied;
    const job = new CustomJob(
      newJobId((id) => jobs.has(id)),
      project.id,
      projectNumberOf(project),
      location,
      read.message,
    );
    jobs.add(job);
    runner.start(job);
    return render(call, job);
  }

  function list(call: Call, projectRef: string, location: string): GoogleReply {
    const project = authorize(projectRef, location, call.principal, 'aiplatform.customJobs.list');
    if (Array.isArray(project)) return project;
    const refusal = unknownParameters(call.url, LIST_PARAMETERS);
    if (refusal) return refusal;
    const query: Record<string, string> = {};
    for (const [key, value] of call.url.searchParams) if (LIST_PARAMETERS[key]) query[LIST_PARAMETERS[key]] = value;
    const badMask = unknownMaskPath(query.readMask);
    if (badMask) return badMask;
    const ours = jobs.all().filter((j) => j.projectId === project.id && j.location === location);
    const answer = listJobs(ours, { parent: `projects/${project.id}/locations/${location}`, ...query }, tokens);
    if (Array.isArray(answer)) return answer;
    const customJobs = answer.page.map((job) =>
      applyReadMask(render(call, job)[1] as Record<string, unknown>, query.readMask),
    );
    // proto3 JSON leaves an empty list out.
    return [
      200,
      {
        ...(customJobs.length ? { customJobs } : {}),
        ...(answer.nextPageToken ? { nextPageToken: answer.nextPageToken } : {}),
      },
    ];
  }

  function unknownMaskPath(mask: string | undefined): GoogleReply | undefined {
    if (!mask) return undefined;
    const fields = new Set(customJobType.fieldsArray.map(jsonName));
    const unknown = mask.split(',').find((p) => !fields.has(p.split('.')[0]!));
    if (unknown === undefined) return undefined;
    return googleError('INVALID_ARGUMENT', `Invalid read_mask: "${unknown}" is not a field of CustomJob.`);
  }

  function withJob(
    call: Call,
    match: RegExpExecArray,
    verb: 'get' | 'cancel' | 'delete',
    answer: (job: CustomJob) => GoogleReply,
  ): GoogleReply {
    const [, projectRef, location, id] = match as unknown as [string, string, string, string];
    const project = authorize(projectRef, location, call.principal, `aiplatform.customJobs.${verb}`);
    if (Array.isArray(project)) return project;
    const refusal = unknownParameters(call.url, {});
    if (refusal) return refusal;
    if (!/^\d+$/.test(id)) {
      return googleError(
        'INVALID_ARGUMENT',
        `Invalid resource name projects/${projectRef}/locations/${location}/customJobs/${id}: custom job IDs are numbers, chosen by Vertex AI when the job is created.`,
      );
    }
    if (verb === 'cancel') {
      const parsed = parseBody(call.body);
      if (Array.isArray(parsed)) return parsed;
      const read = jsonToMessage(messageType(`${V1}.CancelCustomJobRequest`), parsed, '');
      const bodyErrors = read.errors.map((e) => ({ ...e, description: e.description.replace(" at ''", '') }));
      if (bodyErrors.length > 0 || 'name' in (parsed as object)) {
        return googleError(
          'INVALID_ARGUMENT',
          bodyErrors.map((e) => e.description).join('\n') || 'The name is in the URL, not the body.',
        );
      }
    }
    const job = jobs.get({ id: project.id, number: projectNumberOf(project) }, location, id);
    if (!job)
      return googleError(
        'NOT_FOUND',
        `The CustomJob does not exist: projects/${projectRef}/locations/${location}/customJobs/${id}.`,
      );
    return answer(job);
  }

  function cancel(_call: Call, job: CustomJob): GoogleReply {
    if (job.ended) {
      return googleError(
        'FAILED_PRECONDITION',
        `The CustomJob ${job.name} is in state ${job.state} and cannot be cancelled: only queued, pending and running jobs can.`,
      );
    }
    if (job.state !== 'JOB_STATE_CANCELLING') beginCancelling(job);
    return [200, {}];
  }

  function remove(job: CustomJob): GoogleReply {
    if (!ENDED_STATES.includes(job.state)) {
      return googleError(
        'FAILED_PRECONDITION',
        `The CustomJob ${job.name} is in state ${job.state}: cancel it and wait for it to end before deleting it.`,
      );
    }
    jobs.delete(job);
    return [200, deleteOperation(job)];
  }

  function render(call: Call, job: CustomJob): GoogleReply {
    return [200, renderMessage(customJobType, job.resource(), call.enumsAsNumbers)];
  }

  return {
    endpoint: server.url,
    requests,
    jobs,
    internalErrors,
    close: async () => {
      await runner?.close();
      await server.close();
    },
  };
}
