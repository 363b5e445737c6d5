// The real services the emulated stacks use beside the fakes: the OCI registry (where ECR's
// logins point and the stacks push) and Azurite (the Azure stack's artifact store), started by
// scripts/services.sh together with the Docker engine and base images the example steps run on.
// Whatever was already running is left alone at the end; what services.sh started for us is
// stopped by its process id, found from the port it listens on.
import { spawn } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { dockerEngineAnswers } from '../../../src/core/images/dockerEngine';

export interface LocalServices {
  /** host:port of the open OCI registry. */
  readonly registry: string;
  readonly azurite: { readonly account: string; readonly key: string; readonly blobEndpoint: string };
  /** The services this start launched (and stop() ends), e.g. "registry on 127.0.0.1:5555". */
  readonly startedHere: readonly string[];
  stop(): Promise<void>;
}

interface Service {
  readonly name: string;
  readonly isUp: () => Promise<boolean>;
  /** The pid of the running service, once it runs. */
  readonly pid: () => Promise<number | undefined>;
}

// The ports services.sh listens on, read from the same variables it reads.
function knownServices(env: NodeJS.ProcessEnv): Service[] {
  const onPort = (name: string, port: number): Service => ({
    name: `${name} on 127.0.0.1:${port}`,
    isUp: () => portAnswers(port),
    pid: () => listenerPid(port),
  });
  return [
    {
      name: 'the Docker engine',
      isUp: () => dockerEngineAnswers(undefined, 2000),
      pid: async () => Number((await readFile('/var/run/docker.pid', 'utf8').catch(() => '')).trim()) || undefined,
    },
    onPort('registry', Number(env.STEPOPS_REGISTRY_PORT || 5555)),
    onPort('auth registry', Number(env.STEPOPS_AUTH_REGISTRY_PORT || 5556)),
    onPort('Azurite', Number(env.STEPOPS_AZURITE_PORT || 10000)),
  ];
}

export async function startLocalServices(repoRoot: string, signal: AbortSignal): Promise<LocalServices> {
  const services = knownServices(process.env);
  const upBefore = await Promise.all(services.map((s) => s.isUp()));
  const output = await runServicesScript(path.join(repoRoot, 'scripts', 'services.sh'), signal);
  const started: { name: string; pid: number }[] = [];
  for (const [index, service] of services.entries()) {
    if (upBefore[index] || !(await service.isUp())) continue;
    const pid = await service.pid();
    if (pid) started.push({ name: service.name, pid });
    else process.stderr.write(`emulators: started ${service.name} but cannot find its process; it stays running\n`);
  }
  const read = (name: string): string => {
    const value = output[name];
    if (!value) throw new Error(`scripts/services.sh start printed no ${name}; run it by hand to see why.`);
    return value;
  };
  return {
    registry: read('STEPOPS_REGISTRY'),
    azurite: {
      account: read('STEPOPS_AZURITE_ACCOUNT'),
      key: read('STEPOPS_AZURITE_KEY'),
      blobEndpoint: read('STEPOPS_AZURITE_BLOB_ENDPOINT'),
    },
    startedHere: started.map((s) => s.name),
    // Newest first: the registry and Azurite before the engine.
    stop: async () => {
      for (const service of started.reverse()) await stopProcess(service.pid);
    },
  };
}

/** Runs `services.sh start`, passing its progress through, and returns the NAME=VALUE lines it prints. */
function runServicesScript(script: string, signal: AbortSignal): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, 'start'], { stdio: ['ignore', 'pipe', 'inherit'], signal });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new Error(
            `scripts/services.sh start failed (exit ${code}; its messages are above). The emulators need its ` +
              'registry and Azurite: fix what it names (scripts/setup-system.sh installs them), then start again.',
          ),
        );
        return;
      }
      const pairs = stdout.split('\n').flatMap((line) => {
        const eq = line.indexOf('=');
        return eq > 0 ? [[line.slice(0, eq), line.slice(eq + 1)] as const] : [];
      });
      resolve(Object.fromEntries(pairs));
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The process listening on a loopback TCP port, from the kernel's socket tables (Linux). */
export async function listenerPid(port: number): Promise<number | undefined> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      // State 0A is LISTEN.
      if (state === '0A' && local?.endsWith(`:${hexPort}`) && inode) inodes.add(inode);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
      const socket = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''));
      if (socket && inodes.has(socket[1]!)) return Number(pid);
    }
  }
  return undefined;
}

/** SIGTERM, then SIGKILL if it is still there after ten seconds; a zombie counts as gone. */
async function stopProcess(pid: number): Promise<void> {
  const gone = async () => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    return stat === undefined || /^\d+ \(.*\) Z/.test(stat);
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (await gone()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone meanwhile.
  }
}
