// SageMaker's cheapest authenticated read: ListTrainingJobs with MaxResults 1. Credentials come
// from the AWS SDK's own chain (environment, profile, SSO, instance role); the endpoint from the
// SDK's own settings (AWS_ENDPOINT_URL_SAGEMAKER and friends), which is also how tests point it at
// the local fake.
import type { ConnectionResult } from '../../../stacks/connectionChecks/connectionCheck';
import { explainAwsError } from '../errors';

export async function checkSageMaker(
  config: Readonly<Record<string, unknown>>,
  timeoutMs: number,
): Promise<ConnectionResult> {
  const region = String(config.region ?? '');
  if (!region) return { ok: false, message: "Set the SageMaker operator's region first." };
  const { SageMakerClient, ListTrainingJobsCommand } = await import('@aws-sdk/client-sagemaker');
  const profile = typeof config.profile === 'string' && config.profile ? config.profile : undefined;
  const client = new SageMakerClient({
    region,
    ...(profile ? { profile } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
  try {
    await client.send(new ListTrainingJobsCommand({ MaxResults: 1 }));
    return { ok: true, message: `SageMaker answers in ${region} and the credentials may list training jobs.` };
  } catch (error) {
    const message = explainAwsError(error as Error, {
      service: 'SageMaker',
      action: 'sagemaker:ListTrainingJobs',
      region,
      ...(profile ? { profile } : {}),
    });
    return { ok: false, message };
  } finally {
    client.destroy();
  }
}
