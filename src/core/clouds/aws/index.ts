// Amazon Web Services: SageMaker, ECR and S3.
import type { CloudBackend } from '../backend';
import { requiresArtifactStore } from '../shared/stackRules';
import { checkEcr } from './ecr/ecrCheck';
import { cachedEcrLogin } from './ecr/ecrLogin';
import { ensureEcrRepository } from './ecr/ecrRepository';
import { ECR, S3_ARTIFACT_STORE, SAGEMAKER } from './flavors';
import { checkS3 } from './s3/s3Check';
import { s3StoreFactory } from './s3/s3Store';
import { checkSageMaker } from './sagemaker/sagemakerCheck';
import { SageMakerOperator, connectSageMaker } from './sagemaker/sagemakerOperator';

export const AWS: CloudBackend = {
  id: 'aws',
  displayName: 'Amazon Web Services',
  components: [
    {
      spec: SAGEMAKER,
      check: (config, _secret, timeoutMs) => checkSageMaker(config, timeoutMs),
      stackRule: requiresArtifactStore('s3', 'an S3', 'SageMaker'),
      operator: async (config) => new SageMakerOperator(await connectSageMaker(config), config),
    },
    {
      spec: ECR,
      check: (config, _secret, timeoutMs) => checkEcr(config, timeoutMs),
      registryLogin: async (config, _secret, timeoutMs) =>
        (await cachedEcrLogin(String(config.uri), timeoutMs)).credentials,
      pushes: {
        prepare: async (config, repository, timeoutMs) => {
          await ensureEcrRepository(String(config.uri), repository, timeoutMs);
        },
      },
    },
    {
      spec: S3_ARTIFACT_STORE,
      check: (config, _secret, timeoutMs) => checkS3(config, timeoutMs),
      store: s3StoreFactory,
    },
  ],
};
