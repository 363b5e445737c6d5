// Google Cloud: Vertex AI, Artifact Registry and Cloud Storage.
import type { CloudBackend } from '../backend';
import { allOf, requiresArtifactStore, requiresPullableRegistry } from '../shared/stackRules';
import { checkArtifactRegistry } from './artifactRegistry/artifactRegistryCheck';
import { artifactRegistryLogin } from './artifactRegistry/artifactRegistryLogin';
import { explainArtifactRegistryPushFailure } from './artifactRegistry/artifactRegistryPush';
import { ARTIFACT_REGISTRY, GCS_ARTIFACT_STORE, VERTEX } from './flavors';
import { checkGcs } from './gcs/gcsCheck';
import { gcsStoreFactory } from './gcs/gcsStore';
import { checkVertex } from './vertex/vertexCheck';
import { VertexOperator, connectVertexOnce } from './vertex/vertexOperator';

export const GCP: CloudBackend = {
  id: 'gcp',
  displayName: 'Google Cloud',
  components: [
    {
      spec: VERTEX,
      check: (config, _secret, timeoutMs) => checkVertex(config, timeoutMs),
      stackRule: allOf(
        requiresArtifactStore('gcp', 'a GCS', 'Vertex AI'),
        // Vertex pulls with its service agent: Artifact Registry, or a public image elsewhere.
        requiresPullableRegistry({
          own: ['gcp'],
          ownName: 'an Artifact Registry',
          publicOci: true,
          operatorDisplay: 'Vertex AI',
          register:
            'stepops components register container_registry gcp NAME --set uri=REGION-docker.pkg.dev/PROJECT/REPOSITORY',
        }),
      ),
      operator: async (config) => new VertexOperator(await connectVertexOnce(config), config),
    },
    {
      spec: ARTIFACT_REGISTRY,
      check: (config, _secret, timeoutMs) => checkArtifactRegistry(config, timeoutMs),
      registryLogin: (config) => artifactRegistryLogin(String(config.uri).split('/')[0]!),
      pushes: { explainFailure: explainArtifactRegistryPushFailure },
    },
    {
      spec: GCS_ARTIFACT_STORE,
      check: (config, _secret, timeoutMs) => checkGcs(config, timeoutMs),
      store: gcsStoreFactory,
    },
  ],
};
