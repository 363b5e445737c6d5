// A JSON request sent through an Azure client's own pipeline (its token, TLS settings and retries),
// for calls its operations do not make as needed: Azure ML's run history, or a job PUT whose inputs
// the SDK's serializer would strip (see test/fakes/README.md). @azure/core-rest-pipeline is the
// client's own transport (a dependency of @azure/arm-machinelearning and @azure/identity).
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';

export interface JsonAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function sendJson(
  client: Pick<AzureMachineLearningWorkspaces, 'sendRequest'>,
  method: 'GET' | 'PUT' | 'POST',
  url: string,
  body?: object,
): Promise<JsonAnswer> {
  const answer = await client.sendRequest(
    createPipelineRequest({
      url,
      method,
      headers: createHttpHeaders({ 'content-type': 'application/json' }),
      ...(body ? { body: JSON.stringify(body) } : {}),
    }),
  );
  return {
    status: answer.status,
    body: answer.bodyAsText ? (JSON.parse(answer.bodyAsText) as JsonAnswer['body']) : {},
  };
}
