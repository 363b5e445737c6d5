// The Resource Manager half of the Azure fake (fakeAzure.ts serves it over TLS): every request's
// bearer token checked as Azure checks it (signature, expiry, audience, the subscription's tenant),
// the api-version required, role assignments by scope and action, and Azure ML workspaces. A fake
// of a workspace's own resources (jobs, environments, computes: fakeAzureMl.ts) mounts itself here
// and gets the caller already authenticated; the same checks serve its data plane (run history).
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface TokenClaims {
  readonly aud: string;
  readonly tid: string;
  readonly appid: string;
  readonly oid: string;
  readonly exp: number;
}

export interface FakeRoleAssignment {
  readonly clientId: string;
  /** A resource id prefix, e.g. /subscriptions/S/resourceGroups/G. */
  readonly scope: string;
  /** Allowed actions, e.g. Microsoft.MachineLearningServices/workspaces/read, or "*". */
  readonly actions: readonly string[];
}

export interface FakeSubscription {
  readonly id: string;
  readonly tenantId: string;
  readonly resourceGroups: readonly { name: string; location: string; workspaces: readonly string[] }[];
  readonly roleAssignments: readonly FakeRoleAssignment[];
}

export interface ArmReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A workspace as Resource Manager names it. */
export interface WorkspaceRef {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  /** /subscriptions/S/resourceGroups/G/providers/Microsoft.MachineLearningServices/workspaces/W */
  readonly id: string;
}

/** An authenticated request for a mounted fake, within one subscription. */
export interface ArmRequest {
  readonly method: string;
  readonly url: URL;
  readonly body: string;
  readonly apiVersion: string;
  readonly caller: TokenClaims;
  readonly subscription: FakeSubscription;
  /** The workspace, or the error Resource Manager answers when it does not exist. */
  workspace(resourceGroup: string, name: string): WorkspaceRef | ArmReply;
  /** undefined when the caller holds `action` on `scope`, else the 403 Azure answers. */
  authorize(action: string, scope: string): ArmReply | undefined;
}

/** What a fake of workspace resources gives Resource Manager. */
export interface MountedResources {
  /** The workspace's discoveryUrl (its data plane's discovery document). */
  readonly discoveryUrl: string;
  /** The REST API operation id of a request it serves ("Jobs_Get"), for fault rules; else undefined. */
  operationOf(method: string, path: string): string | undefined;
  /** Its answer, or undefined when the path is not one of its own. */
  handle(request: ArmRequest): Promise<ArmReply | undefined>;
}

/** Resource Manager API versions of Microsoft.MachineLearningServices/workspaces this fake serves. */
const ML_API_VERSIONS = ['2022-10-01', '2023-04-01', '2024-04-01'];

const WORKSPACE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)$/i;
const SUBSCRIPTION = /^\/subscriptions\/([^/]+)(?:\/|$)/i;

export const armError = (
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): ArmReply => ({ status, body: { error: { code, message } }, ...(headers ? { headers } : {}) });

export interface ResourceManagerOptions {
  /** https://127.0.0.1:PORT: the audience its tokens carry. */
  readonly url: string;
  readonly authorityHost: string;
  readonly subscriptions: readonly FakeSubscription[];
  /** The claims of a token Entra ID (the fake) signed, when its signature holds. */
  readonly verify: (token: string) => TokenClaims | undefined;
}

export class ResourceManager {
  private mounted: MountedResources | undefined;

  constructor(private readonly options: ResourceManagerOptions) {}

  /** Serves a workspace's resources from now on. */
  mount(resources: MountedResources): void {
    this.mounted = resources;
  }

