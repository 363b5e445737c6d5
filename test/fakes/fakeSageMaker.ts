// A strict stand-in for the SageMaker control plane, for what stepops calls so far
// (ListTrainingJobs), on the shared AWS fake (protocol, SigV4, permissions), each request
// validated against AWS's SageMaker model, in the service's shapes. Started on a loopback port by the tests.
import { loadServiceModel } from './aws/serviceModel';
import { type FakeAccount, type FakeAwsService, startFakeAwsJsonService } from './awsJsonService';
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
    model: loadServiceModel('sagemaker'),
    operations: {
      // The model checks MaxResults (1 to 100) and the other members before this runs.
      ListTrainingJobs: () => [200, { TrainingJobSummaries: [] }],
    },
  });
}
