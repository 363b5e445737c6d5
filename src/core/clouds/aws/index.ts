// Amazon Web Services: SageMaker, ECR and S3.
import type { CloudBackend } from '../backend';
import { checkEcr } from './ecr/ecrCheck';
import { ECR, S3_ARTIFACT_STORE, SAGEMAKER } from './flavors';
import { checkS3 } from './s3/s3Check';
import { checkSageMaker } from './sagemaker/sagemakerCheck';

export const AWS: CloudBackend = {
  id: 'aws',
  displayName: 'Amazon Web Services',
  components: [
    { spec: SAGEMAKER, check: (config, _secret, timeoutMs) => checkSageMaker(config, timeoutMs) },
    { spec: ECR, check: (config, _secret, timeoutMs) => checkEcr(config, timeoutMs) },
    { spec: S3_ARTIFACT_STORE, check: (config, _secret, timeoutMs) => checkS3(config, timeoutMs) },
  ],
};
