// One replica of a Vertex custom job on the local engine (workerpool0-0 is the primary; each further
// worker pool's replicas are workerpoolN-0, -1...), run as Vertex runs a container_spec: `command`
// in place of the image's ENTRYPOINT and `args` in place of its CMD (Kubernetes' rules), `env` with
// its $(VAR) references expanded, plus what Vertex sets: CLUSTER_SPEC (and TF_CONFIG) naming every
// replica by its cmle-training-workerpoolN-HASH-R:PORT host, and AIP_MODEL_DIR,
// AIP_CHECKPOINT_DIR and AIP_TENSORBOARD_LOG_DIR below base_output_directory (gs:// URIs). /gcs is
// the job's copy of Cloud Storage (gcsMount.ts). Each line the container prints becomes a Cloud
// Logging entry of the ml_job resource with the replica's task_name (stderr ERROR, stdout INFO).
import { createHash } from 'node:crypto';
import type { DockerClient } from '../../../src/core/images/dockerClient';
import type { ContainerLine } from '../shared/containerLogs';
import { JobContainer } from '../shared/jobContainer';
import { OutputTail } from '../shared/outputTail';
import type { CustomJob } from './customJobs';
import { formatTimestamp, parseTimestamp } from './googleTime';

export const JOB_LABEL = 'stepops.emulator.vertex.custom-job';

/** A Cloud Logging entry as the log agent writes it (the logging fake adds insertId and receiveTimestamp). */
export interface LogEntryInput {
  readonly logName: string;
  readonly resource: { readonly type: string; readonly labels: Readonly<Record<string, string>> };
  readonly timestamp: string;
  readonly severity: string;
  readonly textPayload?: string;
  readonly jsonPayload?: Readonly<Record<string, unknown>>;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Where replicas' lines go: the Cloud Logging fake. */
export interface VertexLogSink {
  write(entries: readonly LogEntryInput[]): unknown;
}

type Json = Record<string, unknown>;

/** How many of a failing replica's last stderr lines Vertex's error message quotes at most. */
const QUOTED_LINES = 20;
const SEVERITIES = new Set([
  'DEFAULT',
  'DEBUG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'CRITICAL',
  'ALERT',
  'EMERGENCY',
]);

export interface ReplicaPlacement {
  readonly pool: number;
  readonly index: number;
  /** Every replica's host:port by worker pool, as CLUSTER_SPEC lists them. */
  readonly cluster: Readonly<Record<string, readonly string[]>>;
}

export class Replica {
  /** workerpoolN-R: the replica's name in Vertex's logs and errors. */
  readonly taskName: string;
  /** The replica's container: waited for, stopped and removed by the job's run. */
  readonly container = new JobContainer();
  private readonly stderr = new OutputTail();

  constructor(
    private readonly job: CustomJob,
    readonly placement: ReplicaPlacement,
  ) {
    this.taskName = `workerpool${placement.pool}-${placement.index}`;
  }

  private get pool(): Json {
    return ((this.job.request.jobSpec as Json).workerPoolSpecs as Json[])[this.placement.pool]!;
  }

  /** Creates the container (not started). */
  async create(docker: DockerClient, image: string, options: { networkMode: 'host' | 'none'; gcsFolder: string }) {
    const containerSpec = this.pool.containerSpec as Json;
    const command = containerSpec.command as string[] | undefined;
    const args = containerSpec.args as string[] | undefined;
    const hosts = Object.values(this.placement.cluster).flat();
    await this.container.create(docker, {
      name: `vertex-${this.job.id}-${this.taskName}-${Date.now().toString(36)}`,
      Image: image,
      Hostname: hostOf(hosts[this.globalIndex()]!),
      ...(command ? { Entrypoint: [...command] } : {}),
      // Like Kubernetes: a command without args runs with no arguments, not the image's CMD.
      ...(args ? { Cmd: [...args] } : command ? { Cmd: [] } : {}),
      Env: Object.entries(this.environment()).map(([k, v]) => `${k}=${v}`),
      Labels: { [JOB_LABEL]: this.job.id },
      HostConfig: {
        NetworkMode: options.networkMode,
        // Every replica shares the host's network here: their names all lead to loopback.
        ExtraHosts: hosts.map((h) => `${hostOf(h)}:127.0.0.1`),
        Binds: [`${options.gcsFolder}:/gcs`],
      },
    });
  }

  private globalIndex(): number {
    const pools = Object.keys(this.placement.cluster).sort();
    let before = 0;
    for (const pool of pools) {
      if (pool === `workerpool${this.placement.pool}`) break;
      before += this.placement.cluster[pool]!.length;
    }
    return before + this.placement.index;
  }

