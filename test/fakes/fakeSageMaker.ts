// A strict stand-in for the SageMaker control plane, for what stepops calls so far
// (ListTrainingJobs), on the shared AWS fake (protocol, SigV4, permissions) with the action's
// parameter limits and the service's shapes. Started on a loopback port by the tests.
import { type FakeAccount, type FakeAwsService, awsError, startFakeAwsJsonService } from './awsJsonService';
import type { FakeListen } from './loopbackServer';

export type { FakeAccount } from './awsJsonService';
export type FakeSageMaker = FakeAwsService;

export function startFakeSageMaker(
  region: string,
  accounts: readonly FakeAccount[],
  listen: FakeListen = {},
): Promise<FakeSageMaker> {
  return startFakeAwsJsonService({
    service: 'sagemaker',
    targetPrefix: 'SageMaker',
    region,
    accounts,
    listen,
    operations: {
      ListTrainingJobs: (input) => {
        const max = input.MaxResults;
        if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100)) {
          return awsError(
            400,
            'ValidationException',
            `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`,
          );
        }
        return [200, { TrainingJobSummaries: [] }];
      },
    },
  });
}
