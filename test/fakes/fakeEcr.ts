// A strict stand-in for the ECR API call a registry login makes (GetAuthorizationToken), on the
// shared AWS fake (protocol, SigV4, permissions). The token it hands out is a login for the
// registry the test names as the proxy endpoint (real ECR tokens log in as "AWS" to
// ACCOUNT.dkr.ecr.REGION.amazonaws.com; here the local registry's own account stands in).
import { type FakeAccount, type FakeAwsService, awsError, startFakeAwsJsonService } from './awsJsonService';
import type { FakeListen } from './loopbackServer';

export interface FakeEcrRegistry {
  /** What GetAuthorizationToken returns as proxyEndpoint, e.g. http://127.0.0.1:5556. */
  readonly proxyEndpoint: string;
  readonly username: string;
  readonly password: string;
}

export function startFakeEcr(
  region: string,
  accounts: readonly FakeAccount[],
  registry: FakeEcrRegistry,
  listen: FakeListen = {},
): Promise<FakeAwsService> {
  return startFakeAwsJsonService({
    service: 'ecr',
    targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
    region,
    accounts,
    listen,
    operations: {
      GetAuthorizationToken: (input) => {
        const ids = input.registryIds;
        if (ids !== undefined) {
          const bad = Array.isArray(ids) ? ids.find((id) => typeof id !== 'string' || !/^[0-9]{12}$/.test(id)) : ids;
          if (!Array.isArray(ids) || ids.length < 1 || ids.length > 10 || bad !== undefined) {
            return awsError(
              400,
              'InvalidParameterException',
              `Invalid parameter at 'registryIds' failed to satisfy constraint: 'Member must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]{12}]'`,
            );
          }
        }
        const token = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
        // Timestamps travel as epoch seconds; ECR tokens last 12 hours.
        const expiresAt = Math.floor(Date.now() / 1000) + 12 * 3600;
        return [
          200,
          { authorizationData: [{ authorizationToken: token, expiresAt, proxyEndpoint: registry.proxyEndpoint }] },
        ];
      },
    },
  });
}
