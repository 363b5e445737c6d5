import http from 'node:http';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** Where the engine listens, as Docker's own clients resolve it: DOCKER_HOST, else the default socket. */
export function dockerEndpoint(
  dockerHost = process.env.DOCKER_HOST,
): { socketPath: string } | { host: string; port: number } {
  if (!dockerHost) return { socketPath: DEFAULT_DOCKER_SOCKET };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

export function describeDockerEndpoint(endpoint = dockerEndpoint()): string {
  return 'socketPath' in endpoint ? endpoint.socketPath : `${endpoint.host}:${endpoint.port}`;
}

/**
 * Whether a Docker engine answers `GET /_ping` within the timeout, on the given socket or where
 * DOCKER_HOST points. Deliberately plain node:http rather than dockerode: callers on the
 * activation path use it, and loading the Docker client costs ~0.3 s.
 */
export function dockerEngineAnswers(socketPath?: string, timeoutMs = 1000): Promise<boolean> {
  const endpoint = socketPath ? { socketPath } : dockerEndpoint();
  return new Promise((resolve) => {
    const request = http.get({ ...endpoint, path: '/_ping', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
