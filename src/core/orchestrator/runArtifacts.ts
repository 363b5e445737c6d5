// A run's files in the stack's artifact store: the job file the runtime reads (written before
// submitting, with the URIs the job's inputs and outputs have there) and the outputs' metadata,
// read back through the store once the job has ended (what the job actually delivered).
import { type ArtifactStore, runKeys } from '../artifacts/artifactStore';
import type { JobSpec } from '../operators/stepOperator';
import type { OutputMetadata, RunRecord } from '../runs/runRecord';
import type { StepRunRequest } from './stepRunner';

export async function stageJob(
  record: RunRecord,
  request: StepRunRequest,
  image: { readonly reference: string; readonly digest?: string },
  artifacts: ArtifactStore,
  signal: AbortSignal,
): Promise<JobSpec> {
  const job = { module: record.step.module, function: record.step.function, parameters: request.parameters ?? {} };
  await artifacts.put(runKeys.jobFile(record.id), JSON.stringify(job), signal);
  return {
    runId: record.id,
    stepName: request.stepName,
    ...(request.pipelineName ? { pipelineName: request.pipelineName } : {}),
    image: image.reference,
    ...(image.digest ? { imageDigest: image.digest } : {}),
    jobFile: artifacts.uri(runKeys.jobFile(record.id)),
    inputs: request.inputs ?? {},
    outputs: artifacts.uri(runKeys.outputs(record.id)),
    environment: { ...environmentSetting(request.settings.environment), STEPOPS_RUN_ID: record.id },
    settings: request.settings,
  };
}

/** Each output folder's metadata, where the job put them (the handle says, else RUN_ID/outputs). */
export async function readOutputs(store: ArtifactStore, record: RunRecord): Promise<Record<string, OutputMetadata>> {
  const declared = record.job?.outputs;
  const prefix = declared ? store.keyOf(declared) : runKeys.outputs(record.id);
  if (prefix === undefined)
    throw new Error(`The job's outputs at ${declared} are outside the artifact store ${store.root}.`);
  const outputs: Record<string, OutputMetadata> = {};
  for (const key of await store.list(prefix)) {
    const match = new RegExp(`^${escapeRegExp(prefix)}/([^/]+)/metadata\\.json$`).exec(key);
    if (!match) continue;
    const body = await store.get(key);
    if (body) outputs[match[1]!] = JSON.parse(Buffer.from(body).toString('utf8')) as OutputMetadata;
  }
  return outputs;
}

/** The operator's (and the step's) `environment` setting, a string map, as job variables. */
function environmentSetting(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([name, text]) => [name, String(text)]));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
