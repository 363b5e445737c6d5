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
      `("${store.name}"), which a ${operatorDisplay} job cannot reach. Give the stack ${storeName} artifact store ` +
      `to run "${operatorName}" (stepops components register artifact_store ${storeFlavor} NAME --set path=...), ` +
      'or run the step locally.'
    );
  };
}
