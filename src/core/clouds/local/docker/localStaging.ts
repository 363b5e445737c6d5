// How a local container reaches a run's files in the stack's artifact store. A local folder store
// is bind-mounted as it is (nothing is copied). A bucket store's job file and inputs are
// downloaded into a host staging folder (STAGING_ROOT/RUN_ID) that is mounted instead; the
// container writes its outputs there, and they are uploaded to the store once it has exited.
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from '../../../artifacts/artifactStore';
import type { JobSpec } from '../../../operators/stepOperator';

/** Where a mounted local folder store appears inside the container. */
export const CONTAINER_ARTIFACTS = '/stepops/artifacts';
/** Where a staging folder appears inside the container. */
export const CONTAINER_STAGING = '/stepops/run';
const UPLOADED_MARKER = '.outputs-uploaded';

export interface StagedJob {
  /** The runtime's local paths, inside the container. */
  readonly paths: { readonly jobFile: string; readonly inputs: Record<string, string>; readonly outputs: string };
  readonly binds: readonly { readonly hostPath: string; readonly containerPath: string }[];
  /** Set when files were copied: the host folder, and where its outputs/ go when the job is done. */
  readonly stagingFolder?: string;
  readonly outputsUri?: string;
}

export class StagingArea {
  /** Uploads under way in this process, so that two status calls never upload the same outputs twice. */
  private readonly uploads = new Map<string, Promise<void>>();

  constructor(
    private readonly store: () => Promise<ArtifactStore>,
    private readonly stagingRoot: string,
  ) {}

  async stage(job: JobSpec, signal: AbortSignal): Promise<StagedJob> {
    const store = await this.store();
    const keyOf = (what: string, uri: string): string => {
      const key = store.keyOf(uri);
      if (key === undefined) {
        throw new Error(
          `${what} is at ${uri}, outside this stack's artifact store (${store.root}): run the step that made it again ` +
            'on this stack, or run this step on a stack with that store.',
        );
      }
      return key;
    };
    const inputKeys = Object.entries(job.inputs).map(([name, uri]) => [name, keyOf(`Input "${name}"`, uri)] as const);
    const jobKey = keyOf('The job file', job.jobFile);
    const outputsKey = keyOf('The outputs folder', job.outputs);
    if (store.localFolder) return mountStore(store.localFolder, jobKey, inputKeys, outputsKey);

    const folder = path.join(this.stagingRoot, job.runId);
    await rm(folder, { recursive: true, force: true }); // a retried submit starts from a clean copy
    await mkdir(path.join(folder, 'outputs'), { recursive: true });
    const jobFile = await store.get(jobKey, signal);
    if (!jobFile) throw new Error(`The job file ${job.jobFile} is missing from the artifact store.`);
    await writeFile(path.join(folder, 'job.json'), jobFile);
    const inputs: Record<string, string> = {};
    for (const [name, key] of inputKeys) {
      const copied = await store.downloadFolder(key, path.join(folder, 'inputs', name), signal);
      if (copied === 0) throw new Error(`Input "${name}" has no files at ${job.inputs[name]}.`);
      inputs[name] = `${CONTAINER_STAGING}/inputs/${name}`;
    }
    return {
      paths: { jobFile: `${CONTAINER_STAGING}/job.json`, inputs, outputs: `${CONTAINER_STAGING}/outputs` },
      binds: [{ hostPath: folder, containerPath: CONTAINER_STAGING }],
      stagingFolder: folder,
      outputsUri: job.outputs,
    };
  }

  /** Copies a finished job's outputs to the store, once (a marker file remembers it across processes). */
  uploadOutputs(staged: { readonly stagingFolder: string; readonly outputsUri: string }): Promise<void> {
    const running = this.uploads.get(staged.stagingFolder);
    if (running) return running;
    const upload = (async () => {
      const marker = path.join(staged.stagingFolder, UPLOADED_MARKER);
      if (await stat(marker).catch(() => undefined)) return;
      const store = await this.store();
      const key = store.keyOf(staged.outputsUri);
      if (key === undefined) throw new Error(`${staged.outputsUri} is not in the artifact store ${store.root}.`);
      await store.uploadFolder(path.join(staged.stagingFolder, 'outputs'), key);
      await writeFile(marker, new Date().toISOString());
    })();
    this.uploads.set(staged.stagingFolder, upload);
    upload.catch(() => this.uploads.delete(staged.stagingFolder));
    return upload;
  }
}

function mountStore(
  root: string,
  jobKey: string,
  inputKeys: readonly (readonly [string, string])[],
  outputsKey: string,
): StagedJob {
  const inContainer = (key: string): string => `${CONTAINER_ARTIFACTS}/${key}`;
  return {
    paths: {
      jobFile: inContainer(jobKey),
      inputs: Object.fromEntries(inputKeys.map(([name, key]) => [name, inContainer(key)])),
      outputs: inContainer(outputsKey),
    },
    binds: [{ hostPath: root, containerPath: CONTAINER_ARTIFACTS }],
  };
}
