// One process of an Azure ML command job on the local engine: a container of the environment's
// image running the job's command in a shell (COMMAND_WRAPPER), its ${{inputs.X}} and ${{outputs.X}} already
// replaced by the paths Azure ML's data capability gives them under /mnt/azureml/cr/j/RUN/cap/
// data-capability/wd, in the working folder /mnt/azureml/cr/j/RUN/exe/wd, with the job's
// environment variables and those Azure ML sets (AZUREML_*, AZURE_ML_INPUT_X/AZURE_ML_OUTPUT_X, and
// for a distribution its ranks: PyTorch's MASTER_ADDR/WORLD_SIZE/RANK..., MPI's OMPI_COMM_WORLD_*,
// TensorFlow's TF_CONFIG). A job has one process per node, or processCountPerInstance of them;
// each one's output goes, line by line, into its log file.
import { createHash } from 'node:crypto';
import type { DockerClient } from '../../../src/core/images/dockerClient';
import type { ContainerLine } from '../shared/containerLogs';
import { JobContainer } from '../shared/jobContainer';
import { OutputTail } from '../shared/outputTail';
import type { MlJob } from './mlJobs';

export const JOB_LABEL = 'stepops.emulator.azureml.job';

/**
 * Runs the command ($1) as Azure ML's execution wrapper does: with bash when the image has it
 * (else sh), stdout and stderr into one stream (so the log file has them in the order printed),
 * and a SIGTERM passed on to every process of the command, which a shell as PID 1 would swallow.
 * The command's shell outlives the signal (its trap) until the command exits, so the container
 * ends only then, with the command's exit status.
 */
const COMMAND_WRAPPER = [
  'exec 2>&1',
  'shell=$(command -v bash || echo /bin/sh)',
  '"$shell" -c \'trap : TERM; eval "$1"\' azureml-command "$1" &',
  'child=$!',
  'trap \'trap "" TERM; kill -TERM 0\' TERM',
  'wait "$child"; status=$?',
  'while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done',
  'exit "$status"',
].join('\n');
/** Azure ML's rendezvous port for PyTorch jobs. */
const MASTER_PORT = 6105;

export interface ProcessPlacement {
  readonly node: number;
  readonly localRank: number;
  /** Global rank: node * processesPerNode + localRank. */
  readonly rank: number;
  readonly nodeCount: number;
  readonly processesPerNode: number;
}

/** The folder Azure ML's common runtime gives the run on each node. */
export const runFolder = (job: MlJob) => `/mnt/azureml/cr/j/${job.runtimeId}`;
export const dataFolder = (job: MlJob) => `${runFolder(job)}/cap/data-capability/wd`;

/** A job's processes: one per node, or processCountPerInstance per node with a distribution that has it. */
export function placementsOf(job: MlJob): ProcessPlacement[] {
  const nodeCount = job.properties.resources.instanceCount;
  const perNode = Number(job.properties.distribution?.processCountPerInstance ?? 1) || 1;
  return Array.from({ length: nodeCount * perNode }, (_, rank) => ({
    node: Math.floor(rank / perNode),
    localRank: rank % perNode,
    rank,
    nodeCount,
    processesPerNode: perNode,
  }));
}

/** user_logs/std_log.txt for a single process; std_log_process_N.txt per process when distributed. */
export function logNameOf(job: MlJob, placement: ProcessPlacement): string {
  const distributed = job.properties.distribution !== undefined || placement.nodeCount * placement.processesPerNode > 1;
  return distributed ? `user_logs/std_log_process_${placement.rank}.txt` : 'user_logs/std_log.txt';
}

