// Google Cloud: Vertex AI, Artifact Registry and Cloud Storage.
import type { CloudBackend } from '../backend';
import { requiresArtifactStore } from '../shared/stackRules';
import { checkArtifactRegistry } from './artifactRegistry/artifactRegistryCheck';
import { artifactRegistryLogin } from './artifactRegistry/artifactRegistryLogin';
import { ARTIFACT_REGISTRY, GCS_ARTIFACT_STORE, VERTEX } from './flavors';
import { checkGcs } from './gcs/gcsCheck';
import { gcsStoreFactory } from './gcs/gcsStore';
import { checkVertex } from './vertex/vertexCheck';

export const GCP: CloudBackend = {
  id: 'gcp',
  displayName: 'Google Cloud',
  components: [
    {
      spec: VERTEX,
      check: (config, _secret, timeoutMs) => checkVertex(config, timeoutMs),
      stackRule: requiresArtifactStore('gcp', 'a GCS', 'Vertex AI'),
    },
    {
      spec: ARTIFACT_REGISTRY,
      check: (config, _secret, timeoutMs) => checkArtifactRegistry(config, timeoutMs),
      registryLogin: (config) => artifactRegistryLogin(String(config.uri).split('/')[0]!),
    },
    {
      spec: GCS_ARTIFACT_STORE,
      check: (config, _secret, timeoutMs) => checkGcs(config, timeoutMs),
      store: gcsStoreFactory,
    },
  ],
};
