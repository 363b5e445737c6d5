// ECR keeps images in repositories that must exist before a push (a push to a missing one is
// refused), unlike most registries, which create them on the first push. So before pushing, the
// step image's repository is looked up (DescribeRepositories) and created when missing
// (CreateRepository), as `aws ecr create-repository` would; an identity that may not create one
// is told which permission it lacks.
import { explainAwsError } from '../errors';
import { parseEcrHost } from './ecrLogin';

export async function ensureEcrRepository(
  registryUri: string,
  repository: string,
  timeoutMs = 10_000,
): Promise<'found' | 'created'> {
  const [host, ...prefix] = registryUri.replace(/\/+$/, '').split('/');
  const parsed = parseEcrHost(host!);
  if (!parsed) throw new Error(`"${host}" is not an ECR registry (ACCOUNT.dkr.ecr.REGION.amazonaws.com)`);
  const name = [...prefix, repository].join('/');
  const { ECRClient, DescribeRepositoriesCommand, CreateRepositoryCommand } = await import('@aws-sdk/client-ecr');
  const client = new ECRClient({
    region: parsed.region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
  const explain = (error: unknown, action: string) =>
    explainAwsError(error as Error, { service: 'ECR', action, region: parsed.region });
  try {
    try {
      await client.send(new DescribeRepositoriesCommand({ registryId: parsed.account, repositoryNames: [name] }));
      return 'found';
    } catch (error) {
      if ((error as Error).name !== 'RepositoryNotFoundException')
        throw new Error(explain(error, 'ecr:DescribeRepositories'));
    }
    try {
      await client.send(new CreateRepositoryCommand({ registryId: parsed.account, repositoryName: name }));
      return 'created';
    } catch (error) {
      // Another run created it meanwhile: that is what was wanted.
      if ((error as Error).name === 'RepositoryAlreadyExistsException') return 'found';
      if ((error as Error).name === 'AccessDeniedException') {
        throw new Error(
          `The ECR repository ${name} does not exist, and the identity may not create it (it needs ecr:CreateRepository in ${parsed.region}): create it with "aws ecr create-repository --repository-name ${name} --region ${parsed.region}", or grant the permission.`,
        );
      }
      throw new Error(explain(error, 'ecr:CreateRepository'));
    }
  } finally {
    client.destroy();
  }
}
