// A JobSpec as a Vertex AI CustomJob. The data travels through Vertex's own channel: Vertex mounts
// Cloud Storage with FUSE under /gcs/BUCKET/, so the job file, each input and the outputs folder
// are paths there and the runtime reads and writes local files; the orchestrator reads the outputs
// back through the GCS store. Custom job ids are chosen by the server, so the run id goes into a
// label (sanitised to Google's label rules, with a hash when it had to be cut) by which a retried
// submit or a reattach finds the job; the exact run id also travels in STEPOPS_RUN_ID.
import { createHash } from 'node:crypto';
import type { google } from '@google-cloud/aiplatform/build/protos/protos';
import { type JobSpec, pinnedImage, runtimeArguments } from '../../../operators/stepOperator';
import type { VertexJobSettings } from './vertexSettings';

type CustomJob = google.cloud.aiplatform.v1.ICustomJob;
type WorkerPoolSpec = google.cloud.aiplatform.v1.IWorkerPoolSpec;

export const RUN_ID_LABEL = 'stepops-run-id';
const STEP_LABEL = 'stepops-step';
const PIPELINE_LABEL = 'stepops-pipeline';
const FUSE_ROOT = '/gcs';
const DISPLAY_NAME_MAX = 128;
const LABEL_MAX = 63;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class VertexRequestError extends Error {
  override name = 'VertexRequestError';
}

export function customJobRequest(job: JobSpec, settings: VertexJobSettings): CustomJob {
  const pool = workerPool(job, settings);
  const workers = settings.replicaCount - 1;
  return {
    displayName: displayName(job),
    labels: {
      ...settings.labels,
      [RUN_ID_LABEL]: labelValue(job.runId),
      [STEP_LABEL]: labelValue(job.stepName),
      ...(job.pipelineName ? { [PIPELINE_LABEL]: labelValue(job.pipelineName) } : {}),
    },
    ...(settings.encryptionKey ? { encryptionSpec: { kmsKeyName: settings.encryptionKey } } : {}),
    jobSpec: {
      // With several replicas the first pool is the chief (one replica), the second the workers.
      workerPoolSpecs:
        workers > 0
          ? [
              { ...pool, replicaCount: 1 },
              { ...pool, replicaCount: workers },
            ]
          : [pool],
      ...(settings.serviceAccount ? { serviceAccount: settings.serviceAccount } : {}),
      ...(settings.network ? { network: settings.network } : {}),
      ...(settings.reservedIpRanges.length ? { reservedIpRanges: [...settings.reservedIpRanges] } : {}),
      ...(settings.persistentResourceId ? { persistentResourceId: settings.persistentResourceId } : {}),
      scheduling: {
        ...(settings.timeoutSeconds !== undefined ? { timeout: { seconds: settings.timeoutSeconds } } : {}),
        strategy: settings.spot ? 'SPOT' : 'STANDARD',
        restartJobOnWorkerRestart: settings.restartJobOnWorkerRestart,
      },
      // Vertex sets AIP_MODEL_DIR, AIP_CHECKPOINT_DIR and AIP_TENSORBOARD_LOG_DIR under it.
      baseOutputDirectory: { outputUriPrefix: `${parentOf(gcsUri(job.outputs, 'outputs'))}/vertex` },
    },
  };
}

function workerPool(job: JobSpec, settings: VertexJobSettings): WorkerPoolSpec {
  return {
    replicaCount: 1,
    machineSpec: {
      machineType: settings.machineType,
      ...(settings.acceleratorType
        ? { acceleratorType: settings.acceleratorType, acceleratorCount: settings.acceleratorCount }
        : {}),
    },
    diskSpec: { bootDiskType: settings.bootDiskType, bootDiskSizeGb: settings.bootDiskSizeGb },
    containerSpec: {
      imageUri: pinnedImage(job),
      command: ['python3', '-m', 'stepops_runtime'],
      args: runtimeArguments({
        jobFile: fusePath(job.jobFile, 'the job file'),
        inputs: Object.fromEntries(
          Object.entries(job.inputs).map(([name, uri]) => [name, fusePath(uri, `input ${name}`)]),
        ),
        outputs: fusePath(job.outputs, 'outputs'),
      }),
      env: Object.entries(job.environment).map(([name, value]) => {
        if (!ENV_NAME.test(name)) {
          throw new VertexRequestError(
            `Environment variable "${name}" is not a name Vertex AI accepts (letters, digits and "_", not starting with a digit).`,
          );
        }
        return { name, value };
      }),
    },
  };
}

/** gs://BUCKET/KEY -> /gcs/BUCKET/KEY, where Vertex's Cloud Storage FUSE mount shows it. */
export function fusePath(uri: string, what: string): string {
  const { bucket, key } = parseGcsUri(gcsUri(uri, what));
  return [FUSE_ROOT, bucket, key].filter(Boolean).join('/');
}

function gcsUri(uri: string, what: string): string {
  if (!/^gs:\/\/[^/]+/.test(uri)) {
    throw new VertexRequestError(
      `A Vertex AI job reads and writes Cloud Storage only, but ${what} is at ${uri}. Give the stack a GCS artifact store (gs://BUCKET/PREFIX).`,
    );
  }
  return uri.replace(/\/+$/, '');
}

function parseGcsUri(uri: string): { bucket: string; key: string } {
  const [, bucket = '', key = ''] = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri) ?? [];
  return { bucket, key };
}

function parentOf(uri: string): string {
  return uri.replace(/\/[^/]*$/, '');
}

/** "pipeline/step (run RUN_ID)", the run id kept whole and the rest shortened to fit 128 characters. */
export function displayName(job: Pick<JobSpec, 'runId' | 'stepName' | 'pipelineName'>): string {
  const suffix = ` (run ${job.runId})`;
  const what = job.pipelineName ? `${job.pipelineName}/${job.stepName}` : job.stepName;
  const room = DISPLAY_NAME_MAX - [...suffix].length;
  if (room < 1) return [...job.runId].slice(0, DISPLAY_NAME_MAX).join('');
  return [...what].slice(0, room).join('') + suffix;
}

/**
 * Any text as a label value: lowercase letters, digits, "_" and "-", at most 63 characters. Cut
 * text ends with a hash of the whole, so two long run ids that share their start stay apart.
 */
export function labelValue(text: string): string {
  const clean = text.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  if (clean.length <= LABEL_MAX && clean === text) return clean;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return clean.length <= LABEL_MAX - hash.length - 1 ? `${clean}-${hash}` : `${clean.slice(0, LABEL_MAX - 9)}-${hash}`;
}

/** The ListCustomJobs filter for a run's jobs. */
export function runIdFilter(runId: string): string {
  return `labels.${RUN_ID_LABEL}="${labelValue(runId)}"`;
}
