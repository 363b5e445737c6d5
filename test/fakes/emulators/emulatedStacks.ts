// The stacks the emulators offer, aws-emulated, gcp-emulated and azure-emulated, written into the
// user's stacks file through the core's StackStore (so comments and other stacks stay as they
// are). Each has its cloud's step operator under the name the example project asks for, a
// registry and an artifact store on the emulators, and the local Docker operator, which runs the
// steps until the cloud operators arrive. A stack is added only when missing; a component of the
// same name that the user defined differently is left alone, and so is the stack that would use it.
import { isDeepStrictEqual } from 'node:util';
import { findFlavor } from '../../../src/core/stacks/flavors/flavorCatalog';
import { validateConfig } from '../../../src/core/stacks/flavors/fieldSpec';
import { LOCAL_OPERATOR_NAME, type StackComponent } from '../../../src/core/stacks/model';
import type { StackDefinition } from '../../../src/core/stacks/stackFile';
import type { StackStore } from '../../../src/core/stacks/stackStore';
import { AWS, AZURE, GCP } from './emulatedClouds';
import type { EmulatorIdentity } from './identity';
import type { EmulatorService } from './ports';

export interface EmulatedStack {
  readonly definition: StackDefinition;
  /** The components the emulators define (the local Docker operator is the built-in one). */
  readonly components: readonly StackComponent[];
}

export interface EmulatedStackInputs {
  readonly urls: Readonly<Record<EmulatorService, string>>;
  readonly identity: EmulatorIdentity;
  /** host:port of the OCI registry. */
  readonly registry: string;
  readonly serviceAccountKeyFile: string;
}

/** The Azure stack's Blob store reads Azurite's connection string as this component's secret. */
export const AZURE_STORE_NAME = 'azure-emulated-blob';
export const AZUREML_OPERATOR_NAME = 'azureml';

const NOTE =
  'on 127.0.0.1 (npm run emulators), not the real cloud. Steps run on local-docker until the cloud operators arrive.';

const component = (
  type: StackComponent['type'],
  name: string,
  flavor: string,
  config: Record<string, unknown>,
): StackComponent => ({ type, name, flavor, config });

/**
 * The registries are generic OCI ones on the local registry: the ECR, Artifact Registry and ACR
 * flavors only accept their clouds' host names (ACCOUNT.dkr.ecr.REGION.amazonaws.com, ...), which
 * a push would reach on the internet, not here.
 */
export function emulatedStacks(inputs: EmulatedStackInputs): EmulatedStack[] {
  const { urls, identity, registry } = inputs;
  const stack = (name: string, description: string, components: StackComponent[]): EmulatedStack => ({
    components,
    definition: {
      name,
      description,
      orchestrator: 'embedded',
      artifact_store: components.find((c) => c.type === 'artifact_store')!.name,
      container_registry: components.find((c) => c.type === 'container_registry')!.name,
      step_operators: [...components.filter((c) => c.type === 'step_operator').map((c) => c.name), LOCAL_OPERATOR_NAME],
    },
  });
  return [
    stack('aws-emulated', `Local emulators of SageMaker, ECR and S3 ${NOTE}`, [
      component('step_operator', 'sagemaker', 'sagemaker', {
        role: `arn:aws:iam::${AWS.account}:role/${AWS.roleName}`,
        region: AWS.region,
      }),
      component('container_registry', 'aws-emulated-registry', 'default', { uri: `${registry}/aws-emulated` }),
      component('artifact_store', 'aws-emulated-s3', 's3', { path: `s3://${AWS.bucket}` }),
    ]),
    stack('gcp-emulated', `Local emulators of Vertex AI and Cloud Storage ${NOTE}`, [
      component('step_operator', 'vertex', 'vertex', {
        project: GCP.project,
        region: GCP.region,
        api_endpoint: urls.vertex,
        logging_api_endpoint: urls.logging,
        service_account_path: inputs.serviceAccountKeyFile,
      }),
      component('container_registry', 'gcp-emulated-registry', 'default', { uri: `${registry}/gcp-emulated` }),
      component('artifact_store', 'gcp-emulated-gcs', 'gcp', { path: `gs://${GCP.bucket}` }),
    ]),
    stack('azure-emulated', `Local emulators of Azure ML (Entra ID, Resource Manager) and Azurite ${NOTE}`, [
      component('step_operator', AZUREML_OPERATOR_NAME, 'azureml', {
        subscription_id: identity.azure.subscriptionId,
        resource_group: AZURE.resourceGroup,
        workspace_name: AZURE.workspace,
        tenant_id: identity.azure.tenantId,
        service_principal_id: identity.azure.clientId,
        resource_manager_endpoint: urls['resource-manager'],
        authority_host: urls['entra-id'],
        // The Azure ML emulator's default cluster (api-version 2022-10-01 has no serverless compute).
        compute_type: 'compute-cluster',
        compute_name: 'cpu-cluster',
        instance_type: 'Standard_DS3_v2',
      }),
      component('container_registry', 'azure-emulated-registry', 'default', { uri: `${registry}/azure-emulated` }),
      component('artifact_store', AZURE_STORE_NAME, 'azure', { path: `az://${AZURE.container}` }),
    ]),
  ];
}

