// The physical reference of the log benchmarks: `docker logs -f` of the job's own container, in
// the same run, its stdout read by this process exactly as the stepops CLI's is. The container is
// found by label as soon as it exists (polled every 10 ms), so the reference and stepops read the
// same container at the same time.
import { spawn } from 'node:child_process';
import type { DockerClient } from '../../src/core/images/dockerClient';
import { LineCheck, type LineSummary } from './lineCheck';

export interface FollowedContainer {
  /** The container's id, once found. */
  readonly found: Promise<string>;
  /** What `docker logs -f` delivered, once it ended (the container stopped). */
  readonly done: Promise<LineSummary>;
  /** Stops looking for (or following) the container. */
  stop(): void;
}

export function followContainer(docker: DockerClient, label: string, expected: number): FollowedContainer {
  const check = new LineCheck(expected);
  let stopped = false;
  let child: ReturnType<typeof spawn> | undefined;
  const found = (async () => {
    while (!stopped) {
      const [container] = await docker.listContainers({ all: true, filters: { label: [label] } });
      if (container) return container.Id;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`stopped before a container labelled ${label} appeared`);
  })();
  const done = found.then(
    (id) =>
      new Promise<LineSummary>((resolve, reject) => {
        child = spawn('docker', ['logs', '-f', id], { stdio: ['ignore', 'pipe', 'ignore'] });
        child.stdout!.setEncoding('utf8');
        child.stdout!.on('data', (text: string) => check.chunk(text));
        child.once('error', reject);
        child.once('close', () => resolve(check.summary()));
      }),
  );
  return {
    found,
    done,
    stop: () => {
      stopped = true;
      child?.kill();
    },
  };
}
