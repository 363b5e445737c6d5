// "Test connection": the cheapest real request that proves a component is reachable and its
// credentials work, through each cloud's official SDK (loaded on first use). A flavor without a
// test says so rather than pretending.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dockerEngineAnswers } from '../images/dockerEngine';
import { registryBaseUrl } from '../images/registryClient';
import { checkAzureBlob } from './cloudChecks/azureBlobCheck';
import { checkAzureMl } from './cloudChecks/azuremlCheck';
import { checkAcr, checkArtifactRegistry } from './cloudChecks/cloudRegistryChecks';
import { checkEcr } from './cloudChecks/ecrCheck';
import { checkGcs } from './cloudChecks/gcsCheck';
import { checkS3 } from './cloudChecks/s3Check';
import { checkSageMaker } from './cloudChecks/sagemakerCheck';
import { checkVertex } from './cloudChecks/vertexCheck';
import { findFlavor } from './flavors/flavorCatalog';
import type { StackComponent } from './model';

export interface ConnectionResult {
  readonly ok: boolean;
  readonly message: string;
  /** True when this flavor has no connection test yet. */
  readonly unsupported?: boolean;
}

export type SecretLookup = (field: string) => Promise<string | undefined>;

export async function testConnection(
  component: StackComponent,
  secret: SecretLookup,
  timeoutMs = 10_000,
): Promise<ConnectionResult> {
  const config = component.config as Record<string, unknown>;
  switch (`${component.type}/${component.flavor}`) {
    case 'step_operator/local_docker':
      return (await dockerEngineAnswers(undefined, timeoutMs))
        ? { ok: true, message: 'The Docker engine answers.' }
        : {
            ok: false,
            message:
              'No Docker engine answers on /var/run/docker.sock. Start Docker (or set DOCKER_HOST) and try again.',
          };
    case 'container_registry/default':
      return pingRegistry(
        String(config.uri),
        typeof config.username === 'string' ? config.username : undefined,
        await secret('password'),
        timeoutMs,
      );
    case 'container_registry/aws':
      return checkEcr(component.config, timeoutMs);
    case 'container_registry/gcp':
      return checkArtifactRegistry(component.config, timeoutMs);
    case 'container_registry/azure':
      return checkAcr(component.config, timeoutMs);
    case 'artifact_store/local':
      return probeFolder(String(config.path));
    case 'artifact_store/s3':
      return checkS3(component.config);
    case 'artifact_store/gcp':
      return checkGcs(component.config);
    case 'artifact_store/azure':
      return checkAzureBlob(component.config, secret);
    case 'step_operator/sagemaker':
      return checkSageMaker(component.config);
    case 'step_operator/vertex':
      return checkVertex(component.config);
    case 'step_operator/azureml':
      return checkAzureMl(component.config, secret);
    case 'orchestrator/embedded':
      return { ok: true, message: 'The embedded orchestrator runs inside stepops.' };
    default:
      return {
        ok: false,
        unsupported: true,
        message: `stepops has no connection test for ${findFlavor(component.type, component.flavor)?.displayName ?? `the "${component.flavor}" flavor`}.`,
      };
  }
}

/**
 * GET /v2/ (the OCI distribution API's version check), anonymously or with Basic auth. The base
 * URL is the registry host's unless a login names another (ECR's proxy endpoint).
 */
export async function pingRegistry(
  uri: string,
  username: string | undefined,
  password: string | undefined,
  timeoutMs: number,
  baseUrl?: string,
): Promise<ConnectionResult> {
  const host = uri.split('/')[0]!;
  const url = `${(baseUrl ?? registryBaseUrl(host)).replace(/\/+$/, '')}/v2/`;
  const headers: Record<string, string> = {};
  if (username) headers.Authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    return {
      ok: false,
      message: `Cannot reach ${url} (${reason}). Check the registry address and that it is running.`,
    };
  }
  await response.body?.cancel();
  if (response.ok)
    return {
      ok: true,
      message: `${host} answers the registry API${username ? ` and accepts ${username}'s credentials` : ''}.`,
    };
  if (response.status === 401) {
    return {
      ok: false,
      message: username
        ? `${host} rejected the credentials of "${username}" (401). Check the username and the stored password.`
        : `${host} needs credentials (401). Edit the registry and set a username and password.`,
    };
  }
  if (response.status === 403)
    return { ok: false, message: `${host} refused access (403): the account lacks permission.` };
  return { ok: false, message: `${host} answered ${response.status} ${response.statusText} to ${url}.` };
}

async function probeFolder(folder: string): Promise<ConnectionResult> {
  const probe = path.join(folder, `.stepops-probe-${process.pid}`);
  try {
    await mkdir(folder, { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    return { ok: true, message: `${folder} is writable.` };
  } catch (error) {
    return { ok: false, message: `Cannot write to ${folder}: ${(error as Error).message}` };
  }
}
