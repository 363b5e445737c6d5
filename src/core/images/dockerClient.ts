import type Dockerode from 'dockerode';

export type DockerClient = Dockerode;

export interface DockerConnectionOptions {
  /** Unix socket of the engine; defaults to dockerode's own resolution (DOCKER_HOST or /var/run/docker.sock). */
  readonly socketPath?: string;
}

/** Loads the Docker client on first use (see scripts/build.mjs: lazy packages). */
export async function connectDocker(options: DockerConnectionOptions = {}): Promise<DockerClient> {
  const { default: Docker } = await import('dockerode');
  return options.socketPath ? new Docker({ socketPath: options.socketPath }) : new Docker();
}
