// Google clients kept for the life of the process, one per configuration: making one is costly
// (the Vertex job service client loads Vertex's whole API description; a Cloud Storage client
// finds its project and credentials anew, looking for gcloud and the metadata server), and every
// run made its own. The key also holds the environment Application Default Credentials read, so
// a changed environment (another emulator, another key file) gets a client of its own. A client
// whose making failed is not kept: the next call tries again.
const clients = new Map<string, Promise<unknown>>();

/** The variables Google's client libraries read their endpoint, project and credentials from. */
const ENVIRONMENT = [
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CLOUD_PROJECT',
  'GCLOUD_PROJECT',
  'STORAGE_EMULATOR_HOST',
  'CLOUDSDK_CONFIG',
] as const;

export function keptClient<T>(kind: string, config: unknown, make: () => Promise<T>): Promise<T> {
  const key = JSON.stringify([kind, config, ENVIRONMENT.map((name) => process.env[name] ?? null)]);
  let client = clients.get(key) as Promise<T> | undefined;
  if (!client) {
    client = make();
    clients.set(key, client);
    client.catch(() => clients.delete(key));
  }
  return client;
}
