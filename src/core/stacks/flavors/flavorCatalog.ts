import type { ComponentType } from '../model';
import type { FlavorSpec } from './fieldSpec';
import { ACR, AZUREML, AZURE_ARTIFACT_STORE } from '../../clouds/azure/flavors';
import { ECR, S3_ARTIFACT_STORE, SAGEMAKER } from '../../clouds/aws/flavors';
import { ARTIFACT_REGISTRY, GCS_ARTIFACT_STORE, VERTEX } from '../../clouds/gcp/flavors';
import { EMBEDDED_ORCHESTRATOR, LOCAL_ARTIFACT_STORE, LOCAL_DOCKER, OCI_REGISTRY } from '../../clouds/local/flavors';

export const FLAVORS: readonly FlavorSpec[] = [
  SAGEMAKER,
  VERTEX,
  AZUREML,
  LOCAL_DOCKER,
  ECR,
  ARTIFACT_REGISTRY,
  ACR,
  OCI_REGISTRY,
  LOCAL_ARTIFACT_STORE,
  S3_ARTIFACT_STORE,
  GCS_ARTIFACT_STORE,
  AZURE_ARTIFACT_STORE,
  EMBEDDED_ORCHESTRATOR,
];

export function flavorsOf(type: ComponentType): FlavorSpec[] {
  return FLAVORS.filter((f) => f.type === type);
}

export function findFlavor(type: ComponentType, flavor: string): FlavorSpec | undefined {
  return FLAVORS.find((f) => f.type === type && f.flavor === flavor);
}

/** "ml.g5.xlarge · eu-west-1": the values of a flavor's summary fields that are set. */
export function componentSummary(spec: FlavorSpec | undefined, config: Readonly<Record<string, unknown>>): string {
  if (!spec) return '';
  return spec.summary
    .map((name) => config[name] ?? spec.fields.find((f) => f.name === name)?.default)
    .filter((v) => v !== undefined && v !== '')
    .map(String)
    .join(' · ');
}
