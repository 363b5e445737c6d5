// What every job emulator needs of the local engine: the Docker client (connected on first use,
// so a fake that never runs a job never needs an engine), the registries its images come from, the
// containers' network, where its jobs' folders go, and where failures of the emulator itself (not
// of a job's own code) are reported.
import { type DockerClient, connectDocker } from '../../../src/core/images/dockerClient';
import type { ImageRegistry } from './registryImages';

export interface EngineRuntime<Job> {
  readonly docker: () => Promise<DockerClient>;
  readonly registries: readonly ImageRegistry[];
  /** The containers' network (these machines' engines have no bridge): host, or none. */
  readonly networkMode: 'host' | 'none';
  /** Where each job's folders are made (default: the system's temporary folder). */
  readonly workRoot?: string;
  /** Told about failures of the emulator itself (not of the job's own code). */
  readonly onInternalError?: (job: Job, error: unknown) => void;
}

/** What a job emulator's options say about the engine side. */
export interface EngineOptions {
  readonly registries: readonly ImageRegistry[];
  readonly networkMode?: 'host' | 'none';
  readonly workRoot?: string;
}

/** The engine side of a runtime; the emulator's own failures are pushed onto `internalErrors`. */
export function engineRuntime<Job>(options: EngineOptions, internalErrors: unknown[]): EngineRuntime<Job> {
  let docker: Promise<DockerClient> | undefined;
  return {
    docker: () => (docker ??= connectDocker()),
    registries: options.registries,
    networkMode: options.networkMode ?? 'host',
    ...(options.workRoot ? { workRoot: options.workRoot } : {}),
    onInternalError: (_job, error) => internalErrors.push(error),
  };
}
