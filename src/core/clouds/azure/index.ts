// Microsoft Azure: Azure ML, ACR and Blob Storage.
import type { CloudBackend } from '../backend';
import { requiresArtifactStore } from '../shared/stackRules';
import { checkAcr } from './acr/acrCheck';
import { acrLoginWithAzureLogin } from './acr/acrLogin';
import { checkAzureMl } from './azureml/azuremlCheck';
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
      stackRule: requiresArtifactStore('azure', 'an Azure Blob', 'Azure ML'),
    },
    {
      spec: ACR,
      check: (config, _secret, timeoutMs) => checkAcr(config, timeoutMs),
      registryLogin: (config, _secret, timeoutMs) => acrLoginWithAzureLogin(String(config.uri), timeoutMs),
    },
    { spec: AZURE_ARTIFACT_STORE, check: checkAzureBlob, store: azureBlobStoreFactory },
  ],
};
