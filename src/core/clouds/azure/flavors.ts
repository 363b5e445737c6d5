// Azure flavors: the Azure ML step operator, ACR and Azure Blob Storage. Field names and defaults
// follow ZenML's so that imported stacks and users' habits carry over.
import { baseImage, bucketStore, environment } from '../../stacks/flavors/commonFields';
import type { FlavorSpec } from '../../stacks/flavors/fieldSpec';

const AZURE_RESOURCE_GROUP = /^[-\w._()]{0,89}[-\w_()]$/;
const AZURE_ML_WORKSPACE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const AZUREML: FlavorSpec = {
  type: 'step_operator',
  flavor: 'azureml',
  displayName: 'Azure ML',
  icon: 'cloud',
  description: 'Runs the step as an Azure Machine Learning command job.',
  summary: ['compute_type', 'compute_name', 'instance_type', 'workspace_name'],
  fields: [
    {
      name: 'subscription_id',
      label: 'Subscription ID',
      kind: 'string',
      required: true,
      description: 'Azure subscription.',
      pattern: { regex: UUID, message: 'a subscription ID is a GUID' },
    },
    {
      name: 'resource_group',
      label: 'Resource group',
      kind: 'string',
      required: true,
      description: 'Resource group of the workspace.',
      pattern: { regex: AZURE_RESOURCE_GROUP, message: 'up to 90 letters, digits, _ - . ( ), not ending with a dot' },
    },
    {
      name: 'workspace_name',
      label: 'Workspace',
      kind: 'string',
      required: true,
      description: 'Azure ML workspace name.',
      pattern: { regex: AZURE_ML_WORKSPACE, message: '3-33 letters, digits, _ and -, starting with a letter or digit' },
    },
    {
      name: 'compute_type',
      label: 'Compute',
      kind: 'enum',
      options: ['serverless', 'compute-instance', 'compute-cluster'],
      default: 'serverless',
      description:
        'An existing compute cluster or instance. Serverless compute needs Azure ML API 2023-04-01-preview or later; the client stepops ships speaks 2022-10-01, so runs refuse it.',
    },
    {
      name: 'instance_type',
      label: 'Instance type',
      kind: 'string',
      description:
        "The VM size the step needs, e.g. Standard_NC6s_v3; a cluster's or instance's is fixed when it is created, so a run checks it against theirs.",
      placeholder: 'Standard_DS3_v2',
    },
    {
      name: 'compute_name',
      label: 'Compute name',
      kind: 'string',
      required: true,
      description: 'Name of the compute instance or cluster.',
      when: { field: 'compute_type', oneOf: ['compute-instance', 'compute-cluster'] },
      pattern: {
        regex: /^[a-zA-Z][a-zA-Z0-9-]{1,23}$/,
        message: '2-24 letters, digits and hyphens, starting with a letter',
      },
    },
    {
      name: 'environment_name',
      label: 'Environment name',
      kind: 'string',
      description: 'Azure ML environment registered for the step image.',
    },
    environment,
    baseImage,
    {
      name: 'tenant_id',
      label: 'Tenant ID',
      kind: 'string',
      description: 'Service principal tenant (leave empty to use your Azure login).',
      pattern: { regex: UUID, message: 'a tenant ID is a GUID' },
    },
    {
      name: 'service_principal_id',
      label: 'Client ID',
      kind: 'string',
      description: 'Service principal application (client) ID.',
      pattern: { regex: UUID, message: 'a client ID is a GUID' },
    },
    {
      name: 'service_principal_secret',
      label: 'Client secret',
      kind: 'secret',
      description: 'Service principal secret; kept in the secret store.',
    },
    {
      name: 'resource_manager_endpoint',
      label: 'Resource Manager endpoint',
      kind: 'string',
      description: 'Azure Resource Manager for a sovereign cloud or Azure Stack; leave empty for the public cloud.',
      placeholder: 'https://management.azure.com',
    },
    {
      name: 'authority_host',
      label: 'Entra ID authority host',
      kind: 'string',
      description: 'Sign-in authority for a sovereign cloud or Azure Stack; leave empty for the public cloud.',
      placeholder: 'https://login.microsoftonline.com',
    },
  ],
};

export const ACR: FlavorSpec = {
  type: 'container_registry',
  flavor: 'azure',
  displayName: 'Azure Container Registry',
  icon: 'package',
  description: 'ACR; pushes authenticate by exchanging your Azure login for a registry token.',
  summary: ['uri'],
  fields: [
    {
      name: 'uri',
      label: 'Registry',
      kind: 'string',
      required: true,
      description: 'NAME.azurecr.io',
      placeholder: 'myregistry.azurecr.io',
      pattern: {
        regex: /^[a-zA-Z0-9]{5,50}\.azurecr\.io$/,
        message: 'an ACR registry looks like NAME.azurecr.io (5-50 letters and digits)',
      },
    },
  ],
};

const azureBlobStore = bucketStore(
  'azure',
  'Azure Blob Storage',
  /^(az|abfs):\/\/[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9](\/.*)?$/,
  'az://container/prefix',
);
export const AZURE_ARTIFACT_STORE: FlavorSpec = {
  ...azureBlobStore,
  summary: ['path', 'account_name'],
  fields: [
    ...azureBlobStore.fields,
    {
      name: 'account_name',
      label: 'Storage account',
      kind: 'string',
      description: 'Storage account that holds the container (not needed with a connection string).',
      pattern: { regex: /^[a-z0-9]{3,24}$/, message: 'storage account names are 3-24 lowercase letters and digits' },
    },
    {
      name: 'account_key',
      label: 'Account key',
      kind: 'secret',
      description: 'Storage account key; kept in the secret store. Leave empty to sign in with your Azure login.',
    },
    {
      name: 'connection_string',
      label: 'Connection string',
      kind: 'secret',
      description:
        'A storage connection string instead of account and key (e.g. for Azurite); kept in the secret store.',
    },
  ],
};
