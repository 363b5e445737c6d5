// Rules a cloud operator sets on its stack, checked before anything is built (ZenML checks the
// same): a job on a cloud cannot read this machine's folders, so its files are staged through
// an artifact store that cloud can reach.
import type { StackRule } from '../backend';

export function requiresArtifactStore(storeFlavor: string, storeName: string, operatorDisplay: string): StackRule {
  return (stack, operatorName) => {
    const store = stack.artifactStore;
    if (store.flavor === storeFlavor) return undefined;
    return (
      `Stack "${stack.name}" keeps artifacts in ${store.flavor === 'local' ? 'a local folder' : `a ${store.flavor} store`} ` +
      `("${store.name}"), which ${jobOf(operatorDisplay)} cannot reach. Give the stack ${storeName} artifact store ` +
      `to run "${operatorName}" (stepops components register artifact_store ${storeFlavor} NAME --set path=...), ` +
      'or run the step locally.'
    );
  };
}

/** The first rule's refusal, if any: a stack must satisfy each. */
export function allOf(...rules: readonly StackRule[]): StackRule {
  return (stack, operatorName) => rules.map((rule) => rule(stack, operatorName)).find(Boolean);
}

/** Which registries a cloud's jobs can pull from, and what to tell the user otherwise. */
export interface PullableRegistries {
  /** Registry flavors the platform pulls from with its own identity (e.g. 'gcp' for Artifact Registry). */
  readonly own: readonly string[];
  /** How users know them: "an Artifact Registry". */
  readonly ownName: string;
  /** Generic OCI registries are pulled from only without credentials (public images). */
  readonly publicOci: boolean;
  readonly operatorDisplay: string;
  /** The registration command that fixes it, e.g. "stepops components register container_registry gcp NAME --set uri=...". */
  readonly register: string;
}

/** A cloud job's image comes from a registry it can pull from; a local image or a private foreign one cannot be. */
export function requiresPullableRegistry(registries: PullableRegistries): StackRule {
  return (stack, operatorName) => {
    const registry = stack.containerRegistry;
    const fix = `Give stack "${stack.name}" ${registries.ownName} to run "${operatorName}" (${registries.register}), or run the step locally.`;
    if (!registry) {
      return `Stack "${stack.name}" has no container registry, so ${jobOf(registries.operatorDisplay)} could not pull the step's image. ${fix}`;
    }
    if (registries.own.includes(registry.flavor)) return undefined;
    const credentials = typeof registry.config.username === 'string' && registry.config.username !== '';
    if (registries.publicOci && registry.flavor === 'default' && !credentials) return undefined;
    const why =
      registry.flavor === 'default'
        ? 'needs a username and password, which a job cannot present when it pulls'
        : `is a registry of flavor "${registry.flavor}", which ${registries.operatorDisplay} cannot pull from with its own identity`;
    return `Stack "${stack.name}" pushes to "${registry.name}", which ${why}. ${fix}`;
  };
}

/** "a SageMaker job", "an Azure ML job". */
function jobOf(operatorDisplay: string): string {
  return `${/^[AEIOU]/.test(operatorDisplay) ? 'an' : 'a'} ${operatorDisplay} job`;
}
