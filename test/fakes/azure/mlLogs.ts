// A job's log files where Azure ML keeps them: append blobs in the workspace's artifact container
// (`azureml`) of its storage account (real Azurite), at ExperimentRun/dcid.JOB/user_logs/NAME,
// growing while the job runs as the log uploader appends what the containers printed (every
// `flushMs`, and once more at the end). Clients find them through run history, which hands out
// read-only SAS URLs on the storage front (mlStorageFront.ts); the blobs answer Range reads as
// Azure Blob Storage does, because they are Azurite's.
import {
  type AppendBlobClient,
  BlobSASPermissions,
  type ContainerClient,
  SASProtocol,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import type { StorageAccount } from './mlData';

/** The workspace's artifact container, where run history keeps logs and outputs of runs. */
export const ARTIFACT_CONTAINER = 'azureml';

/** Azure Blob's largest append block. */
const MAX_BLOCK = 4 * 1024 * 1024;
const SAS_LIFETIME_MS = 60 * 60 * 1000;

/** The blob path of a job's log file: ExperimentRun/dcid.JOB/user_logs/std_log.txt. */
export function logBlobPath(jobName: string, logName: string): string {
  return `ExperimentRun/dcid.${jobName}/${logName}`;
}

/** One log file: lines are buffered and appended to the blob in order, every `flushMs`. */
export class LogFile {
  private readonly blob: AppendBlobClient;
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;

  constructor(
    container: ContainerClient,
    readonly blobPath: string,
    private readonly flushMs: number,
  ) {
    this.blob = container.getAppendBlobClient(blobPath);
  }

  /** Creates the (empty) blob: from now on run history lists the file. */
  async create(): Promise<void> {
    await this.blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' } });
    this.timer = setInterval(() => void this.flush(), this.flushMs);
  }

  write(lines: readonly string[]): void {
    for (const line of lines) this.pending.push(`${line}\n`);
  }

  /** Appends what is buffered (in blocks Azure Blob takes); later calls wait for earlier ones. */
  flush(): Promise<void> {
    const text = this.pending.join('');
    this.pending = [];
    if (text) {
      this.writing = this.writing.then(async () => {
        for (const block of blocks(Buffer.from(text, 'utf8'))) {
          await this.blob.appendBlock(block, block.length).catch((error: unknown) => {
            this.failure ??= error;
          });
        }
      });
    }
    return this.writing;
  }

  /** The last flush; throws if an append failed, so the emulator's own failure is not silent. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.failure) throw this.failure;
  }
}

/** Splits at line ends where possible, so no block exceeds Azure's 4 MiB. */
function blocks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (data.length - start > MAX_BLOCK) {
    const newline = data.lastIndexOf(0x0a, start + MAX_BLOCK - 1);
    const end = newline >= start ? newline + 1 : start + MAX_BLOCK;
    out.push(data.subarray(start, end));
    start = end;
  }
  if (start < data.length) out.push(data.subarray(start));
  return out;
}

/** Signs read-only SAS URLs for the artifact container's blobs, on the storage front's address. */
export function logUrlSigner(account: StorageAccount, frontUrl: string): (blobPath: string) => string {
  const credential = new StorageSharedKeyCredential(account.account, account.key);
  return (blobPath) => {
    const now = Date.now();
    const sas = generateBlobSASQueryParameters(
      {
        containerName: ARTIFACT_CONTAINER,
        blobName: blobPath,
        permissions: BlobSASPermissions.parse('r'),
        startsOn: new Date(now - 5 * 60 * 1000),
        expiresOn: new Date(now + SAS_LIFETIME_MS),
        protocol: SASProtocol.HttpsAndHttp,
      },
      credential,
    ).toString();
    const encoded = blobPath.split('/').map(encodeURIComponent).join('/');
    return `${frontUrl}/${account.account}/${ARTIFACT_CONTAINER}/${encoded}?${sas}`;
  };
}