  operationOf = (req: IncomingMessage): string => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && WORKSPACE.test(path)) return 'Workspaces_Get';
    return this.mounted?.operationOf(req.method ?? '', path) ?? `${req.method} ${path}`;
  };

  /** The caller of a request with a Resource Manager token, or the 401 Azure answers. */
  authenticate(req: IncomingMessage): { claims: TokenClaims } | { reply: ArmReply } {
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!bearer) {
      return this.unauthenticated(
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
      );
    }
    const claims = this.options.verify(bearer);
    if (!claims) return this.unauthenticated('InvalidAuthenticationToken', 'The access token is invalid.');
    if (claims.exp <= Date.now() / 1000) {
      return this.unauthenticated(
        'ExpiredAuthenticationToken',
        'The access token expiry UTC time is earlier than current UTC time.',
      );
    }
    const { url } = this.options;
    if (claims.aud !== url) {
      return this.unauthenticated(
        'InvalidAuthenticationTokenAudience',
        `The access token has been obtained for wrong audience or resource '${claims.aud}'. It should exactly match with one of the allowed audiences '${url}/','${url}'.`,
      );
    }
    return { claims };
  }

  /** The subscription a caller may act in, or the error Azure answers. */
  subscriptionFor(subscriptionId: string, claims: TokenClaims): FakeSubscription | ArmReply {
    const id = subscriptionId.toLowerCase();
    const subscription = this.options.subscriptions.find((s) => s.id.toLowerCase() === id);
    if (!subscription)
      return armError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
    if (subscription.tenantId !== claims.tid) {
      const { authorityHost } = this.options;
      return this.unauthenticated(
        'InvalidAuthenticationTokenTenant',
        `The access token is from the wrong issuer '${authorityHost}/${claims.tid}/'. It must match the tenant '${authorityHost}/${subscription.tenantId}/' associated with this subscription. Please use the authority (URL) '${authorityHost}/${subscription.tenantId}' to get the token.`,
      ).reply;
    }
    return subscription;
  }

  /** undefined when the caller holds `action` on `scope` (or a scope above it), else Azure's 403. */
  authorize(subscription: FakeSubscription, claims: TokenClaims, action: string, scope: string): ArmReply | undefined {
    const lower = scope.toLowerCase();
    const allowed = subscription.roleAssignments.some(
      (r) =>
        r.clientId === claims.appid &&
        // A role on a scope covers it and everything under it, not siblings sharing a prefix.
        (lower === r.scope.toLowerCase() || lower.startsWith(`${r.scope.toLowerCase()}/`)) &&
        (r.actions.includes('*') || r.actions.includes(action)),
    );
    if (allowed) return undefined;
    return armError(
      403,
      'AuthorizationFailed',
      `The client '${claims.appid}' with object id '${claims.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }

  /** The workspace, or Resource Manager's 404 for its group or itself. */
  workspace(subscription: FakeSubscription, groupName: string, workspaceName: string): WorkspaceRef | ArmReply {
    const group = subscription.resourceGroups.find((g) => g.name.toLowerCase() === groupName.toLowerCase());
    if (!group) return armError(404, 'ResourceGroupNotFound', `Resource group '${groupName}' could not be found.`);
    const name = group.workspaces.find((w) => w.toLowerCase() === workspaceName.toLowerCase());
    if (!name) {
      return armError(
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.MachineLearningServices/workspaces/${workspaceName}' under resource group '${groupName}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    }
    return {
      subscriptionId: subscription.id,
      tenantId: subscription.tenantId,
      resourceGroup: group.name,
      name,
      location: group.location,
      id: `/subscriptions/${subscription.id}/resourceGroups/${group.name}/providers/Microsoft.MachineLearningServices/workspaces/${name}`,
    };
  }

  handle = async (req: IncomingMessage, body: string): Promise<ArmReply> => {
    const url = new URL(req.url ?? '/', this.options.url);
    const method = req.method ?? 'GET';
    const authenticated = this.authenticate(req);
    if ('reply' in authenticated) return authenticated.reply;
    const { claims } = authenticated;
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) {
      return armError(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    }
    const workspaceGet = method === 'GET' && WORKSPACE.test(url.pathname);
    const subscriptionId = SUBSCRIPTION.exec(url.pathname)?.[1];
    if ((!workspaceGet && !this.mounted) || !subscriptionId) return this.notServed(method, url);
    if (workspaceGet && !ML_API_VERSIONS.includes(apiVersion)) {
      return armError(
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for API version '${apiVersion}' and type 'workspaces'. The supported api-versions are '${ML_API_VERSIONS.join(', ')}'.`,
      );
    }
    const subscription = this.subscriptionFor(subscriptionId, claims);
    if (!('tenantId' in subscription)) return subscription;
    if (workspaceGet) return this.getWorkspace(subscription, claims, url);
    const request: ArmRequest = {
      method,
      url,
      body,
      apiVersion,
      caller: claims,
      subscription,
      workspace: (group, name) => this.workspace(subscription, group, name),
      authorize: (action, scope) => this.authorize(subscription, claims, action, scope),
    };
    return (await this.mounted!.handle(request)) ?? this.notServed(method, url);
  };

  private getWorkspace(subscription: FakeSubscription, claims: TokenClaims, url: URL): ArmReply {
    const [, , groupName, workspaceName] = WORKSPACE.exec(url.pathname) as unknown as [string, string, string, string];
    const denied = this.authorize(
      subscription,
      claims,
      'Microsoft.MachineLearningServices/workspaces/read',
      url.pathname,
    );
    if (denied) return denied;
    const workspace = this.workspace(subscription, groupName, workspaceName);
    if (!('id' in workspace)) return workspace;
    return {
      status: 200,
      body: {
        id: workspace.id,
        name: workspace.name,
        type: 'Microsoft.MachineLearningServices/workspaces',
        location: workspace.location,
        sku: { name: 'Basic', tier: 'Basic' },
        identity: { type: 'SystemAssigned', principalId: stableIdOf(workspace.id), tenantId: subscription.tenantId },
        properties: {
          workspaceId: stableIdOf(`${workspace.id}/workspaceId`),
          friendlyName: workspace.name,
          provisioningState: 'Succeeded',
          discoveryUrl: this.mounted?.discoveryUrl ?? `${this.options.url}/discovery`,
          publicNetworkAccess: 'Enabled',
        },
      },
    };
  }

  private notServed(method: string, url: URL): ArmReply {
    return armError(404, 'NotFound', `The fake Resource Manager does not serve ${method} ${url.pathname}.`);
  }

  private unauthenticated(code: string, message: string): { reply: ArmReply } {
    return {
      reply: armError(401, code, message, {
        'www-authenticate': `Bearer authorization_uri="${this.options.authorityHost}/", error="invalid_token", error_description="${message}"`,
      }),
    };
  }
}

/** A stable UUID-shaped id for a resource, as Azure keeps a workspace's ids across reads. */
export function stableIdOf(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
