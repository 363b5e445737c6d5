/**
 * Credentials for one registry, in the shape the engine's push/pull `X-Registry-Auth` expects.
 * Cloud registries (ECR, Artifact Registry, ACR) exchange a cloud credential for such a pair
 * shortly before a push; the generic OCI flavor reads a stored username and password.
 */
export interface RegistryCredentials {
  readonly serveraddress: string;
  readonly username: string;
  readonly password: string;
}

/** Supplies credentials for a registry host, or undefined when it needs none. */
export interface RegistryAuthProvider {
  credentialsFor(registryHost: string, signal?: AbortSignal): Promise<RegistryCredentials | undefined>;
}

/** The registry host of an image reference ("127.0.0.1:5000/a/b:tag" -> "127.0.0.1:5000"). */
export function registryHostOf(reference: string): string {
  const first = reference.split('/')[0] ?? '';
  const looksLikeHost =
    reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return looksLikeHost ? first : 'docker.io';
}
