// This machine as a backend: the local Docker step operator, a local folder store, any OCI
// registry and the embedded orchestrator. It sits beside the clouds (rather than in operators/)
// so that it is listed, tested and dispatched exactly like them.
import { localFolderStoreFactory } from '../../artifacts/localFolderStore';
import type { CloudBackend } from '../backend';
import { LocalDockerOperator } from './docker/localDockerOperator';
import { EMBEDDED_ORCHESTRATOR, LOCAL_ARTIFACT_STORE, LOCAL_DOCKER, OCI_REGISTRY } from './flavors';
import { checkDockerEngine, checkEmbeddedOrchestrator, checkLocalFolder, checkOciRegistry } from './localChecks';
import { storedRegistryLogin } from './storedRegistryLogin';

export const LOCAL: CloudBackend = {
  id: 'local',
  displayName: 'This machine',
  components: [
    {
      spec: LOCAL_DOCKER,
      check: checkDockerEngine,
      operator: async (config, context) => {
        const network = (config as { network_mode?: 'host' | 'none' | 'bridge' }).network_mode;
        return new LocalDockerOperator(await context.docker(), context, network ? { networkMode: network } : {});
      },
    },
    { spec: OCI_REGISTRY, check: checkOciRegistry, registryLogin: storedRegistryLogin, pushes: {} },
    { spec: LOCAL_ARTIFACT_STORE, check: checkLocalFolder, store: localFolderStoreFactory },
    { spec: EMBEDDED_ORCHESTRATOR, check: checkEmbeddedOrchestrator },
  ],
};
