// How stepops reaches Vertex AI: the official client (@google-cloud/aiplatform) over its REST
// transport, which needs no native gRPC, passes through HTTP proxies and loads faster. Requests go
// to the region's own endpoint (Vertex serves regional resources only there) unless the operator's
// `api_endpoint` names another (Private Service Connect, or a local stand-in). Credentials come from
// the operator's service account key file, else from Application Default Credentials
// (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, the metadata server).
import type { JobServiceClient } from '@google-cloud/aiplatform/build/src/v1/job_service_client.js';

export interface VertexEndpoint {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'https' | 'http';
}

/** `api_endpoint` may be a bare host, host:port or a URL; empty means the region's endpoint. */
export function vertexEndpoint(region: string, apiEndpoint?: string): VertexEndpoint {
  return serviceEndpoint(`${region}-aiplatform.googleapis.com`, apiEndpoint, 'api_endpoint');
}

/** `logging_api_endpoint` likewise; empty means Cloud Logging's global endpoint. */
export function loggingEndpoint(apiEndpoint?: string): VertexEndpoint {
  return serviceEndpoint('logging.googleapis.com', apiEndpoint, 'logging_api_endpoint');
}

function serviceEndpoint(defaultHost: string, apiEndpoint: string | undefined, field: string): VertexEndpoint {
  const given = apiEndpoint?.trim();
  if (!given) return { host: defaultHost, port: 443, protocol: 'https' };
  const url = new URL(/^[a-z]+:\/\//i.test(given) ? given : `https://${given}`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`${field} "${given}" must be an https:// (or http://) address`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}

export interface VertexConnection {
  readonly project: string;
  readonly region: string;
  readonly endpoint: VertexEndpoint;
  /** Where the jobs' logs are read (Cloud Logging). */
  readonly loggingEndpoint: VertexEndpoint;
  readonly keyFile?: string;
}

export function vertexConnection(config: Readonly<Record<string, unknown>>): VertexConnection {
  const text = (key: string) => (typeof config[key] === 'string' ? (config[key] as string).trim() : '');
  const region = text('region');
  return {
    project: text('project'),
    region,
    endpoint: vertexEndpoint(region, text('api_endpoint')),
    loggingEndpoint: loggingEndpoint(text('logging_api_endpoint')),
    ...(text('service_account_path') ? { keyFile: text('service_account_path') } : {}),
  };
}

/** `projects/P/locations/L`, the parent of every job stepops submits. */
export function vertexParent(connection: VertexConnection): string {
  return `projects/${connection.project}/locations/${connection.region}`;
}

/**
 * A client whose credentials are already resolved. Resolving them first matters: when they are
 * missing, the client's lazily built transport rejects once per API method it wires up, and all
 * but the called one would surface as unhandled rejections (fatal in the CLI).
 */
export async function createJobServiceClient(connection: VertexConnection): Promise<JobServiceClient> {
  const { JobServiceClient } = await import('@google-cloud/aiplatform/build/src/v1/job_service_client.js');
  const client = new JobServiceClient(restClientOptions(connection, connection.endpoint));
  await client.auth.getClient();
  return client;
}

/** What the generated Google clients take for their REST transport to `endpoint`, with the connection's credentials. */
export function restClientOptions(connection: VertexConnection, endpoint: VertexEndpoint) {
  return {
    fallback: true,
    protocol: endpoint.protocol,
    apiEndpoint: endpoint.host,
    port: endpoint.port,
    projectId: connection.project,
    ...(connection.keyFile ? { keyFilename: connection.keyFile } : {}),
  };
}
