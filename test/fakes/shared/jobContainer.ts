// One container of an emulated job on the local engine: created from the emulator's options,
// started with its output followed line by line (containerLogs.ts), waited for, stopped the way
// the clouds stop a job (SIGTERM, then SIGKILL after a grace period) and removed afterwards.
import type { Container, ContainerCreateOptions } from 'dockerode';
import type { DockerClient } from '../../../src/core/images/dockerClient';
import { type ContainerLine, type ForwardOptions, forwardLogs } from './containerLogs';

export class JobContainer {
  private container: Container | undefined;

  /** Creates the container (not started). */
  async create(docker: DockerClient, options: ContainerCreateOptions): Promise<void> {
    this.container = await docker.createContainer(options);
  }

  /** Starts the container; its lines flow to `deliver` until it exits, when `logsDone` settles. */
  async start(
    deliver: (lines: ContainerLine[]) => unknown,
    options: ForwardOptions = {},
  ): Promise<{ logsDone: Promise<void> }> {
    const container = this.created();
    await container.start();
    const stream = (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
    })) as NodeJS.ReadableStream;
    return { logsDone: forwardLogs(stream, deliver, options) };
  }

  /** The container's exit code, once it exits. */
  async exitCode(): Promise<number> {
    const result = (await this.created().wait()) as { StatusCode: number };
    return result.StatusCode;
  }

  /** SIGTERM, then SIGKILL after `graceSeconds`. */
  async stop(graceSeconds: number): Promise<void> {
    await this.container?.stop({ t: graceSeconds }).catch((error: { statusCode?: number }) => {
      // 304: already stopped; 404: already gone.
      if (error.statusCode !== 304 && error.statusCode !== 404) throw error;
    });
  }

  async remove(): Promise<void> {
    await this.container?.remove({ force: true }).catch(() => undefined);
  }

  private created(): Container {
    if (!this.container) throw new Error('the job container was not created yet');
    return this.container;
  }
}
