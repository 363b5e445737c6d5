// Google Cloud flavors: the Vertex AI step operator, Artifact Registry and GCS. Field names and
// defaults follow ZenML's so that imported stacks and users' habits carry over.
import { baseImage, bucketStore, environment } from '../../stacks/flavors/commonFields';
import type { FlavorSpec } from '../../stacks/flavors/fieldSpec';
import { ACCELERATOR_TYPES } from './vertex/acceleratorTypes';

export const VERTEX_REGIONS = [
  'us-central1',
  'us-east1',
  'us-east4',
  'us-west1',
  'us-west2',
  'us-west4',
  'northamerica-northeast1',
  'southamerica-east1',
  'europe-west1',
  'europe-west2',
  'europe-west3',
  'europe-west4',
  'europe-west6',
  'europe-west9',
  'europe-north1',
  'asia-east1',
  'asia-northeast1',
  'asia-northeast3',
  'asia-south1',
  'asia-southeast1',
  'australia-southeast1',
  'me-west1',
];

/** Vertex's boot disk types (google.cloud.aiplatform.v1.DiskSpec.boot_disk_type). */
export const VERTEX_BOOT_DISK_TYPES = ['pd-ssd', 'pd-standard', 'hyperdisk-balanced'];

export const VERTEX: FlavorSpec = {
  type: 'step_operator',
  flavor: 'vertex',
  displayName: 'Vertex AI',
  icon: 'cloud',
  description: 'Runs the step as a Google Cloud Vertex AI custom job.',
  summary: ['machine_type', 'accelerator_type', 'region'],
  fields: [
    {
      name: 'project',
      label: 'Project ID',
      kind: 'string',
      required: true,
      description: 'Google Cloud project that runs the job.',
      pattern: {
        regex: /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
        message: 'project IDs are 6-30 lowercase letters, digits and hyphens, starting with a letter',
      },
    },
    {
      name: 'region',
      label: 'Region',
      kind: 'string',
      required: true,
      default: 'us-central1',
      description: 'Vertex AI region.',
      options: VERTEX_REGIONS,
      pattern: { regex: /^[a-z]+-[a-z]+\d+$/, message: 'a Google Cloud region looks like europe-west4' },
    },
    {
      name: 'machine_type',
      label: 'Machine type',
      kind: 'string',
      default: 'n1-standard-4',
      description: 'Compute Engine machine type, e.g. n1-standard-8 or a2-highgpu-1g.',
    },
    {
      name: 'accelerator_type',
      label: 'Accelerator type',
      kind: 'enum',
      options: ACCELERATOR_TYPES,
      description: 'GPU or TPU to attach.',
    },
    {
      name: 'accelerator_count',
      label: 'Accelerator count',
      kind: 'integer',
      min: 0,
      max: 16,
      description: 'Number of accelerators (0 for none).',
    },
    {
      name: 'boot_disk_type',
      label: 'Boot disk type',
      kind: 'enum',
      options: VERTEX_BOOT_DISK_TYPES,
      default: 'pd-ssd',
      description: 'Boot disk type.',
    },
    {
      name: 'boot_disk_size_gb',
      label: 'Boot disk size (GB)',
      kind: 'integer',
      default: 100,
      min: 100,
      max: 64000,
      description: 'Boot disk size.',
    },
    {
      name: 'service_account',
      label: 'Service account',
      kind: 'string',
      description: 'Service account the job runs as.',
      pattern: {
        regex: /^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$/,
        message: 'a service account looks like NAME@PROJECT.iam.gserviceaccount.com',
      },
    },
    {
      name: 'network',
      label: 'Network',
      kind: 'string',
      description: 'Full VPC network name for peering, projects/NUMBER/global/networks/NAME.',
    },
    {
      name: 'reserved_ip_ranges',
      label: 'Reserved IP ranges',
      kind: 'string-list',
      description: 'Names of reserved IP ranges in the network, comma-separated.',
    },
    {
      name: 'encryption_spec_key_name',
      label: 'Encryption key',
      kind: 'string',
      description: 'Cloud KMS key for customer-managed encryption.',
    },
    {
      name: 'persistent_resource_id',
      label: 'Persistent resource ID',
      kind: 'string',
      description: 'Run on an existing Vertex persistent resource.',
    },
    environment,
    baseImage,
    {
      name: 'service_account_path',
      label: 'Service account key file',
      kind: 'string',
      description:
        'Path to a service account key (JSON) for stepops to call Vertex AI with; leave empty to use Application Default Credentials.',
    },
    {
      name: 'api_endpoint',
      label: 'API endpoint',
      kind: 'string',
      description: "Vertex AI endpoint to call instead of the region's own (e.g. a Private Service Connect address).",
      placeholder: 'REGION-aiplatform.googleapis.com',
    },
    {
      name: 'logging_api_endpoint',
      label: 'Cloud Logging endpoint',
      kind: 'string',
      description:
        'Advanced: Cloud Logging endpoint the job logs are read from instead of logging.googleapis.com (e.g. a Private Service Connect address).',
      placeholder: 'logging.googleapis.com',
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

export const GCS_ARTIFACT_STORE = bucketStore(
  'gcp',
  'Google Cloud Storage',
  /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/,
  'gs://bucket/prefix',
);
