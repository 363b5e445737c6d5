import { connectDocker } from '../core/images/dockerClient';
import { describeDockerEndpoint } from '../core/images/dockerEngine';
import { defineCommand, parseCommandLine } from './usage';

export const DOCTOR = defineCommand({
  name: 'doctor',
  summary: 'Check what running steps needs on this machine (Docker engine)',
  arguments: [],
  options: {},
  details: ['Exits 0 when the Docker engine answers, 1 when it does not (with what to do).'],
  examples: ['stepops doctor'],
});

/** `stepops doctor`: whether the Docker engine answers, and where it was looked for. */
export async function doctorCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  parseCommandLine(DOCTOR, args);
  const where = describeDockerEndpoint();
  try {
    const docker = await connectDocker();
    const version = await docker.version();
    out.write(`Docker engine: ${version.Version} (API ${version.ApiVersion}) at ${where}\n`);
    return 0;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    out.write(
      `Docker engine: not reachable at ${where} (${reason}). Start Docker, or set DOCKER_HOST to its socket.\n`,
    );
    return 1;
  }
}
