// The cloud emulators for a benchmark: `npm run emulators` (test/fakes/emulators/main.ts) in a
// process of its own, as a user starts them, with a STEPOPS_HOME of the benchmark's own and a free
// range of ports; its printed exports evaluated by bash into the environment the stepops CLI runs
// with. The emulators serve TLS under the services' test CA (copied into their state folder),
// which this process already trusts (scripts/with-services.sh), so the benchmark can call them too.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { freePorts, untilReady } from '../../test/fakes/emulators/emulatorProcess';
import { EMULATOR_SERVICES, type EmulatorService } from '../../test/fakes/emulators/ports';

const root = path.resolve(__dirname, '..', '..');
const TSX = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface RunningEmulators {
  /** STEPOPS_HOME, whose stacks file has aws-emulated, gcp-emulated and azure-emulated. */
  readonly home: string;
  /** The environment after sourcing the emulators' exports (STEPOPS_HOME included). */
  readonly env: NodeJS.ProcessEnv;
  /** Each emulator's origin ("http://127.0.0.1:PORT"). */
  readonly urls: Readonly<Record<EmulatorService, string>>;
  /** The emulator an origin belongs to, if any. */
  serviceOf(origin: string): EmulatorService | undefined;
  stop(): Promise<void>;
}

export async function startEmulators(home: string): Promise<RunningEmulators> {
  const state = path.join(home, 'emulators');
  const tls = process.env.STEPOPS_TEST_TLS_DIR;
  if (!tls) throw new Error('STEPOPS_TEST_TLS_DIR is not set: run through scripts/with-services.sh');
  await mkdir(path.join(state, 'tls'), { recursive: true, mode: 0o700 });
  for (const file of ['ca.pem', 'server.pem', 'server.key']) {
    await copyFile(path.join(tls, file), path.join(state, 'tls', file));
  }
  const exportsFile = path.join(home, 'emulators.env');
  const child = spawn(
    process.execPath,
    ['--import', TSX, path.join(root, 'test', 'fakes', 'emulators', 'main.ts'), '--exports-file', exportsFile],
    {
      cwd: root,
      env: {
        ...process.env,
        STEPOPS_HOME: home,
        STEPOPS_EMULATOR_PORT: String(await freePorts(EMULATOR_SERVICES.length)),
      },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  await untilReady(child, () => stderr);
  const { stdout } = await promisify(execFile)('bash', ['-c', 'source "$1" && env -0', 'bash', exportsFile]);
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    stdout
      .split('\0')
      .filter((entry) => entry.includes('='))
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
  env.STEPOPS_HOME = home;
  const urls = Object.fromEntries(
    EMULATOR_SERVICES.map((service) => {
      const url = env[`STEPOPS_EMULATOR_${service.toUpperCase().replace(/-/g, '_')}_URL`];
      if (!url) throw new Error(`the emulators printed no address for ${service}`);
      return [service, new URL(url).origin];
    }),
  ) as Record<EmulatorService, string>;
  return {
    home,
    env,
    urls,
    serviceOf: (origin) => EMULATOR_SERVICES.find((s) => urls[s] === origin),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
