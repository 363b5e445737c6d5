// The emulators' limit for the log benchmarks: each cloud's log API read by a bare loop of the
// official SDK's calls, in this process, on a job of its own that nothing else reads (the same
// step, submitted by a stepops CLI killed once the emulator accepted it): the calls a tail
// makes (CloudWatch Logs' DescribeLogStreams and GetLogEvents; Cloud Logging's entries.list,
// 1,000 entries a page, with a field mask for the fields it reads; Azure ML's run details and
// ranged reads of the log file's SAS URL), round after round with no poll interval (50 ms apart
// only when a round found nothing new), until every line came. What stepops adds on top is its
// poll interval, which the real clouds' read quotas call for.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { trainingJobName } from '../../src/core/clouds/aws/sagemaker/trainingJobName';
import { commandJobName } from '../../src/core/clouds/azure/azureml/azuremlNames';
import {
  azureMlConnection,
  createAzureCredential,
  createWorkspacesClient,
  resourceManagerScope,
  workspaceId,
} from '../../src/core/clouds/azure/azureml/azuremlClient';
import { RunHistory } from '../../src/core/clouds/azure/azureml/runHistory';
import { entriesFieldMask } from '../../src/core/clouds/gcp/vertex/cloudLoggingClient';
import { customJobId } from '../../src/core/clouds/gcp/vertex/customJobStatus';
import type { StackComponent } from '../../src/core/stacks/model';
import { LineCheck } from './lineCheck';

export interface BareRead {
  readonly check: LineCheck;
  /** Settles once every line came, or `stop()` was called. */
  readonly done: Promise<void>;
  stop(): void;
}

interface Reader {
  /** One round: whatever is new since the last, handed to `line`. Returns how many lines it read. */
  round(line: (text: string) => void): Promise<number>;
}

export interface BareReaderInput {
  readonly flavor: string;
  readonly runId: string;
  /** The run's project folder: its record names the job once submitted (Vertex chooses the id). */
  readonly project: string;
  readonly operator: StackComponent;
  /** The emulators' environment (credentials, endpoints, CLI secrets). */
  readonly env: NodeJS.ProcessEnv;
  /** The CloudWatch Logs emulator. */
  readonly logsEndpoint: string;
  readonly expected: number;
}

