// SageMaker's cheapest authenticated read: ListTrainingJobs with MaxResults 1. Credentials come
// from the AWS SDK's own chain (environment, profile, SSO, instance role); the endpoint from the
// SDK's own settings (AWS_ENDPOINT_URL_SAGEMAKER and friends), which is also how tests point it at
// the local fake.
import type { ConnectionResult } from '../connectionTest';

export async function checkSageMaker(config: Readonly<Record<string, unknown>>): Promise<ConnectionResult> {
  const region = String(config.region ?? '');
  if (!region) return { ok: false, message: "Set the SageMaker operator's region first." };
  const { SageMakerClient, ListTrainingJobsCommand } = await import('@aws-sdk/client-sagemaker');
  const client = new SageMakerClient({ region, maxAttempts: 2 });
  try {
    await client.send(new ListTrainingJobsCommand({ MaxResults: 1 }));
    return { ok: true, message: `SageMaker answers in ${region} and the credentials may list training jobs.` };
  } catch (error) {
    return { ok: false, message: explain(error as Error & { code?: string }, region) };
  } finally {
    client.destroy();
  }
}

function explain(error: Error & { code?: string }, region: string): string {
  switch (error.name) {
    case 'CredentialsProviderError':
      return 'No AWS credentials found: configure them (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).';
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
      return `AWS does not recognise the access key: ${error.message}`;
    case 'InvalidSignatureException':
    case 'SignatureDoesNotMatch':
      return `AWS rejected the request signature (a wrong secret key, or a key for another region): ${error.message}`;
    case 'AccessDeniedException':
      return `Permission denied: the identity may not call sagemaker:ListTrainingJobs in ${region}. ${error.message}`;
    case 'ExpiredTokenException':
      return `The AWS session token has expired: log in again. ${error.message}`;
    default:
      if (error.code === 'ENOTFOUND' || /getaddrinfo|ENOTFOUND/.test(error.message)) {
        return `Cannot reach SageMaker in region "${region}": check the region name.`;
      }
      if (error.code === 'ECONNREFUSED') return `Nothing answers at the SageMaker endpoint: ${error.message}`;
      return `SageMaker answered ${error.name}: ${error.message}`;
  }
}
