// What a shell needs to use the emulators: one `export NAME='value'` line per variable, each
// with a comment saying it points at a local emulator, using only the settings the SDKs and the
// stepops CLI document (AWS_ENDPOINT_URL_<SERVICE>, STORAGE_EMULATOR_HOST,
// GOOGLE_APPLICATION_CREDENTIALS, NODE_EXTRA_CA_CERTS, AZURE_*, STEPOPS_SECRET_<COMPONENT>_<FIELD>),
// plus STEPOPS_EMULATOR_<SERVICE>_URL, each emulator's own address (fault control: /__faults).
import { secretEnvName } from '../../../src/cli/stackCommands';
import { AWS } from './emulatedClouds';
import { AZURE_STORE_NAME, AZUREML_OPERATOR_NAME } from './emulatedStacks';
import type { EmulatorIdentity } from './identity';
import { EMULATOR_SERVICES, type EmulatorService } from './ports';

interface Variable {
  readonly name: string;
  readonly value: string;
  /** The line's comment: what it points at. */
  readonly says: string;
}

interface Group {
  readonly heading: string;
  readonly variables: readonly Variable[];
}

export interface EnvironmentInputs {
  readonly urls: Readonly<Record<EmulatorService, string>>;
  readonly identity: EmulatorIdentity;
  readonly stateDir: string;
  readonly stacksFile: string;
  /** STEPOPS_HOME as the emulators saw it, so that the shell finds the same stacks file. */
  readonly stepopsHome?: string;
  readonly registry: string;
  readonly caFile: string;
  readonly googleCredentialFile: string;
  readonly azuriteConnectionString: string;
}

const CREDENTIAL = 'emulator-only credential, valid on the local emulators alone';

const LABELS: Record<EmulatorService, string> = {
  sagemaker: 'SageMaker',
  ecr: 'ECR',
  s3: 'S3',
  sts: 'Google STS',
  gcs: 'Cloud Storage',
  vertex: 'Vertex AI',
  'artifact-registry': 'Artifact Registry login',
  'entra-id': 'Microsoft Entra ID',
  'resource-manager': 'Azure Resource Manager',
  acr: 'ACR login',
  logs: 'CloudWatch Logs',
  logging: 'Cloud Logging',
  azureml: 'Azure ML data plane (discovery, run history)',
  'azureml-storage': "Azure ML workspace storage (Azurite's blobs)",
};

function groups(inputs: EnvironmentInputs): Group[] {
  const { urls, identity } = inputs;
  const local = (service: EmulatorService, cloud: string) => `local ${LABELS[service]} emulator, not ${cloud}`;
  const home: Group[] = inputs.stepopsHome
    ? [
        {
          heading: "stepops: the folder with the stacks file that holds the local emulators' stacks",
          variables: [
            { name: 'STEPOPS_HOME', value: inputs.stepopsHome, says: "where the local emulators' stacks were added" },
          ],
        },
      ]
    : [];
  return [
    ...home,
    {
      heading: 'AWS SDK: the local SageMaker, ECR, S3 and CloudWatch Logs emulators',
      variables: [
        { name: 'AWS_ENDPOINT_URL_SAGEMAKER', value: urls.sagemaker, says: local('sagemaker', 'AWS') },
        {
          name: 'AWS_ENDPOINT_URL_ECR',
          value: urls.ecr,
          says: `${local('ecr', 'AWS')}; its logins are for the local registry ${inputs.registry}`,
        },
        { name: 'AWS_ENDPOINT_URL_S3', value: urls.s3, says: local('s3', 'AWS') },
        // The SDK derives the name from the service id "CloudWatch Logs".
        { name: 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS', value: urls.logs, says: local('logs', 'AWS') },
        { name: 'AWS_REGION', value: AWS.region, says: 'the region the local AWS emulators serve' },
      ],
    },
    {
      heading: `emulator-only credentials: an AWS access key generated in ${inputs.stateDir}, valid on the local emulators alone`,
      variables: [
        { name: 'AWS_ACCESS_KEY_ID', value: identity.aws.accessKeyId, says: CREDENTIAL },
        { name: 'AWS_SECRET_ACCESS_KEY', value: identity.aws.secretAccessKey, says: CREDENTIAL },
      ],
    },
    {
      heading:
        'Google Cloud client libraries: the local Cloud Storage emulator, and a federated identity its STS emulator trusts',
      variables: [
        { name: 'STORAGE_EMULATOR_HOST', value: urls.gcs, says: local('gcs', 'Google Cloud') },
        {
          name: 'GOOGLE_APPLICATION_CREDENTIALS',
          value: inputs.googleCredentialFile,
          says: `${CREDENTIAL}: workload identity federation with the ${local('sts', 'Google')}`,
        },
      ],
    },
    {
      heading:
        'Azure: the CA the local Entra ID and Resource Manager emulators serve TLS under, and an emulator-only service ' +
        'principal (DefaultAzureCredential needs disableInstanceDiscovery for a local authority, as stepops sets)',
      variables: [
        {
          name: 'NODE_EXTRA_CA_CERTS',
          value: inputs.caFile,
          says: 'CA of the local Azure emulators only (generated here)',
        },
        { name: 'AZURE_AUTHORITY_HOST', value: urls['entra-id'], says: local('entra-id', 'Azure') },
        {
          name: 'AZURE_TENANT_ID',
          value: identity.azure.tenantId,
          says: 'a tenant of the local Entra ID emulator only',
        },
        { name: 'AZURE_CLIENT_ID', value: identity.azure.clientId, says: 'an app of the local Entra ID emulator only' },
        { name: 'AZURE_CLIENT_SECRET', value: identity.azure.clientSecret, says: CREDENTIAL },
      ],
    },
    {
      heading: "stepops CLI secrets of the local emulators' stacks: emulator-only credentials",
      variables: [
        {
          name: secretEnvName(AZUREML_OPERATOR_NAME, 'service_principal_secret'),
          value: identity.azure.clientSecret,
          says: `${CREDENTIAL}: the ${AZUREML_OPERATOR_NAME} operator's service principal`,
        },
        {
          name: secretEnvName(AZURE_STORE_NAME, 'connection_string'),
          value: inputs.azuriteConnectionString,
          says: `${CREDENTIAL}: Azurite, the local Azure Storage emulator`,
        },
      ],
    },
    {
      heading: 'Each local emulator, for fault injection (POST/DELETE <url>/__faults, see test/fakes/README.md)',
      variables: EMULATOR_SERVICES.map((service) => ({
        name: `STEPOPS_EMULATOR_${service.toUpperCase().replace(/-/g, '_')}_URL`,
        value: urls[service],
        says: `local ${LABELS[service]} emulator`,
      })),
    },
  ];
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The lines to print and to write into an env file: comments and exports, nothing else. */
export function environmentLines(inputs: EnvironmentInputs): string[] {
  const lines = [
    '# stepops local cloud emulators on 127.0.0.1: stand-ins for AWS, Google Cloud and Azure, NOT the real clouds.',
    '# Source these lines to point the cloud SDKs and stepops at the local emulators (while they run).',
    `# The local emulators' stacks (aws-emulated, gcp-emulated, azure-emulated) are in ${inputs.stacksFile}.`,
  ];
  for (const group of groups(inputs)) {
    lines.push(`# ${group.heading}`);
    for (const v of group.variables) lines.push(`export ${v.name}=${shellQuote(v.value)}  # ${v.says}`);
  }
  return lines;
}
