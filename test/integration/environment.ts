// Coordinates of the real services the integration tier runs against. scripts/with-services.sh
// starts them and exports these variables; running a test file without them is a setup error,
// reported as such rather than skipped.
export interface IntegrationEnvironment {
  /** host:port of the loopback OCI registry. */
  readonly registry: string;
  /** Local Debian + python3 base image. */
  readonly pythonImage: string;
  /** Local busybox base image (2 MB) for tests that need no Python. */
  readonly busyboxImage: string;
  /** Local Debian + python3 + pip, for the requirements path. */
  readonly pythonPipImage: string;
  /** A registry that demands Basic auth, and its (test-only) account. */
  readonly authRegistry: { readonly host: string; readonly username: string; readonly password: string };
  /** Azurite's blob service and its one storage account (key made by scripts/services.sh). */
  readonly azurite: { readonly account: string; readonly key: string; readonly blobEndpoint: string };
}

export function integrationEnvironment(): IntegrationEnvironment {
  const read = (name: string): string => {
    const value = process.env[name];
    if (!value) {
      throw new Error(
        `${name} is not set: run integration tests through "npm run test:integration" (scripts/with-services.sh).`,
      );
    }
    return value;
  };
  return {
    registry: read('STEPOPS_REGISTRY'),
    pythonImage: read('STEPOPS_PYTHON_IMAGE'),
    busyboxImage: read('STEPOPS_BUSYBOX_IMAGE'),
    pythonPipImage: read('STEPOPS_PYTHON_PIP_IMAGE'),
    authRegistry: {
      host: read('STEPOPS_AUTH_REGISTRY'),
      username: read('STEPOPS_AUTH_REGISTRY_USER'),
      password: read('STEPOPS_AUTH_REGISTRY_PASSWORD'),
    },
    azurite: {
      account: read('STEPOPS_AZURITE_ACCOUNT'),
      key: read('STEPOPS_AZURITE_KEY'),
      blobEndpoint: read('STEPOPS_AZURITE_BLOB_ENDPOINT'),
    },
  };
}
