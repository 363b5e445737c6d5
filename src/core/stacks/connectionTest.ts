// "Test connection": the cheapest real request that proves a component is reachable and its
// credentials work, through each cloud's official SDK (loaded on first use). A flavor without a
// test says so rather than pretending.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeDockerEndpoint, dockerEngineAnswers } from '../images/dockerEngine';
import { checkAzureBlob } from '../clouds/azure/blob/azureBlobCheck';
import { checkAzureMl } from '../clouds/azure/azureml/azuremlCheck';
import { checkAcr } from '../clouds/azure/acr/acrCheck';
import { checkArtifactRegistry } from '../clouds/gcp/artifactRegistry/artifactRegistryCheck';
import { checkEcr } from '../clouds/aws/ecr/ecrCheck';
import { checkGcs } from '../clouds/gcp/gcs/gcsCheck';
import { checkS3 } from '../clouds/aws/s3/s3Check';
import { checkSageMaker } from '../clouds/aws/sagemaker/sagemakerCheck';
import { pingRegistry } from './connectionChecks/registryPing';
import { checkVertex } from '../clouds/gcp/vertex/vertexCheck';
import { findFlavor } from './flavors/flavorCatalog';
import type { StackComponent } from './model';

export interface ConnectionResult {
  readonly ok: boolean;
  readonly message: string;
  /** True when this flavor has no connection test yet. */
  readonly unsupported?: boolean;
}

export type SecretLookup = (field: string) => Promise<string | undefined>;

export { pingRegistry };

/**
 * Runs the flavor's check. `timeoutMs` bounds each request (every check hands it to its SDK); the
 * whole test, retries and sign-ins included, is bounded by six times that, so that it always
 * comes back with an answer.
 */
export async function testConnection(
  component: StackComponent,
  secret: SecretLookup,
  timeoutMs = 10_000,
): Promise<ConnectionResult> {
  const deadlineMs = 6 * timeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<ConnectionResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ok: false,
          message: `No answer within ${deadlineMs / 1000} s: check the network, the endpoint and any proxy settings.`,
        }),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([runCheck(component, secret, timeoutMs), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function runCheck(component: StackComponent, secret: SecretLookup, timeoutMs: number): Promise<ConnectionResult> {
  const config = component.config as Record<string, unknown>;
  switch (`${component.type}/${component.flavor}`) {
    case 'step_operator/local_docker':
      return (await dockerEngineAnswers(undefined, timeoutMs))
        ? { ok: true, message: `The Docker engine answers at ${describeDockerEndpoint()}.` }
        : {
            ok: false,
            message: `No Docker engine answers at ${describeDockerEndpoint()}. Start Docker (or set DOCKER_HOST) and try again.`,
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
      return checkS3(component.config, timeoutMs);
    case 'artifact_store/gcp':
      return checkGcs(component.config, timeoutMs);
    case 'artifact_store/azure':
      return checkAzureBlob(component.config, secret, timeoutMs);
    case 'step_operator/sagemaker':
      return checkSageMaker(component.config, timeoutMs);
    case 'step_operator/vertex':
      return checkVertex(component.config, timeoutMs);
    case 'step_operator/azureml':
      return checkAzureMl(component.config, secret, timeoutMs);
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
