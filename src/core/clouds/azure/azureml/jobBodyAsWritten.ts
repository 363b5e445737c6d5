// @azure/arm-machinelearning 2.1.1 serializes a job's uri_folder and uri_file inputs and outputs
// by their base classes (its discriminator table files them under AssetJobInput and
// AssetJobOutput, where core-client does not look), so their uri and mode never reach the wire,
// and Azure ML refuses a job input without a uri. The job's PUT therefore goes through the SDK's
// own pipeline (sign-in, retries, throttling) with the body as stepops wrote it: for every
// property stepops sets, the model's client name is its wire name.
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';

type Pipeline = AzureMachineLearningWorkspaces['pipeline'];
type Policy = Parameters<Pipeline['addPolicy']>[0];

const POLICY_NAME = 'stepopsJobBodyAsWritten';

export class JobBodiesAsWritten {
  /** The end of a PUT's URL path -> the JSON to send instead of the SDK's serialization. */
  private readonly bodies = new Map<string, string>();

  constructor(pipeline: Pipeline) {
    const policy: Policy = {
      name: POLICY_NAME,
      sendRequest: (request, next) => {
        if (request.method === 'PUT') {
          const path = new URL(request.url).pathname;
          // Ends with: a Resource Manager endpoint may have a path of its own (Azure Stack).
          const written = [...this.bodies].find(([suffix]) => path.endsWith(suffix))?.[1];
          if (written !== undefined) request.body = written;
        }
        return next(request);
      },
    };
    pipeline.addPolicy(policy);
  }

  /** Runs `call` (the SDK's PUT to a URL whose path ends with `path`) with `body` sent as it is. */
  async put<T>(path: string, body: unknown, call: () => Promise<T>): Promise<T> {
    this.bodies.set(path, JSON.stringify(body));
    try {
      return await call();
    } finally {
      this.bodies.delete(path);
    }
  }
}
