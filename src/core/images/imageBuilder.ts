import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DockerClient } from './dockerClient';
import { type EngineStreamEvent, type ImageProgress, streamError, toProgress } from './progress';

export interface BuildRequest {
  /** The build context: a folder sent as it is, or a tar stream assembled elsewhere. */
  readonly context: { readonly dir: string } | { readonly tar: NodeJS.ReadableStream };
  /** Dockerfile path relative to contextDir. */
  readonly dockerfile?: string;
  /** Full reference to tag the result with, e.g. 127.0.0.1:5000/steps/train:abc123. */
  readonly tag: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ImageProgress) => void;
}

export interface BuildResult {
  readonly tag: string;
  /** Image id (sha256:...) reported by the engine. */
  readonly imageId: string;
}

/**
 * Builds an image through the engine's API. Network mode is "host": these machines run dockerd
 * without a bridge network (see RECIPES.md), and on a desktop engine host networking only
 * matters for RUN steps that fetch packages.
 */
export async function buildImage(docker: DockerClient, request: BuildRequest): Promise<BuildResult> {
  const source =
    'dir' in request.context
      ? { context: request.context.dir, src: await listFiles(request.context.dir) }
      : request.context.tar;
  const stream = await docker.buildImage(source, {
    t: request.tag,
    dockerfile: request.dockerfile ?? 'Dockerfile',
    networkmode: 'host',
    buildargs: request.buildArgs ?? {},
    rm: true,
    forcerm: true,
    ...(request.signal ? { abortSignal: request.signal } : {}),
  });
  let imageId = '';
  await followStream(docker, stream, (event) => {
    if (event.aux?.ID) imageId = event.aux.ID;
    const progress = toProgress('build', event);
    if (progress) request.onProgress?.(progress);
  });
  if (!imageId) imageId = (await docker.getImage(request.tag).inspect()).Id;
  return { tag: request.tag, imageId };
}

/** Resolves when the stream ends; rejects on the first error event in it. */
export function followStream(
  docker: DockerClient,
  stream: NodeJS.ReadableStream,
  onEvent: (event: EngineStreamEvent) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    // The last lines before a failure (pip's error, a traceback) say more than the engine's
    // "returned a non-zero code": keep them for the message.
    const recent: string[] = [];
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        if (error) reject(error);
        else if (failure) {
          const context = recent.filter((line) => line.trim() && !line.startsWith(' ---> ')).slice(-6);
          reject(new Error(context.length > 0 ? `${failure}\n${context.join('\n')}` : failure));
        } else resolve();
      },
      (event: EngineStreamEvent) => {
        const message = streamError(event);
        if (message && !failure) failure = message;
        if (event.stream) recent.push(...event.stream.split('\n').filter(Boolean));
        if (recent.length > 50) recent.splice(0, recent.length - 50);
        onEvent(event);
      },
    );
  });
}

async function listFiles(root: string, relative = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(root, child)));
    else files.push(child);
  }
  return files;
}
