// The Azure ML emulator's part of Resource Manager: the routes under a workspace (environment
// versions, jobs, computes) and the subscription's operation URLs, each named by its REST API
// operation id for fault rules, at the one api-version the client package speaks (others:
// NoRegisteredProviderFound, as Resource Manager answers a version a resource type lacks).
import { type FakeCompute, computeResource } from './mlComputes';
import {
  ENVIRONMENT_READ,
  ENVIRONMENT_WRITE,
  type EnvironmentStore,
  environmentResource,
  putEnvironment,
} from './mlEnvironments';
import { mlError } from './mlErrors';
import type { JobRoutes } from './mlJobRoutes';
import type { MachineLearningModel } from './mlModel';
import { type CancelOperations, OPERATION_PATH } from './mlOperations';
import { type ArmReply, type ArmRequest, type MountedResources, type WorkspaceRef, armError } from './resourceManager';

const UNDER_WORKSPACE =
  /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)(\/.+)$/i;

export const COMPUTE_READ = 'Microsoft.MachineLearningServices/workspaces/computes/read';

interface Route {
  readonly method: string;
  readonly path: RegExp;
  readonly operation: string;
  readonly type: string;
  readonly answer: (request: ArmRequest, workspace: WorkspaceRef, params: string[]) => ArmReply;
}

export interface WorkspaceApiOptions {
  readonly model: MachineLearningModel;
  readonly environments: EnvironmentStore;
  readonly jobs: JobRoutes;
  readonly operations: CancelOperations;
  readonly computes: readonly FakeCompute[];
  readonly discoveryUrl: string;
}

export function workspaceApi(options: WorkspaceApiOptions): MountedResources {
  const { model, environments, jobs, computes } = options;
  const routes: Route[] = [
    {
      method: 'PUT',
      path: /^\/environments\/([^/]+)\/versions\/([^/]+)$/i,
      operation: 'EnvironmentVersions_CreateOrUpdate',
      type: 'workspaces/environments/versions',
      answer: (request, workspace, [name, version]) => {
        const denied = request.authorize(ENVIRONMENT_WRITE, `${workspace.id}/environments/${name}`);
        return denied ?? putEnvironment(model, environments, request, workspace, name!, version!);
      },
    },
    {
      method: 'GET',
      path: /^\/environments\/([^/]+)\/versions\/([^/]+)$/i,
      operation: 'EnvironmentVersions_Get',
      type: 'workspaces/environments/versions',
      answer: (request, workspace, [name, version]) => {
        const denied = request.authorize(ENVIRONMENT_READ, `${workspace.id}/environments/${name}`);
        if (denied) return denied;
        const found = environments.get(workspace.id, name!, version!);
        if (found) return { status: 200, body: environmentResource(workspace, found) };
        return mlError(
          404,
          'UserError',
          `The environment version ${name}:${version} does not exist in workspace '${workspace.name}'.`,
        );
      },
    },
    {
      method: 'GET',
      path: /^\/jobs$/i,
      operation: 'Jobs_List',
      type: 'workspaces/jobs',
      answer: (r, w) => jobs.list(r, w),
    },
    {
      method: 'GET',
      path: /^\/jobs\/([^/]+)$/i,
      operation: 'Jobs_Get',
      type: 'workspaces/jobs',
      answer: (r, w, [n]) => jobs.get(r, w, n!),
    },
    {
      method: 'PUT',
      path: /^\/jobs\/([^/]+)$/i,
      operation: 'Jobs_CreateOrUpdate',
      type: 'workspaces/jobs',
      answer: (r, w, [n]) => jobs.put(r, w, n!),
    },
    {
      method: 'POST',
      path: /^\/jobs\/([^/]+)\/cancel$/i,
      operation: 'Jobs_Cancel',
      type: 'workspaces/jobs',
      answer: (r, w, [n]) => jobs.cancel(r, w, n!),
    },
    {
      method: 'GET',
      path: /^\/computes\/([^/]+)$/i,
      operation: 'Compute_Get',
      type: 'workspaces/computes',
      answer: (request, workspace, [name]) => {
        const denied = request.authorize(COMPUTE_READ, `${workspace.id}/computes/${name}`);
        if (denied) return denied;
        const compute = computes.find((c) => c.name.toLowerCase() === name!.toLowerCase());
        if (compute) return { status: 200, body: computeResource(workspace.id, workspace.location, compute) };
        return mlError(
          404,
          'ResourceNotFound',
          `The compute '${name}' does not exist in workspace '${workspace.name}' (its computes: ${computes.map((c) => c.name).join(', ')}).`,
        );
      },
    },
    {
      method: 'GET',
      path: /^\/computes$/i,
      operation: 'Compute_List',
      type: 'workspaces/computes',
      answer: (request, workspace) =>
        request.authorize(COMPUTE_READ, `${workspace.id}/computes`) ?? {
          status: 200,
          body: { value: computes.map((c) => computeResource(workspace.id, workspace.location, c)) },
        },
    },
  ];

  const find = (method: string, path: string) => {
    const under = UNDER_WORKSPACE.exec(path);
    if (!under) return undefined;
    for (const route of routes) {
      const match = route.method === method ? route.path.exec(under[3]!) : null;
      if (match)
        return { route, group: under[1]!, workspace: under[2]!, params: match.slice(1).map(decodeURIComponent) };
    }
    return undefined;
  };

  const wrongVersion = (apiVersion: string, type: string) =>
    armError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for API version '${apiVersion}' and type '${type}'. The supported api-versions are '${model.apiVersion}' (the Azure ML emulator serves the version @azure/arm-machinelearning speaks).`,
    );

  return {
    discoveryUrl: options.discoveryUrl,
    operationOf: (method, path) => {
      const operation = OPERATION_PATH.exec(path);
      if (method === 'GET' && operation)
        return operation[3]!.toLowerCase() === 'mfeoperationsstatus' ? 'OperationStatus' : 'OperationResult';
      return find(method, path)?.route.operation;
    },
    handle: async (request) => {
      const path = request.url.pathname;
      const operation = OPERATION_PATH.exec(path);
      if (operation && request.method === 'GET') {
        if (request.apiVersion !== model.apiVersion)
          return wrongVersion(request.apiVersion, 'locations/mfeOperationsStatus');
        return options.operations.read(request, operation[3]!, operation[4]!);
      }
      const found = find(request.method, path);
      if (!found) return undefined;
      if (request.apiVersion !== model.apiVersion) return wrongVersion(request.apiVersion, found.route.type);
      const workspace = request.workspace(found.group, found.workspace);
      if (!('id' in workspace)) return workspace;
      return found.route.answer(request, workspace, found.params);
    },
  };
}