/** The node's host name, as each node of a cluster has its own (all lead to loopback here). */
export function nodeHost(job: MlJob, node: number): string {
  const hash = createHash('sha256').update(job.runUuid).digest('hex').slice(0, 12);
  return `${job.computeName ?? 'node'}-${hash}-${node}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

export interface ProcessSpec {
  readonly image: string;
  readonly command: string;
  /** host:container[:ro] binds of the inputs and outputs. */
  readonly binds: readonly string[];
  /** AZURE_ML_INPUT_X / AZURE_ML_OUTPUT_X. */
  readonly dataVariables: Readonly<Record<string, string>>;
  readonly networkMode: 'host' | 'none';
}

export class MlProcess {
  readonly logName: string;
  /** Its container: waited for, stopped and removed by the runner. */
  readonly container = new JobContainer();
  private readonly output = new OutputTail();

  constructor(
    private readonly job: MlJob,
    readonly placement: ProcessPlacement,
  ) {
    this.logName = logNameOf(job, placement);
  }

  async create(docker: DockerClient, spec: ProcessSpec): Promise<void> {
    const { job, placement } = this;
    const hosts = Array.from({ length: placement.nodeCount }, (_, n) => nodeHost(job, n));
    await this.container.create(docker, {
      name: `azureml-${job.name}-${placement.rank}-${Date.now().toString(36)}`.replace(/[^a-zA-Z0-9_.-]/g, '-'),
      Image: spec.image,
      Hostname: hosts[placement.node],
      Entrypoint: ['/bin/sh', '-c', COMMAND_WRAPPER, 'azureml-command'],
      Cmd: [spec.command],
      WorkingDir: `${runFolder(job)}/exe/wd`,
      Env: Object.entries({
        ...job.properties.environmentVariables,
        ...this.serviceVariables(hosts),
        ...spec.dataVariables,
      }).map(([k, v]) => `${k}=${v}`),
      Labels: { [JOB_LABEL]: job.id },
      HostConfig: {
        NetworkMode: spec.networkMode,
        ExtraHosts: hosts.map((h) => `${h}:127.0.0.1`),
        Binds: [...spec.binds],
        ShmSize: bytesOf(job.properties.resources.shmSize),
      },
    });
  }

  private serviceVariables(hosts: readonly string[]): Record<string, string> {
    const { job, placement } = this;
    const { workspace } = job;
    const world = placement.nodeCount * placement.processesPerNode;
    const base: Record<string, string> = {
      AZUREML_RUN_ID: job.name,
      AZUREML_ARM_SUBSCRIPTION: workspace.subscriptionId,
      AZUREML_ARM_RESOURCEGROUP: workspace.resourceGroup,
      AZUREML_ARM_WORKSPACE_NAME: workspace.name,
      AZUREML_ARM_PROJECT_NAME: job.properties.experimentName,
      AZUREML_EXPERIMENT_NAME: job.properties.experimentName,
      MLFLOW_RUN_ID: job.name,
      MLFLOW_EXPERIMENT_NAME: job.properties.experimentName,
    };
    switch (job.properties.distribution?.distributionType) {
      case 'PyTorch':
        return {
          ...base,
          MASTER_ADDR: hosts[0]!,
          MASTER_PORT: String(MASTER_PORT),
          WORLD_SIZE: String(world),
          NODE_RANK: String(placement.node),
          RANK: String(placement.rank),
          LOCAL_RANK: String(placement.localRank),
          LOCAL_WORLD_SIZE: String(placement.processesPerNode),
        };
      case 'Mpi':
        return {
          ...base,
          OMPI_COMM_WORLD_RANK: String(placement.rank),
          OMPI_COMM_WORLD_SIZE: String(world),
          OMPI_COMM_WORLD_LOCAL_RANK: String(placement.localRank),
          OMPI_COMM_WORLD_LOCAL_SIZE: String(placement.processesPerNode),
          OMPI_COMM_WORLD_NODE_RANK: String(placement.node),
        };
      case 'TensorFlow':
        return { ...base, TF_CONFIG: JSON.stringify(this.tfConfig(hosts)) };
      default:
        return base;
    }
  }

  private tfConfig(hosts: readonly string[]): Record<string, unknown> {
    const distribution = this.job.properties.distribution!;
    const ps = Number(distribution.parameterServerCount ?? 0);
    const workers = hosts.slice(0, hosts.length - ps).map((h, i) => `${h}:${2222 + i}`);
    const servers = hosts.slice(hosts.length - ps).map((h, i) => `${h}:${2222 + workers.length + i}`);
    const node = this.placement.node;
    const task = node < workers.length ? { type: 'worker', index: node } : { type: 'ps', index: node - workers.length };
    return { cluster: { worker: workers, ...(ps ? { ps: servers } : {}) }, task, environment: 'cloud' };
  }

  /** Starts the container; its lines go to `deliver` until it exits, when `logsDone` settles. */
  start(deliver: (lines: readonly string[]) => void): Promise<{ logsDone: Promise<void> }> {
    return this.container.start(
      (lines: ContainerLine[]) => {
        // One stream (stderr joins stdout in the wrapper): the traceback is found in it.
        for (const line of lines) this.output.add(line.message);
        deliver(lines.map((l) => l.message));
      },
      // A log file keeps the blank lines a process prints.
      { keepEmptyLines: true },
    );
  }

  /** The last lines it printed (its traceback), as Azure ML quotes them in the run's error. */
  failureLines(): string[] {
    return this.output.quote(20);
  }
}

/** "2g" -> bytes, as Docker reads --shm-size. */
export function bytesOf(size: string): number {
  const match = /^(\d+)([bkmg]?)$/i.exec(size)!;
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    match[2]!.toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'
  ];
  return Number(match[1]) * unit;
}