  /** The container's environment: Vertex's variables, then container_spec.env expanded over them. */
  environment(): Record<string, string> {
    const jobSpec = this.job.request.jobSpec as Json;
    const service: Record<string, string> = {
      CLUSTER_SPEC: JSON.stringify({
        cluster: this.placement.cluster,
        environment: 'cloud',
        task: { type: `workerpool${this.placement.pool}`, index: this.placement.index },
        job: jobSpec,
      }),
      TF_CONFIG: JSON.stringify(tfConfig(this.placement)),
    };
    const output = ((jobSpec.baseOutputDirectory ?? {}) as Json).outputUriPrefix as string | undefined;
    if (output !== undefined) {
      const base = output.endsWith('/') ? output : `${output}/`;
      Object.assign(service, {
        AIP_MODEL_DIR: `${base}model/`,
        AIP_CHECKPOINT_DIR: `${base}checkpoints/`,
        AIP_TENSORBOARD_LOG_DIR: `${base}logs/`,
      });
    }
    const env = { ...service };
    for (const { name, value } of ((this.pool.containerSpec as Json).env ?? []) as { name: string; value: string }[]) {
      env[name] = expandReferences(value, env);
    }
    return env;
  }

  /** Starts the container; its lines go to `sink` until it exits, when `logsDone` settles. */
  start(sink: VertexLogSink | undefined): Promise<{ logsDone: Promise<void> }> {
    return this.container.start((lines) => {
      for (const line of lines) if (line.stream === 'stderr') this.stderr.add(line.message);
      return sink?.write(lines.map((line) => this.logEntry(line)));
    });
  }

  /** The last traceback on stderr (from its "Traceback" line), or its last lines, as Vertex quotes them. */
  failureLines(): string[] {
    return this.stderr.quote(QUOTED_LINES);
  }

  private logEntry(line: ContainerLine): LogEntryInput {
    const { projectId } = this.job;
    const nanos = parseTimestamp(line.time);
    const base = {
      logName: `projects/${projectId}/logs/${this.taskName}`,
      resource: { type: 'ml_job', labels: { job_id: this.job.id, project_id: projectId, task_name: this.taskName } },
      timestamp: nanos === undefined ? new Date(line.timestamp).toISOString() : formatTimestamp(nanos),
      labels: { 'ml.googleapis.com/job_id/log_area': 'user' },
    };
    const severity = line.stream === 'stderr' ? 'ERROR' : 'INFO';
    const json = parseJsonObject(line.message);
    if (!json) return { ...base, severity, textPayload: line.message };
    // The logging agent takes a JSON line's own severity, as Cloud Logging's structured logging does.
    const { severity: stated, ...payload } = json;
    const named = typeof stated === 'string' && SEVERITIES.has(stated.toUpperCase()) ? stated.toUpperCase() : severity;
    return { ...base, severity: named, jsonPayload: payload };
  }
}

const hostOf = (address: string) => address.slice(0, address.lastIndexOf(':'));

/**
 * Every replica's address by worker pool. Vertex gives each replica its own machine and port
 * 2222; here they share the host's network, so each gets a port of its own from 2222 up.
 */
export function clusterOf(job: CustomJob): Record<string, string[]> {
  const pools = ((job.request.jobSpec as Json).workerPoolSpecs ?? []) as Json[];
  const hash = createHash('sha256').update(job.id).digest('hex').slice(0, 10);
  const cluster: Record<string, string[]> = {};
  let port = 2222;
  pools.forEach((pool, i) => {
    const count = Object.keys(pool).length === 0 ? 0 : Number(pool.replicaCount ?? 0);
    if (count === 0) return;
    cluster[`workerpool${i}`] = Array.from(
      { length: count },
      (_, r) => `cmle-training-workerpool${i}-${hash}-${r}:${port++}`,
    );
  });
  return cluster;
}

const TF_TASKS = ['chief', 'worker', 'ps', 'evaluator'];

/** TensorFlow's view of the same cluster: chief, worker, ps (the evaluator is not part of it). */
function tfConfig(placement: ReplicaPlacement): Json {
  const cluster: Record<string, readonly string[]> = {};
  for (const [pool, hosts] of Object.entries(placement.cluster)) {
    const task = TF_TASKS[Number(pool.slice('workerpool'.length))]!;
    if (task !== 'evaluator') cluster[task] = hosts;
  }
  return { cluster, task: { type: TF_TASKS[placement.pool], index: placement.index }, environment: 'cloud' };
}

/** $(VAR) references to variables defined so far; $$(VAR) stays $(VAR); unknown references stay as they are. */
export function expandReferences(value: string, defined: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return Object.hasOwn(defined, name!) ? defined[name!]! : match;
  });
}

function parseJsonObject(text: string): Json | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}
