// A step's image, built at most once per content hash: if the registry (or, without one, the
// local engine) already has the tag, nothing is built or pushed. When only the code changed
// since an image in the registry, the new one is pushed through the registry API alone
// (daemonlessPush.ts), also with no engine; Docker builds the first image and every change of
// base, runtime or requirements, and each image it pushes is also tagged by its deps key so
// that the next code-only change finds it.
import {
  type BuildContext,
  type BuildContextInputs,
  assembleBuildContext,
  codeLayerBytes,
  withBaseImageId,
} from './buildContext';
import { contextTar } from './contextTar';
import {
  CODE_LAYER_MAX_BYTES,
  type PreviousImage,
  depsTag,
  findPreviousImage,
  pushCodeOnlyImage,
} from './daemonlessPush';
import type { DockerClient } from './dockerClient';
import { buildImage, followStream } from './imageBuilder';
import { pushImage } from './imagePusher';
import type { ImageProgress } from './progress';
import type { RegistryCredentials } from './registryAuth';
import { RegistryError, manifestDigest, parseReference } from './registryClient';
import { RegistrySession, type RegistrySessionOptions } from './registryUploads';

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
  /** Code-only changes through the registry API (the default); false builds them with Docker too. */
  readonly daemonless?: boolean;
  /**
   * The image runs on this machine's engine (the local operator), so it must end up there: code
   * changes are built by Docker, and an image the registry has but the engine lacks is pulled.
   */
  readonly runsOnThisEngine?: boolean;
  /** Other repositories of the same registry to look in for an image to reuse layers of (mounted from there). */
  readonly mountFrom?: readonly string[];
  /** Sees every registry request the daemonless path sends. */
  readonly onRegistryRequest?: RegistrySessionOptions['onRequest'];
}

export interface StepImage {
  /** What a job runs: registry reference, or the local tag. */
  readonly reference: string;
  readonly hash: string;
  readonly built: boolean;
  readonly pushed: boolean;
  /** The registry's digest for it (pushed now or found there), which cloud jobs are pinned by. */
  readonly digest?: string;
  /** Pushed through the registry API, without an engine (a code-only change). */
  readonly daemonless?: boolean;
}

