// Environment versions of the emulated workspaces (environments/NAME/versions/VERSION): a custom
// image environment is what a command job runs. Created by PUT (201; the same body again: 200), read
// by GET; a version is immutable, as Azure ML's asset versions are, so another image under the same
// version is refused. Environments built from a Docker build context or conda file are refused by
// name: the emulator runs images, it builds none.
import type { MachineLearningModel } from './mlModel';
import { mlError } from './mlErrors';
import { readBody, refuseName } from './mlRequests';
import type { ArmReply, ArmRequest, WorkspaceRef } from './resourceManager';

type Json = Record<string, unknown>;

export interface EnvironmentVersion {
  readonly name: string;
  readonly version: string;
  readonly image: string;
  readonly properties: Json;
  readonly createdAt: number;
  readonly createdBy: string;
}

export const ENVIRONMENT_READ = 'Microsoft.MachineLearningServices/workspaces/environments/read';
export const ENVIRONMENT_WRITE = 'Microsoft.MachineLearningServices/workspaces/environments/write';

const ENVIRONMENT_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/environments\/([^/]+)\/versions\/([^/]+)$/i;

export class EnvironmentStore {
  private readonly versions = new Map<string, EnvironmentVersion>();

  private static key(workspaceId: string, name: string, version: string): string {
    return `${workspaceId}/${name}/${version}`.toLowerCase();
  }

  get(workspaceId: string, name: string, version: string): EnvironmentVersion | undefined {
    return this.versions.get(EnvironmentStore.key(workspaceId, name, version));
  }

  /** The version an environmentId names in this workspace, or why it names none. */
  byId(workspace: WorkspaceRef, environmentId: string): EnvironmentVersion | { readonly problem: string } {
    const match = ENVIRONMENT_ID.exec(environmentId);
    if (!match) {
      return {
        problem: `'${environmentId}' is not an environment version's ARM id: expected ${workspace.id}/environments/NAME/versions/VERSION (curated and registry environments are not emulated).`,
      };
    }
    const [, s, g, w, name, version] = match as unknown as string[];
    if (
      `${s}/${g}/${w}`.toLowerCase() !==
      `${workspace.subscriptionId}/${workspace.resourceGroup}/${workspace.name}`.toLowerCase()
    ) {
      return { problem: `The environment '${environmentId}' belongs to another workspace than ${workspace.id}.` };
    }
    return (
      this.get(workspace.id, name!, version!) ?? {
        problem: `The environment version ${name}:${version} does not exist in workspace '${workspace.name}': create it first (PUT ${workspace.id}/environments/${name}/versions/${version}).`,
      }
    );
  }

  put(workspaceId: string, version: EnvironmentVersion): void {
    this.versions.set(EnvironmentStore.key(workspaceId, version.name, version.version), version);
  }
}

export function environmentResource(workspace: WorkspaceRef, env: EnvironmentVersion): Json {
  const at = new Date(env.createdAt).toISOString();
  return {
    id: `${workspace.id}/environments/${env.name}/versions/${env.version}`,
    name: env.version,
    type: 'Microsoft.MachineLearningServices/workspaces/environments/versions',
    properties: {
      description: null,
      tags: {},
      properties: {},
      isAnonymous: false,
      isArchived: false,
      autoRebuild: 'Disabled',
      osType: 'Linux',
      ...env.properties,
      environmentType: 'UserCreated',
    },
    systemData: { createdAt: at, createdBy: env.createdBy, createdByType: 'Application', lastModifiedAt: at },
  };
}

/** PUT environments/NAME/versions/VERSION. */
export function putEnvironment(
  model: MachineLearningModel,
  store: EnvironmentStore,
  request: ArmRequest,
  workspace: WorkspaceRef,
  name: string,
  version: string,
): ArmReply {
  const refused = refuseName(model, 'name1', 'environment', name);
  if (refused) return refused;
  const body = readBody(
    model,
    request.body,
    'EnvironmentVersion',
    'environment version',
    '{"properties": {"image": "..."}}',
  );
  if (!('value' in body)) return body;
  const properties = withoutReadOnly((body.value.properties ?? {}) as Json);
  if (properties.build !== undefined || properties.condaFile !== undefined || typeof properties.image !== 'string') {
    return mlError(
      400,
      'UserError',
      'The Azure ML emulator runs environments of a custom image only: set properties.image (a Docker build context or a conda file would need an image build, which it does not do).',
    );
  }
  const existing = store.get(workspace.id, name, version);
  if (existing) {
    if (existing.image !== properties.image) {
      return mlError(
        400,
        'UserError',
        `The environment version ${name}:${version} already exists with the image '${existing.image}', and an asset version cannot change: create a new version for '${properties.image as string}'.`,
      );
    }
    return { status: 200, body: environmentResource(workspace, existing) };
  }
  const created: EnvironmentVersion = {
    name,
    version,
    image: properties.image,
    properties,
    createdAt: Date.now(),
    createdBy: request.caller.oid,
  };
  store.put(workspace.id, created);
  return { status: 201, body: environmentResource(workspace, created) };
}

/** environmentType is the service's to set. */
function withoutReadOnly(properties: Json): Json {
  return Object.fromEntries(Object.entries(properties).filter(([key]) => key !== 'environmentType'));
}
