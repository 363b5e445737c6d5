// A run's files in the stack's artifact store: the job file the runtime reads (written before
// submitting, with the URIs the job's inputs and outputs have there) and the outputs' metadata,
// read back through the store once the job has ended (what the job actually delivered). An input
// from a run whose store is a folder on this machine (a local run before a cloud one) is copied
// into the stack's store first, since the cloud job can only read from there.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type ArtifactStore, joinKey, runKeys } from '../artifacts/artifactStore';
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
  const inputs: Record<string, string> = {};
  for (const [name, uri] of Object.entries(request.inputs ?? {})) {
    inputs[name] = await inputInStore(artifacts, record.id, name, uri, signal);
  }
  return {
    runId: record.id,
    stepName: request.stepName,
    ...(request.pipelineName ? { pipelineName: request.pipelineName } : {}),
    image: image.reference,
    ...(image.digest ? { imageDigest: image.digest } : {}),
    jobFile: artifacts.uri(runKeys.jobFile(record.id)),
    inputs,
    outputs: artifacts.uri(runKeys.outputs(record.id)),
    environment: { ...environmentSetting(request.settings.environment), STEPOPS_RUN_ID: record.id },
    settings: request.settings,
  };
}

/** The input's URI in `store`: as given when it is there, else a copy under RUN_ID/inputs/NAME. */
async function inputInStore(
  store: ArtifactStore,
  runId: string,
  name: string,
  uri: string,
  signal: AbortSignal,
): Promise<string> {
  if (store.keyOf(uri) !== undefined) return uri;
  const folder = path.isAbsolute(uri) ? await existingFolder(uri) : undefined;
  if (!folder) {
    throw new Error(
      `Input "${name}" is at ${uri}, outside this stack's artifact store (${store.root}): run the step that made ` +
        'it again on this stack, or run this step on a stack with that store (inputs are copied in only from ' +
        'folders on this machine).',
    );
  }
  const key = joinKey(runId, 'inputs', name);
  await store.uploadFolder(folder, key, signal);
  return store.uri(key);
}

async function existingFolder(candidate: string): Promise<string | undefined> {
  const info = await stat(candidate).catch(() => undefined);
  return info?.isDirectory() ? candidate : undefined;
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
