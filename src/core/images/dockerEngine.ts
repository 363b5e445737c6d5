import http from 'node:http';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * Whether a Docker engine answers `GET /_ping` on the socket within the timeout.
 * Deliberately plain node:http rather than dockerode: callers on the activation path use it,
 * and loading the Docker client costs ~0.3 s.
 */
export function dockerEngineAnswers(socketPath: string = DEFAULT_DOCKER_SOCKET, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