export interface RegistrationReport {
  readonly added: readonly string[];
  /** Stacks already in the file, left untouched. */
  readonly kept: readonly string[];
  /** Stacks not added, and why. */
  readonly skipped: readonly { readonly stack: string; readonly reason: string }[];
  readonly notes: readonly string[];
}

export async function registerEmulatedStacks(
  store: StackStore,
  stacks: readonly EmulatedStack[],
): Promise<RegistrationReport> {
  const report = {
    added: [] as string[],
    kept: [] as string[],
    skipped: [] as RegistrationReport['skipped'][number][],
    notes: [] as string[],
  };
  for (const { definition, components } of stacks) {
    const catalog = await store.read();
    if (catalog.definitions.some((d) => d.name === definition.name)) {
      report.kept.push(definition.name);
      continue;
    }
    const clashes = components.filter((ours) => {
      const theirs = catalog.components.find((c) => c.type === ours.type && c.name === ours.name);
      return theirs !== undefined && !sameComponent(theirs, ours);
    });
    if (clashes.length > 0) {
      const names = clashes.map((c) => `${c.type} "${c.name}"`).join(', ');
      report.skipped.push({
        stack: definition.name,
        reason:
          `${store.file} already defines ${names} differently. Left as is; the stack is not added, as it would ` +
          'use it (rename yours and start again to get the stack).',
      });
      continue;
    }
    const local = catalog.components.some((c) => c.type === 'step_operator' && c.name === LOCAL_OPERATOR_NAME);
    for (const ours of components) {
      if (!catalog.components.some((c) => c.type === ours.type && c.name === ours.name)) await store.putComponent(ours);
    }
    if (!local) {
      report.notes.push(
        `no Docker engine answers, so ${definition.name} has no ${LOCAL_OPERATOR_NAME} operator: its steps cannot run ` +
          'until you start one and add it (stepops stacks register replaces the stack)',
      );
    }
    await store.putStack(
      local
        ? definition
        : { ...definition, step_operators: definition.step_operators.filter((n) => n !== LOCAL_OPERATOR_NAME) },
    );
    report.added.push(definition.name);
  }
  return report;
}

/** Same flavor and the same config once the flavor's defaults are filled in, as the store keeps it. */
function sameComponent(theirs: StackComponent, ours: StackComponent): boolean {
  if (theirs.flavor !== ours.flavor) return false;
  const spec = findFlavor(ours.type, ours.flavor);
  const validated = spec ? validateConfig(spec, ours.config) : undefined;
  return isDeepStrictEqual(theirs.config, validated?.ok ? validated.config : ours.config);
}
