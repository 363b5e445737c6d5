// Container registries, artifact stores and the orchestrator. ZenML's flavor names: registries
// "aws" (ECR), "gcp" (Artifact Registry), "azure" (ACR), "default" (any OCI registry); artifact
// stores "local", "s3", "gcp", "azure".
import type { FlavorSpec } from './fieldSpec';

export const ECR: FlavorSpec = {
  type: 'container_registry',
  flavor: 'aws',
  displayName: 'Amazon ECR',
  icon: 'package',
  description: 'Elastic Container Registry; pushes authenticate with an ECR token from your AWS credentials.',
  summary: ['uri'],
  fields: [
    {
      name: 'uri',
      label: 'Registry URI',
      kind: 'string',
      required: true,
      description: 'ACCOUNT.dkr.ecr.REGION.amazonaws.com',
      placeholder: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      pattern: {
        regex: /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/,
        message: 'an ECR registry looks like 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      },
    },
  ],
};

export const ARTIFACT_REGISTRY: FlavorSpec = {
  type: 'container_registry',
  flavor: 'gcp',
  displayName: 'Artifact Registry',
  icon: 'package',
  description: 'Google Artifact Registry; pushes authenticate with an access token from your Google credentials.',
  summary: ['uri'],
  fields: [
    {
      name: 'uri',
      label: 'Repository URI',
      kind: 'string',
      required: true,
      description: 'REGION-docker.pkg.dev/PROJECT/REPOSITORY',
      placeholder: 'europe-west4-docker.pkg.dev/my-project/steps',
      pattern: {
        regex: /^[a-z0-9-]+-docker\.pkg\.dev\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/[a-z0-9][a-z0-9._-]*$/,
        message: 'an Artifact Registry repository looks like europe-west4-docker.pkg.dev/PROJECT/REPOSITORY',
      },
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

export const OCI_REGISTRY: FlavorSpec = {
  type: 'container_registry',
  flavor: 'default',
  displayName: 'OCI registry',
  icon: 'package',
  description: 'Any registry that speaks the OCI distribution API, with optional username and password.',
  summary: ['uri'],
  fields: [
    {
      name: 'uri',
      label: 'Registry',
      kind: 'string',
      required: true,
      description: 'HOST[:PORT][/PATH]',
      placeholder: 'registry.example.com:5000/team',
      pattern: {
        regex: /^[a-zA-Z0-9.-]+(:\d{1,5})?(\/[a-z0-9._/-]+)?$/,
        message: 'a registry looks like HOST[:PORT][/PATH], without http://',
      },
    },
    { name: 'username', label: 'Username', kind: 'string', description: 'Leave empty for anonymous pushes.' },
    { name: 'password', label: 'Password', kind: 'secret', description: 'Kept in the secret store.' },
  ],
};

export const LOCAL_ARTIFACT_STORE: FlavorSpec = {
  type: 'artifact_store',
  flavor: 'local',
  displayName: 'Local folder',
  icon: 'folder',
  description: 'Step outputs are kept in a folder on this machine.',
  summary: ['path'],
  fields: [
    {
      name: 'path',
      label: 'Folder',
      kind: 'string',
      required: true,
      description: 'Absolute path of the folder.',
      pattern: { regex: /^(\/|[A-Za-z]:\\|~)/, message: 'use an absolute path' },
    },
  ],
};

const bucketStore = (flavor: string, displayName: string, scheme: RegExp, example: string): FlavorSpec => ({
  type: 'artifact_store',
  flavor,
  displayName,
  icon: 'database',
  description: `Step outputs are kept in ${displayName}.`,
  summary: ['path'],
  fields: [
    {
      name: 'path',
      label: 'Path',
      kind: 'string',
      required: true,
      description: example,
      placeholder: example,
      pattern: { regex: scheme, message: `the path looks like ${example}` },
    },
  ],
});

export const S3_ARTIFACT_STORE = bucketStore(
  's3',
  'Amazon S3',
  /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/,
  's3://bucket/prefix',
);
export const GCS_ARTIFACT_STORE = bucketStore(
  'gcp',
  'Google Cloud Storage',
  /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/,
  'gs://bucket/prefix',
);
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

export const EMBEDDED_ORCHESTRATOR: FlavorSpec = {
  type: 'orchestrator',
  flavor: 'embedded',
  displayName: 'Embedded',
  icon: 'server-process',
  description:
    'stepops drives runs from the editor or the CLI: each step on its step operator, or locally in a container.',
  summary: [],
  fields: [],
};