export async function ensureStepImage(docker: DockerClient, request: StepImageRequest): Promise<StepImage> {
  const daemonless = request.registry !== undefined && request.daemonless !== false && !request.runsOnThisEngine;
  request.onProgress?.({ phase: 'hash', message: 'Hashing the build context' });
  // The engine is asked for the base image's id while the files are read and hashed.
  const [engine, unlabelled] = await Promise.all([
    engineAndBaseImage(docker, request, daemonless),
    assembleBuildContext(request),
  ]);
  if (!engine.answers) return ensureWithoutEngine(request, unlabelled);
  const baseImageId = engine.baseImageId;
  const context = withBaseImageId(unlabelled, baseImageId);
  const reference = referenceOf(request, context);

  if (request.registry) {
    const session = sessionFor(request);
    // The image a code-only change would build on is looked up with the tag's HEAD, not after it.
    const [found, lookup] = await Promise.all([
      foundInRegistry(request, context, reference),
      daemonless ? lookUpPrevious(session, request, context.depsKey) : undefined,
    ]);
    if (found && request.runsOnThisEngine) await pullWhenMissing(docker, request, reference);
    if (found) return found;
    if (lookup) {
      const pushed = await codeOnlyIfPossible(request, session, context, reference, baseImageId ?? '', lookup);
      if (pushed) return pushed;
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
    context: { tar: await contextTar(context) },
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
  await tagByDepsKey(request, context, pushed.digest);
  return { reference, hash: context.hash, built: true, pushed: true, digest: pushed.digest };
}

/** Whether the engine answers (asked only where the daemonless path could do without it), and the base image's id. */
async function engineAndBaseImage(
  docker: DockerClient,
  request: StepImageRequest,
  daemonless: boolean,
): Promise<{ readonly answers: boolean; readonly baseImageId?: string }> {
  if (daemonless && !(await engineAnswers(docker))) return { answers: false };
  const baseImageId = await baseImageIdOf(docker, request);
  return { answers: true, ...(baseImageId ? { baseImageId } : {}) };
}

/** The previous image's lookup, its failure kept as a value: it matters only if the tag is not found. */
type PreviousLookup = { readonly previous: PreviousImage | undefined } | { readonly failed: unknown };

function lookUpPrevious(session: RegistrySession, request: StepImageRequest, depsKey: string): Promise<PreviousLookup> {
  return findPreviousImage(session, searchedRepositories(request), depsKey).then(
    (previous) => ({ previous }),
    (failed: unknown) => ({ failed }),
  );
}

function referenceOf(request: StepImageRequest, context: BuildContext): string {
  const repository = request.registry
    ? `${request.registry.replace(/\/$/, '')}/${request.repository}`
    : `stepops/${request.repository}`;
  return `${repository}:${context.hash.slice(0, 20)}`;
}

async function foundInRegistry(
  request: StepImageRequest,
  context: BuildContext,
  reference: string,
): Promise<StepImage | undefined> {
  const digest = await manifestDigest(reference, {
    ...(request.credentials ? { credentials: request.credentials } : {}),
  });
  if (digest === undefined) return undefined;
  request.onProgress?.({
    phase: 'reuse',
    message: `${reference} is already in the registry: nothing to build or push`,
  });
  return { reference, hash: context.hash, built: false, pushed: false, ...(digest ? { digest } : {}) };
}

async function pullWhenMissing(docker: DockerClient, request: StepImageRequest, reference: string): Promise<void> {
  if (
    await docker
      .getImage(reference)
      .inspect()
      .then(Boolean, () => false)
  )
    return;
  request.onProgress?.({ phase: 'reuse', message: `Pulling ${reference}: the registry has it, this engine not yet` });
  const stream = await docker.pull(reference, {
    ...(request.credentials ? { authconfig: request.credentials } : {}),
    ...(request.signal ? { abortSignal: request.signal } : {}),
  });
  await followStream(docker, stream, () => undefined);
}

/**
 * No engine: only a code-only change can be had, hashed with the base image id the earlier
 * image recorded (the id Docker would hash with while the engine's base is unchanged).
 */
async function ensureWithoutEngine(request: StepImageRequest, unlabelled: BuildContext): Promise<StepImage> {
  request.onProgress?.({
    phase: 'hash',
    message: 'No Docker engine answers: looking for an image to push the code onto',
  });
  const session = sessionFor(request);
  const previous = await findPreviousImage(session, searchedRepositories(request), unlabelled.depsKey);
  if (!previous) {
    throw new Error(
      `No Docker engine answers, and ${request.registry} has no image of this project with the same base image, ` +
        `runtime and requirements (tag ${depsTag(unlabelled.depsKey)} in ${searchedRepositories(request).join(', ')}), ` +
        'so the image cannot be made without one: the first build and every change of requirements or base image need Docker. ' +
        'Start Docker (or set DOCKER_HOST) and run again.',
    );
  }
  const context = withBaseImageId(unlabelled, previous.baseImageId);
  const reference = referenceOf(request, context);
  return (
    (await foundInRegistry(request, context, reference)) ?? pushCodeOnly(request, session, context, reference, previous)
  );
}

/** The daemonless push when the registry has an image to build on, else undefined (Docker builds). */
async function codeOnlyIfPossible(
  request: StepImageRequest,
  session: RegistrySession,
  context: BuildContext,
  reference: string,
  baseImageId: string,
  lookup: PreviousLookup,
): Promise<StepImage | undefined> {
  try {
    if ('failed' in lookup) throw lookup.failed;
    const { previous } = lookup;
    if (!previous || previous.baseImageId !== baseImageId) return undefined;
    const codeBytes = codeLayerBytes(context.entries);
    if (codeBytes > CODE_LAYER_MAX_BYTES) {
      const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
      request.onProgress?.({
        phase: 'hash',
        message:
          `The project's files come to ${mib(codeBytes)}, more than the ${mib(CODE_LAYER_MAX_BYTES)} a push ` +
          'without Docker makes in memory: building with Docker instead (a .dockerignore keeps data out of the image)',
      });
      return undefined;
    }
    return await pushCodeOnly(request, session, context, reference, previous);
  } catch (error) {
    if (request.signal?.aborted || !(error instanceof RegistryError)) throw error;
    request.onProgress?.({
      phase: 'hash',
      message: `The code-only push through the registry failed (${error.message}); building with Docker instead`,
    });
    return undefined;
  }
}

async function pushCodeOnly(
  request: StepImageRequest,
  session: RegistrySession,
  context: BuildContext,
  reference: string,
  previous: PreviousImage,
): Promise<StepImage> {
  await request.beforePush?.();
  const result = await pushCodeOnlyImage({
    session,
    repository: parseReference(reference).repository,
    tag: parseReference(reference).tag,
    previous,
    entries: context.entries,
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
  });
  return { reference, hash: context.hash, built: true, pushed: true, digest: result.digest, daemonless: true };
}

/**
 * The pushed image also under its deps key's tag (the same manifest, written again), moved to
 * each new Docker build so that it follows a rebuilt base. Best effort: a registry that refuses
 * (immutable tags) costs later code-only changes their daemonless path, not this run.
 */
async function tagByDepsKey(request: StepImageRequest, context: BuildContext, digest: string): Promise<void> {
  const session = sessionFor(request);
  const repository = repositoryPath(request, request.repository);
  const tag = depsTag(context.depsKey);
  try {
    const manifest = await session.manifest(repository, digest);
    if (!manifest) throw new RegistryError(`${session.host} has no ${repository}@${digest} right after its push`);
    await session.putManifest(repository, tag, manifest);
  } catch (error) {
    if (request.signal?.aborted || !(error instanceof RegistryError)) throw error;
    request.onProgress?.({
      phase: 'push',
      message: `Could not tag the image ${repository}:${tag} (${error.message}): later code-only changes will be built with Docker`,
    });
  }
}

/** The target repository first, then the others named, as paths in the registry. */
function searchedRepositories(request: StepImageRequest): string[] {
  const names = [request.repository, ...(request.mountFrom ?? []).filter((r) => r !== request.repository)];
  return names.map((name) => repositoryPath(request, name));
}

/** "127.0.0.1:5555/steps" + "project" -> "steps/project": a repository's path below the host. */
function repositoryPath(request: StepImageRequest, name: string): string {
  return parseReference(`${request.registry!.replace(/\/$/, '')}/${name}:x`).repository;
}

function sessionFor(request: StepImageRequest): RegistrySession {
  const host = parseReference(`${request.registry!.replace(/\/$/, '')}/${request.repository}:x`).host;
  return new RegistrySession(host, {
    ...(request.credentials ? { credentials: request.credentials } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.onRegistryRequest ? { onRequest: request.onRegistryRequest } : {}),
  });
}

/** Whether the engine answers a ping soon: with none, only the daemonless path can work. */
async function engineAnswers(docker: DockerClient): Promise<boolean> {
  const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, 3000, false).unref());
  return Promise.race([
    docker.ping().then(
      () => true,
      () => false,
    ),
    timeout,
  ]);
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
