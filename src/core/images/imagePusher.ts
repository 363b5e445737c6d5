import type { DockerClient } from './dockerClient';
import { followStream } from './imageBuilder';
import { type ImageProgress, toProgress } from './progress';
import type { RegistryCredentials } from './registryAuth';

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
  await followStream(docker, stream, (event) => {
    if (event.aux?.Digest) digest = event.aux.Digest;
    const progress = toProgress('push', event);
    if (progress) request.onProgress?.(progress);
  });
  if (!digest) throw new Error(`The registry accepted the push of ${request.reference} but reported no digest.`);
  return { reference: request.reference, digest };
}
