// A run's image: built once per content hash (ensureStepImage), with the run entering hashing,
// building and pushing as the build reports its phases.
import path from 'node:path';
import type { DockerClient } from '../images/dockerClient';
import { type StepImage, ensureStepImage } from '../images/stepImage';
import type { RunState } from '../runs/runRecord';
import { isLocalOperator } from '../stacks/model';
import type { RunOptions, StepRunRequest } from './stepRunner';

export async function buildRunImage(
  docker: DockerClient,
  runtimeRoot: string,
  request: StepRunRequest,
  options: RunOptions,
  enter: (state: RunState) => Promise<void>,
): Promise<StepImage> {
  await enter('hashing');
  let phase: RunState = 'hashing';
  const transitions: Promise<void>[] = [];
  const repository =
    path
      .basename(request.projectRoot)
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '-') || 'project';
  const building = ensureStepImage(docker, {
    projectRoot: request.projectRoot,
    runtimeRoot,
    baseImage: request.baseImage,
    ...(request.requirementsFile ? { requirementsFile: request.requirementsFile } : {}),
    ...(request.findLinks ? { findLinks: request.findLinks } : {}),
    repository,
    ...(request.registry ? { registry: request.registry.uri } : {}),
    ...(request.registry?.credentials ? { credentials: request.registry.credentials } : {}),
    ...(request.registry?.prepare ? { beforePush: () => request.registry!.prepare!(repository) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    // The local operator runs the image on this engine: a registry-only push would not be there.
    runsOnThisEngine: isLocalOperator(request.operator),
    onProgress: (progress) => {
      const next: RunState | undefined =
        progress.phase === 'build' ? 'building' : progress.phase === 'push' ? 'pushing' : undefined;
      if (next && next !== phase) {
        phase = next;
        transitions.push(enter(next));
      }
      options.onEvent?.({ type: 'progress', message: progress.message });
    },
  });
  try {
    return await building;
  } catch (error) {
    // A refused push may mean something the registry's cloud can say more about (a missing repository).
    const explained =
      (phase as RunState) === 'pushing'
        ? request.registry?.explainFailure?.(repository, (error as Error).message)
        : undefined;
    throw explained ? new Error(explained, { cause: error }) : error;
  } finally {
    await Promise.all(transitions);
  }
}
