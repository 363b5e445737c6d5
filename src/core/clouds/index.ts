// The one list of backends. Everything per flavor (the catalog the forms and the stacks file use,
// connection tests, operator factories, artifact store clients) is derived from it; code outside
// clouds/ reaches a cloud only through these lookups and the contracts they return.
import type { ArtifactStore } from '../artifacts/artifactStore';
import type { RegistryCredentials } from '../images/registryAuth';
import type { ComponentType } from '../stacks/model';
import { AWS } from './aws';
import { AZURE } from './azure';
import type { CloudBackend, ComponentBackend } from './backend';
import { GCP } from './gcp';
import { LOCAL } from './local';

/** In the order the flavor pickers list them: the clouds, then this machine. */
export const CLOUDS: readonly CloudBackend[] = [AWS, GCP, AZURE, LOCAL];

const byFlavor = new Map<string, ComponentBackend & { readonly cloud: CloudBackend }>(
  CLOUDS.flatMap((cloud) =>
    cloud.components.map((component) => [`${component.spec.type}/${component.spec.flavor}`, { ...component, cloud }]),
  ),
);

export function componentBackend(
  type: ComponentType,
  flavor: string,
): (ComponentBackend & { readonly cloud: CloudBackend }) | undefined {
  return byFlavor.get(`${type}/${flavor}`);
}

/** Step operator flavors that can run jobs in this version. */
export function runnableOperatorFlavors(): string[] {
  return [...byFlavor.values()].filter((c) => c.spec.type === 'step_operator' && c.operator).map((c) => c.spec.flavor);
}

/** The client for an artifact store component, built by its backend's factory. */
export async function artifactStoreFor(
  component: { readonly flavor: string; readonly config: Readonly<Record<string, unknown>> },
  secret: (field: string) => Promise<string | undefined>,
): Promise<ArtifactStore> {
  const factory = componentBackend('artifact_store', component.flavor)?.store;
  if (!factory)
    throw new Error(`stepops cannot stage run files through ${component.flavor} artifact stores in this version.`);
  return factory(component.config, secret);
}

/** A component's config without its secret fields, for run records and job handles. */
export function nonSecretConfig(
  type: ComponentType,
  flavor: string,
  config: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const secrets = new Set(
    componentBackend(type, flavor)
      ?.spec.fields.filter((f) => f.kind === 'secret')
      .map((f) => f.name) ?? [],
  );
  return Object.fromEntries(Object.entries(config).filter(([name]) => !secrets.has(name)));
}

/** Whether runs can push to a registry flavor in this version (its backend declares how). */
export function canPushTo(flavor: string): boolean {
  return componentBackend('container_registry', flavor)?.pushes !== undefined;
}

/** Readies a repository of a registry component for a push (ECR: created when missing). */
export async function prepareRepository(
  component: { readonly flavor: string; readonly config: Readonly<Record<string, unknown>> },
  repository: string,
  timeoutMs = 10_000,
): Promise<void> {
  await componentBackend('container_registry', component.flavor)?.pushes?.prepare?.(
    component.config,
    repository,
    timeoutMs,
  );
}

/** What a failed push to a registry component means (Artifact Registry: a missing repository), or undefined. */
export function explainPushFailure(
  component: { readonly flavor: string; readonly config: Readonly<Record<string, unknown>> },
  repository: string,
  message: string,
): string | undefined {
  return componentBackend('container_registry', component.flavor)?.pushes?.explainFailure?.(
    component.config,
    repository,
    message,
  );
}

/** The login for pushes to a container registry component (undefined: anonymous pushes). */
export async function registryLoginFor(
  component: { readonly flavor: string; readonly config: Readonly<Record<string, unknown>> },
  secret: (field: string) => Promise<string | undefined>,
  timeoutMs = 10_000,
): Promise<RegistryCredentials | undefined> {
  return componentBackend('container_registry', component.flavor)?.registryLogin?.(component.config, secret, timeoutMs);
}