export function bareRead(input: BareReaderInput): BareRead {
  const check = new LineCheck(input.expected);
  let stopped = false;
  const done = (async () => {
    const reader = await readerFor(input, () => stopped);
    while (!stopped && !check.complete) {
      const read = await reader.round((text) => check.line(text)).catch(() => 0);
      if (read === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  done.catch(() => undefined);
  return { check, done, stop: () => (stopped = true) };
}

async function readerFor(input: BareReaderInput, stopped: () => boolean): Promise<Reader> {
  switch (input.flavor) {
    case 'sagemaker':
      return cloudWatchReader(input);
    case 'vertex':
      return cloudLoggingReader(input, await jobOf(input, stopped));
    case 'azureml':
      return azureMlReader(input);
    default:
      throw new Error(`no bare reader for ${input.flavor}`);
  }
}

/** The job id the run's record holds once the backend accepted the job. */
async function jobOf(input: BareReaderInput, stopped: () => boolean): Promise<string> {
  const file = path.join(input.project, '.stepops', 'runs', `${input.runId}.json`);
  while (!stopped()) {
    const record = await readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as { job?: { jobId: string } })
      .catch(() => undefined);
    if (record?.job) return record.job.jobId;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('stopped before the job was submitted');
}

async function cloudWatchReader(input: BareReaderInput): Promise<Reader> {
  const { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } =
    await import('@aws-sdk/client-cloudwatch-logs');
  const client = new CloudWatchLogsClient({
    endpoint: input.logsEndpoint,
    region: input.env.AWS_REGION!,
    credentials: { accessKeyId: input.env.AWS_ACCESS_KEY_ID!, secretAccessKey: input.env.AWS_SECRET_ACCESS_KEY! },
  });
  const group = '/aws/sagemaker/TrainingJobs';
  const prefix = `${trainingJobName(input.runId)}/`;
  const tokens = new Map<string, string | undefined>();
  return {
    async round(line) {
      const streams = await client
        .send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: prefix }))
        .catch(() => ({ logStreams: [] }));
      let read = 0;
      for (const stream of streams.logStreams ?? []) {
        const name = stream.logStreamName!;
        for (;;) {
          const token = tokens.get(name);
          const page = await client.send(
            new GetLogEventsCommand({
              logGroupName: group,
              logStreamName: name,
              startFromHead: true,
              ...(token ? { nextToken: token } : {}),
            }),
          );
          for (const event of page.events ?? []) line(event.message ?? '');
          read += page.events?.length ?? 0;
          if (!page.nextForwardToken || page.nextForwardToken === token) break;
          tokens.set(name, page.nextForwardToken);
        }
      }
      return read;
    },
  };
}

async function cloudLoggingReader(input: BareReaderInput, jobName: string): Promise<Reader> {
  const { LoggingServiceV2Client } = await import('@google-cloud/logging/build/src/v2/logging_service_v2_client.js');
  const config = input.operator.config as {
    project: string;
    logging_api_endpoint: string;
    service_account_path: string;
  };
  const endpoint = new URL(config.logging_api_endpoint);
  const client = new LoggingServiceV2Client({
    fallback: true,
    protocol: endpoint.protocol.replace(':', ''),
    apiEndpoint: endpoint.hostname,
    port: Number(endpoint.port),
    projectId: config.project,
    keyFilename: config.service_account_path,
  });
  const jobId = customJobId(jobName);
  // From the newest timestamp read, with the insertIds already read at it.
  let from = new Date(Date.now() - 60_000).toISOString();
  let atFrom = new Set<string>();
  return {
    async round(line) {
      const filter = `resource.type="ml_job" AND resource.labels.job_id="${jobId}" AND timestamp>="${from}"`;
      let pageToken: string | undefined;
      let read = 0;
      let newest = from;
      let atNewest = new Set(atFrom);
      do {
        const [entries, , response] = await client.listLogEntries(
          {
            resourceNames: [`projects/${config.project}`],
            filter,
            orderBy: 'timestamp asc',
            pageSize: 1000,
            ...(pageToken ? { pageToken } : {}),
          },
          {
            autoPaginate: false,
            retry: { retryCodes: [] },
            // What the loop reads, as the tail asks for what it reads.
            otherArgs: { headers: { 'X-Goog-FieldMask': entriesFieldMask(['insertId', 'timestamp', 'textPayload']) } },
          },
        );
        for (const entry of entries) {
          const time = isoNanos(entry.timestamp);
          if (time === from && atFrom.has(entry.insertId ?? '')) continue;
          line(entry.textPayload ?? '');
          read++;
          if (time > newest) [newest, atNewest] = [time, new Set()];
          if (time === newest) atNewest.add(entry.insertId ?? '');
        }
        pageToken = response?.nextPageToken || undefined;
      } while (pageToken);
      [from, atFrom] = [newest, atNewest];
      return read;
    },
  };
}

function isoNanos(timestamp: { seconds?: unknown; nanos?: number | null } | null | undefined): string {
  const seconds = Number(String(timestamp?.seconds ?? 0));
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(timestamp?.nanos ?? 0).padStart(9, '0')}Z`;
}

async function azureMlReader(input: BareReaderInput): Promise<Reader> {
  const connection = await azureMlConnection(
    input.operator.config,
    async (field) => input.env[`STEPOPS_SECRET_${input.operator.name.toUpperCase()}_${field.toUpperCase()}`],
  );
  if ('problem' in connection) throw new Error(connection.problem);
  const credential = await createAzureCredential(connection);
  const ml = await createWorkspacesClient(connection, credential);
  const workspace = await ml.workspaces.get(connection.resourceGroup, connection.workspace);
  const history = new RunHistory(
    {
      workspaceId: workspaceId(connection),
      discoveryUrl: workspace.discoveryUrl!,
      scope: resourceManagerScope(connection),
    },
    credential,
  );
  const jobName = commandJobName(input.runId);
  let offset = 0;
  let partial = '';
  return {
    async round(line) {
      const url = (await history.details(jobName))?.logFiles?.['user_logs/std_log.txt'];
      if (!url) return 0;
      let read = 0;
      for (;;) {
        const response = await fetch(url, { headers: { range: `bytes=${offset}-${offset + 4 * 1024 * 1024 - 1}` } });
        if (response.status !== 206 && response.status !== 200) {
          await response.body?.cancel();
          return read;
        }
        const bytes = Buffer.from(await response.arrayBuffer());
        offset += bytes.length;
        const parts = (partial + bytes.toString('utf8')).split('\n');
        partial = parts.pop()!;
        for (const text of parts) line(text);
        read += parts.length;
        if (bytes.length < 4 * 1024 * 1024) return read;
      }
    },
  };
}
