import type { DockerClient } from './dockerClient';
import { followStream } from './imageBuilder';
import { type ImageProgress, toProgress } from './progress';
import { type RegistryCredentials, registryHostOf } from './registryAuth';

export interface PushRequest {
  /** A reference that includes the registry host, e.g. 127.0.0.1:5000/steps/train:abc123. */
  readonly reference: string;
  readonly credentials?: RegistryCredentials;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ImageProgress) => void;
}

export interface PushResult {
  readonly reference: string;
  /** Manifest digest the registry answered with (sha256:...). */
  readonly digest: string;
}

export async function pushImage(docker: DockerClient, request: PushRequest): Promise<PushResult> {
  const stream = await docker.getImage(request.reference).push({
    // dockerode's own option name; the engine wants an auth header even when anonymous.
    authconfig: request.credentials ?? { serveraddress: '', username: '', password: '' },
    ...(request.signal ? { abortSignal: request.signal } : {}),
  });
  let digest = '';
  try {
    await followStream(docker, stream, (event) => {
      if (event.aux?.Digest) digest = event.aux.Digest;
      const progress = toProgress('push', event);
      if (progress) request.onProgress?.(progress);
    });
  } catch (error) {
    throw explainPushFailure(request, error as Error);
  }
  if (!digest) throw new Error(`The registry accepted the push of ${request.reference} but reported no digest.`);
  return { reference: request.reference, digest };
}

/** The engine reports a refused push as "unauthorized: ..." or "denied: ..."; say what to do. */
function explainPushFailure(request: PushRequest, error: Error): Error {
  const host = registryHostOf(request.reference);
  if (/unauthorized|authentication required|no basic auth credentials/i.test(error.message)) {
    return new Error(
      request.credentials
        ? `The registry ${host} rejected the credentials of "${request.credentials.username}" (${error.message}). Check the container registry's username and password.`
        : `The registry ${host} requires credentials (${error.message}). Set a username and password on the stack's container registry.`,
    );
  }
  if (/denied|forbidden/i.test(error.message)) {
    return new Error(
      `The registry ${host} refused the push (${error.message}): the account lacks push permission on this repository.`,
    );
  }
  return error;
}
