// A step's image, built at most once per content hash: if the registry (or, without one, the
// local engine) already has the tag, nothing is built or pushed.
import { type BuildContextInputs, assembleBuildContext, contextTar } from './buildContext';
import type { DockerClient } from './dockerClient';
import { buildImage, followStream } from './imageBuilder';
import { pushImage } from './imagePusher';
import type { ImageProgress } from './progress';
import type { RegistryCredentials } from './registryAuth';
import { manifestDigest } from './registryClient';

export interface StepImageRequest extends Omit<BuildContextInputs, 'baseImageId'> {
  /** Where to push, e.g. "127.0.0.1:5555/steps" or an ECR URI; none for local-only runs. */
  readonly registry?: string;
  /** Repository name under the registry, e.g. the project's name. */
  readonly repository: string;
  readonly credentials?: RegistryCredentials;
  /** Readies the repository before a push is needed (ECR: created when missing); not called when nothing is pushed. */
  readonly beforePush?: () => Promise<void>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ImageProgress | { phase: 'hash' | 'reuse'; message: string }) => void;
}

export interface StepImage {
  /** What a job runs: registry reference, or the local tag. */
  readonly reference: string;
  readonly hash: string;
  readonly built: boolean;
  readonly pushed: boolean;
  /** The registry's digest for it (pushed now or found there), which cloud jobs are pinned by. */
  readonly digest?: string;
}

export async function ensureStepImage(docker: DockerClient, request: StepImageRequest): Promise<StepImage> {
  const baseImageId = await baseImageIdOf(docker, request);
  request.onProgress?.({ phase: 'hash', message: 'Hashing the build context' });
  const context = await assembleBuildContext({ ...request, ...(baseImageId ? { baseImageId } : {}) });
  const tag = context.hash.slice(0, 20);
  const repository = request.registry
    ? `${request.registry.replace(/\/$/, '')}/${request.repository}`
    : `stepops/${request.repository}`;
  const reference = `${repository}:${tag}`;

  if (request.registry) {
    const digest = await manifestDigest(reference, {
      ...(request.credentials ? { credentials: request.credentials } : {}),
    });
    if (digest !== undefined) {
      request.onProgress?.({
        phase: 'reuse',
        message: `${reference} is already in the registry: nothing to build or push`,
      });
      return { reference, hash: context.hash, built: false, pushed: false, ...(digest ? { digest } : {}) };
    }
  } else if (
    await docker
      .getImage(reference)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  ) {
    request.onProgress?.({ phase: 'reuse', message: `${reference} is already built: nothing to build` });
    return { reference, hash: context.hash, built: false, pushed: false };
  }

  await buildImage(docker, {
    context: { tar: contextTar(context) },
    tag: reference,
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
  });
  if (!request.registry) return { reference, hash: context.hash, built: true, pushed: false };
  await request.beforePush?.();
  const pushed = await pushImage(docker, {
    reference,
    ...(request.credentials ? { credentials: request.credentials } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
  });
  return { reference, hash: context.hash, built: true, pushed: true, digest: pushed.digest };
}

/**
 * The base image's id, pulled first when the engine lacks it: the id is part of the content
 * hash, so hashing without it would give the first run another tag than every later one (and
 * rebuild and push the same image twice). A base the engine cannot pull hashes by name; the
 * build then reports why it cannot be had.
 */
async function baseImageIdOf(docker: DockerClient, request: StepImageRequest): Promise<string | undefined> {
  const inspect = () =>
    docker
      .getImage(request.baseImage)
      .inspect()
      .then((info) => info.Id)
      .catch(() => undefined);
  const local = await inspect();
  if (local) return local;
  request.onProgress?.({ phase: 'hash', message: `Pulling the base image ${request.baseImage}` });
  try {
    const stream = await docker.pull(request.baseImage, {
      ...(request.signal ? { abortSignal: request.signal } : {}),
    });
    await followStream(docker, stream, () => undefined);
  } catch {
    return undefined;
  }
  return inspect();
}
