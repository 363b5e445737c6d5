// What a test or a benchmark needs to run `npm run emulators` as a child process of its own:
// free loopback ports for it, and the moment it says "ready".
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';

/** The first of `count` consecutive free loopback ports, from a random base in 20000-29999. */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 10000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`found no ${count} consecutive free ports from 20000 on`);
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Resolves once the emulators print their `ready` line (each stdout line before it goes to
 * `onLine`); rejects when they exit first or take over two minutes, with what they wrote on stderr.
 */
export function untilReady(
  child: ChildProcessWithoutNullStreams,
  stderr: () => string,
  onLine: (line: string) => void = () => {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => reject(new Error(`no "ready" within 120 s:\n${stderr()}`)), 120_000);
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      lines.forEach(onLine);
      if (lines.includes('ready')) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulators exited (${code}) before "ready":\n${stderr()}`));
    });
  });
}
