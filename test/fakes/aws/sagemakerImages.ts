// Training images for the SageMaker emulator. SageMaker takes images from ECR only and checks at
// CreateTrainingJob that the repository and the image exist; the emulator takes them from the
// registries it is given (the local OCI registry, or an ECR host name served by it) and asks that
// registry the same question over the distribution API (shared/registryImages.ts) before it
// accepts a job, answering in SageMaker's words.
import type { AwsReply } from '../awsJsonService';
import { type ImageRegistry, probeImage, resolveImage } from '../shared/registryImages';

export { resolveImage } from '../shared/registryImages';
export type TrainingRegistry = ImageRegistry;

const invalid = (message: string): AwsReply => [400, { __type: 'ValidationException', message }];

/** The refusal CreateTrainingJob answers when the image cannot be used, or undefined when it can. */
export async function refuseImage(
  image: string,
  registries: readonly TrainingRegistry[],
  context: { readonly accountId: string; readonly roleArn: string },
): Promise<AwsReply | undefined> {
  const resolved = resolveImage(image, registries);
  if (!resolved) {
    return invalid(
      'Invalid training image. Please provide a valid Amazon Elastic Container Registry path of the Docker image to run. ' +
        `(The SageMaker emulator pulls from ${registries.map((r) => r.host).join(', ') || 'no registry'}; "${image}" is not on one of them.)`,
    );
  }
  const { repository } = resolved;
  const probe = await probeImage(resolved);
  switch (probe.kind) {
    case 'found':
      return undefined;
    case 'unreachable':
      return invalid(
        `The SageMaker emulator cannot reach the registry of ${image} (${probe.url}): ${probe.error}. Is the local registry running (scripts/services.sh start)?`,
      );
    case 'no-repository':
      return invalid(
        `Cannot find repository: ${repository} in registry ID: ${context.accountId} Please check if your ECR repository exists and role ${context.roleArn} ` +
          'has proper pull permissions for SageMaker: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer',
      );
    case 'no-image':
      return invalid(`Cannot find the requested image: ${image}`);
    case 'refused':
      return invalid(
        `Access denied for repository: ${repository} in registry ID: ${context.accountId}. Please check if your ECR repository and image exist ` +
          `and role ${context.roleArn} has proper pull permissions for SageMaker: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ` +
          `ecr:GetDownloadUrlForLayer (the registry answered ${probe.status}${probe.codes.length ? `: ${probe.codes.join(', ')}` : ''})`,
      );
  }
}
