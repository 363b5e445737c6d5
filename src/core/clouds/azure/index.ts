// Microsoft Azure: Azure ML, ACR and Blob Storage.
import type { CloudBackend } from '../backend';
import { allOf, requiresArtifactStore, requiresPullableRegistry } from '../shared/stackRules';
import { checkAcr } from './acr/acrCheck';
import { acrLoginWithAzureLogin } from './acr/acrLogin';
import { checkAzureMl } from './azureml/azuremlCheck';
import { AzureMlOperator, connectAzureMl } from './azureml/azuremlOperator';
import { checkAzureBlob } from './blob/azureBlobCheck';
import { azureBlobStoreFactory } from './blob/blobStore';
import { ACR, AZUREML, AZURE_ARTIFACT_STORE } from './flavors';

export const AZURE: CloudBackend = {
  id: 'azure',
  displayName: 'Microsoft Azure',
  components: [
    {
      spec: AZUREML,
      check: checkAzureMl,
      stackRule: allOf(
        requiresArtifactStore('azure', 'an Azure Blob', 'Azure ML'),
        // Azure ML pulls with the workspace's identity from the ACR attached to it, or a public image elsewhere.
        requiresPullableRegistry({
          own: ['azure'],
          ownName: 'an Azure Container Registry',
          publicOci: true,
          operatorDisplay: 'Azure ML',
          register: 'stepops components register container_registry azure NAME --set uri=NAME.azurecr.io',
        }),
      ),
      operator: async (config, context) =>
        new AzureMlOperator(await connectAzureMl(config, context), config, context.store),
    },
    {
      spec: ACR,
      check: (config, _secret, timeoutMs) => checkAcr(config, timeoutMs),
      registryLogin: (config, _secret, timeoutMs) => acrLoginWithAzureLogin(String(config.uri), timeoutMs),
      // ACR makes a repository on its first push: nothing to ready.
      pushes: {},
    },
    { spec: AZURE_ARTIFACT_STORE, check: checkAzureBlob, store: azureBlobStoreFactory },
  ],
};
