// Connection checks for what runs on this machine: the Docker engine answers its ping; a local
// artifact store's folder is writable; an OCI registry answers /v2/ with the stored login.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeDockerEndpoint, dockerEngineAnswers } from '../../images/dockerEngine';
import type { ConnectionCheck } from '../../stacks/connectionChecks/connectionCheck';
import { pingRegistry } from '../../stacks/connectionChecks/registryPing';

export const checkDockerEngine: ConnectionCheck = async (_config, _secret, timeoutMs) =>
  (await dockerEngineAnswers(undefined, timeoutMs))
    ? { ok: true, message: `The Docker engine answers at ${describeDockerEndpoint()}.` }
    : {
        ok: false,
        message: `No Docker engine answers at ${describeDockerEndpoint()}. Start Docker (or set DOCKER_HOST) and try again.`,
      };

export const checkOciRegistry: ConnectionCheck = async (config, secret, timeoutMs) =>
  pingRegistry(
    String(config.uri),
    typeof config.username === 'string' ? config.username : undefined,
    await secret('password'),
    timeoutMs,
  );

export const checkLocalFolder: ConnectionCheck = async (config) => {
  const folder = String(config.path);
  const probe = path.join(folder, `.stepops-probe-${process.pid}`);
  try {
    await mkdir(folder, { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    return { ok: true, message: `${folder} is writable.` };
  } catch (error) {
    return { ok: false, message: `Cannot write to ${folder}: ${(error as Error).message}` };
  }
};

export const checkEmbeddedOrchestrator: ConnectionCheck = async () => ({
  ok: true,
  message: 'The embedded orchestrator runs inside stepops.',
});
