// The one list of backends. Everything per flavor (the catalog the forms and the stacks file use,
// connection tests, operator factories, artifact store clients) is derived from it; code outside
// clouds/ reaches a cloud only through these lookups and the contracts they return.
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
