// A strict stand-in for the ECR API calls stepops makes: a registry login (GetAuthorizationToken)
// and the image repository pushes go to (DescribeRepositories, CreateRepository), on the shared
// AWS fake (protocol, SigV4, permissions) with every request validated against AWS's ECR model.
// The token it hands out is a login for the registry the test names as the proxy endpoint (real
// ECR tokens log in as "AWS" to ACCOUNT.dkr.ecr.REGION.amazonaws.com; here the local registry's
// own account stands in). Repositories live in the caller's account's registry, as in ECR.
import { randomUUID } from 'node:crypto';
import { loadServiceModel } from './aws/serviceModel';
import {
  type AwsReply,
  type FakeAccount,
  type FakeAwsService,
  accountIdOf,
  awsError,
  startFakeAwsJsonService,
} from './awsJsonService';
import type { FakeListen } from './loopbackServer';

export interface FakeEcrRegistry {
  /** What GetAuthorizationToken returns as proxyEndpoint, e.g. http://127.0.0.1:5556. */
  readonly proxyEndpoint: string;
  readonly username: string;
  readonly password: string;
}

export interface FakeEcrRepository {
  readonly registryId: string;
  readonly name: string;
  /** ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME */
  readonly uri: string;
  readonly arn: string;
  readonly createdAt: Date;
}

export interface FakeEcr extends FakeAwsService {
  /** The repositories created so far, in every registry (a push should go only to one of them, as in ECR). */
  repositories(): readonly FakeEcrRepository[];
}

/** ECR's page size when DescribeRepositories names no repositories and no maxResults. */
const DEFAULT_PAGE = 100;

export async function startFakeEcr(
  region: string,
  accounts: readonly FakeAccount[],
  registry: FakeEcrRegistry,
  listen: FakeListen = {},
): Promise<FakeEcr> {
  const repositories = new Map<string, FakeEcrRepository & { readonly reply: Record<string, unknown> }>();
  const keyOf = (registryId: string, name: string) => `${registryId}/${name}`;
  const notFound = (registryId: string, name: string) =>
    awsError(
      400,
      'RepositoryNotFoundException',
      `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
    );

  function createRepository(input: Record<string, unknown>, account: FakeAccount): AwsReply {
    const name = input.repositoryName as string;
    const registryId = (input.registryId as string | undefined) ?? accountIdOf(account);
    const arn = `arn:aws:ecr:${region}:${registryId}:repository/${name}`;
    if (registryId !== accountIdOf(account)) {
      return awsError(
        400,
        'AccessDeniedException',
        `User: arn:aws:iam::${accountIdOf(account)}:user/${account.accessKeyId} is not authorized to perform: ` +
          `ecr:CreateRepository on resource: ${arn}`,
      );
    }
    if (repositories.has(keyOf(registryId, name))) {
      return awsError(
        400,
        'RepositoryAlreadyExistsException',
        `The repository with name '${name}' already exists in the registry with id '${registryId}'`,
      );
    }
    const createdAt = new Date();
    const uri = `${registryId}.dkr.ecr.${region}.amazonaws.com/${name}`;
    const reply = {
      repositoryArn: arn,
      registryId,
      repositoryName: name,
      repositoryUri: uri,
      // Timestamps travel as epoch seconds.
      createdAt: createdAt.getTime() / 1000,
      imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
      imageScanningConfiguration: input.imageScanningConfiguration ?? { scanOnPush: false },
      encryptionConfiguration: input.encryptionConfiguration ?? { encryptionType: 'AES256' },
    };
    repositories.set(keyOf(registryId, name), { registryId, name, uri, arn, createdAt, reply });
    return [200, { repository: reply }];
  }

  function describeRepositories(input: Record<string, unknown>, account: FakeAccount): AwsReply {
    const registryId = (input.registryId as string | undefined) ?? accountIdOf(account);
    const names = input.repositoryNames as string[] | undefined;
    if (names) {
      if (input.maxResults !== undefined || input.nextToken !== undefined) {
        return awsError(
          400,
          'InvalidParameterException',
          "Invalid parameter at 'maxResults' failed to satisfy constraint: 'cannot be used with repositoryNames'",
        );
      }
      const missing = names.find((name) => !repositories.has(keyOf(registryId, name)));
      if (missing !== undefined) return notFound(registryId, missing);
      return [200, { repositories: names.map((name) => repositories.get(keyOf(registryId, name))!.reply) }];
    }
    return listPage(registryId, input);
  }

  /** All of a registry's repositories by name, a page at a time; the token is the last name given. */
  function listPage(registryId: string, input: Record<string, unknown>): AwsReply {
    const after = input.nextToken === undefined ? undefined : decodeToken(input.nextToken as string, registryId);
    if (after === null)
      return awsError(
        400,
        'InvalidParameterException',
        "Invalid parameter at 'nextToken' failed to satisfy constraint: 'must be a token this call returned'",
      );
    const all = [...repositories.values()]
      .filter((r) => r.registryId === registryId && (after === undefined || r.name > after))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const page = all.slice(0, (input.maxResults as number | undefined) ?? DEFAULT_PAGE);
    const more = page.length < all.length;
    return [
      200,
      {
        repositories: page.map((r) => r.reply),
        ...(more ? { nextToken: encodeToken(registryId, page.at(-1)!.name) } : {}),
      },
    ];
  }

  const service = await startFakeAwsJsonService({
    service: 'ecr',
    targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
    region,
    accounts,
    listen,
    model: loadServiceModel('ecr'),
    operations: {
      // The model checks registryIds (1 to 10 account ids) before this runs.
      GetAuthorizationToken: () => {
        const token = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
        // Timestamps travel as epoch seconds; ECR tokens last 12 hours.
        const expiresAt = Math.floor(Date.now() / 1000) + 12 * 3600;
        return [
          200,
          { authorizationData: [{ authorizationToken: token, expiresAt, proxyEndpoint: registry.proxyEndpoint }] },
        ];
      },
      CreateRepository: createRepository,
      DescribeRepositories: describeRepositories,
    },
  });
  return {
    ...service,
    repositories: () => [...repositories.values()].map(({ reply: _, ...repository }) => repository),
  };
}

// Opaque to callers, as ECR's are; bound to the registry it pages through.
const TOKEN_SALT = randomUUID();
const encodeToken = (registryId: string, after: string) =>
  Buffer.from(JSON.stringify({ s: TOKEN_SALT, r: registryId, a: after })).toString('base64url');

/** The name a token continues after; null for a token this fake did not hand out for this registry. */
function decodeToken(token: string, registryId: string): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      s?: unknown;
      r?: unknown;
      a?: unknown;
    };
    return parsed.s === TOKEN_SALT && parsed.r === registryId && typeof parsed.a === 'string' ? parsed.a : null;
  } catch {
    return null;
  }
}
