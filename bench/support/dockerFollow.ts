// The physical reference of the log benchmarks: `docker logs -f` of the job's own container, in
// the same run, its stdout read by this process exactly as the stepops CLI's is. The container is
// found by label (and, for an emulator's job, by the run id stepops gives the job in its
// environment) as soon as it exists, polled every 10 ms, so the reference and stepops read the same
// container at the same time (from the moment it started: `docker logs -f` of a container that is
// created but not started ends at once).
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

export interface ContainerMatch {
  /** A label ("key" or "key=value") the container has. */
  readonly label: string;
  /** A variable ("NAME=value") its environment has. */
  readonly env?: string;
}

export function followContainer(docker: DockerClient, match: ContainerMatch, expected: number): FollowedContainer {
  const check = new LineCheck(expected);
  let stopped = false;
  let child: ReturnType<typeof spawn> | undefined;
  const rejected = new Set<string>();
  const found = (async () => {
    while (!stopped) {
      for (const container of await docker.listContainers({ all: true, filters: { label: [match.label] } })) {
        if (rejected.has(container.Id)) continue;
        if (!match.env) return container.Id;
        const details = await docker
          .getContainer(container.Id)
          .inspect()
          .catch(() => undefined);
        if (details?.Config.Env?.includes(match.env)) return container.Id;
        if (details) rejected.add(container.Id);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`stopped before a container labelled ${match.label} appeared`);
  })();
  // `docker logs -f` of a container that is not started yet ends at once, with nothing.
  const started = found.then(async (id) => {
    for (;;) {
      const state = await docker
        .getContainer(id)
        .inspect()
        .then((d) => d.State.Status)
        .catch(() => 'gone');
      if (stopped || state !== 'created') return id;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  const done = started.then(
    (id) =>
      new Promise<LineSummary>((resolve, reject) => {
        child = spawn('docker', ['logs', '-f', id], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stdout!.setEncoding('utf8');
        child.stdout!.on('data', (text: string) => check.chunk(text));
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.once('error', reject);
        child.once('close', (code) => {
          const summary = check.summary();
          if (summary.received === 0 && code !== 0) reject(new Error(`docker logs -f ${id} failed: ${stderr}`));
          else resolve(summary);
        });
      }),
  );
  // Awaited only once the run is over: a failure meanwhile is not an unhandled rejection.
  found.catch(() => undefined);
  done.catch(() => undefined);
  return {
    found,
    done,
    stop: () => {
      stopped = true;
      child?.kill();
    },
  };
}
