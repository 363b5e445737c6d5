// One training instance of the SageMaker emulator: a host folder laid out as SageMaker lays out
// /opt/ml (input/config with resourceconfig.json, hyperparameters.json and inputdataconfig.json,
// input/data/<channel>, model, output, output/data, the checkpoint folder), and one container of
// the training image on the local engine, named algo-N, run as SageMaker runs it (`docker run
// IMAGE train`, or the request's ContainerEntrypoint and ContainerArguments), whose stdout and
// stderr go line by line, with the container's own timestamps, into the job's log stream.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DockerClient } from '../../../src/core/images/dockerClient';
import { JobContainer } from '../shared/jobContainer';
import { downloadChannel, downloadCheckpoints, type S3Objects } from './sagemakerArtifacts';
import type { TrainingJob } from './sagemakerTrainingJobs';

export const JOB_LABEL = 'stepops.emulator.sagemaker.training-job';
export const LOG_GROUP = '/aws/sagemaker/TrainingJobs';

/** Where log lines go: the CloudWatch Logs fake's append (it makes the group and stream when missing). */
export interface TrainingLogSink {
  append(group: string, stream: string, events: { timestamp: number; message: string }[]): unknown;
}

export interface InstanceFolders {
  readonly root: string;
  readonly config: string;
  readonly data: string;
  readonly model: string;
  readonly output: string;
  readonly outputData: string;
  readonly checkpoints: string;
}

export class TrainingInstance {
  readonly host: string;
  readonly folders: InstanceFolders;
  private readonly container = new JobContainer();
  /** The log stream's name: <job>/algo-N-<epoch seconds the instance started>. */
  private logStream = '';

  constructor(
    private readonly job: TrainingJob,
    readonly index: number,
    readonly count: number,
    jobFolder: string,
  ) {
    this.host = `algo-${index + 1}`;
    const root = path.join(jobFolder, this.host);
    this.folders = {
      root,
      config: path.join(root, 'input', 'config'),
      data: path.join(root, 'input', 'data'),
      model: path.join(root, 'model'),
      output: path.join(root, 'output'),
      outputData: path.join(root, 'output', 'data'),
      checkpoints: path.join(root, 'checkpoints'),
    };
  }

  get hosts(): string[] {
    return Array.from({ length: this.count }, (_, i) => `algo-${i + 1}`);
  }

  /** The folders, the configuration files and the input channels (and checkpoints) downloaded. */
  async prepare(objects: S3Objects): Promise<void> {
    const request = this.job.request;
    // The container may run as any user: what it writes to must be writable by all.
    for (const folder of [this.folders.model, this.folders.outputData, this.folders.checkpoints]) {
      await mkdir(folder, { recursive: true });
      await chmod(folder, 0o777);
    }
    await chmod(this.folders.output, 0o777);
    await mkdir(this.folders.config, { recursive: true });
    await this.writeConfig('resourceconfig.json', this.resourceConfig());
    await this.writeConfig('hyperparameters.json', request.HyperParameters ?? {});
    await this.writeConfig('inputdataconfig.json', this.inputDataConfig());
    for (const channel of request.InputDataConfig ?? []) {
      const source = channel.DataSource.S3DataSource!;
      await downloadChannel(objects, {
        uri: source.S3Uri,
        folder: path.join(this.folders.data, channel.ChannelName),
        ...(source.S3DataDistributionType === 'ShardedByS3Key'
          ? { shard: { index: this.index, count: this.count } }
          : {}),
      });
    }
    if (request.CheckpointConfig) {
      await downloadCheckpoints(objects, request.CheckpointConfig.S3Uri, this.folders.checkpoints);
    }
  }

  private async writeConfig(name: string, content: unknown): Promise<void> {
    await writeFile(path.join(this.folders.config, name), JSON.stringify(content));
  }

  private resourceConfig(): Record<string, unknown> {
    const instanceType = this.job.request.ResourceConfig.InstanceType;
    return {
      current_host: this.host,
      current_instance_type: instanceType,
      current_group_name: 'homogeneousCluster',
      hosts: this.hosts,
      instance_groups: [{ instance_group_name: 'homogeneousCluster', instance_type: instanceType, hosts: this.hosts }],
      network_interface_name: 'eth0',
    };
  }

  private inputDataConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    for (const channel of this.job.request.InputDataConfig ?? []) {
      config[channel.ChannelName] = {
        ...(channel.ContentType ? { ContentType: channel.ContentType } : {}),
        TrainingInputMode: 'File',
        S3DistributionType: channel.DataSource.S3DataSource?.S3DataDistributionType ?? 'FullyReplicated',
        RecordWrapperType: channel.RecordWrapperType ?? 'None',
      };
    }
    return config;
  }

  /** Creates the container (not started). */
  async create(docker: DockerClient, image: string, networkMode: 'host' | 'none'): Promise<void> {
    const request = this.job.request;
    const algorithm = request.AlgorithmSpecification;
    const checkpointPath = request.CheckpointConfig?.LocalPath ?? '/opt/ml/checkpoints';
    await this.container.create(docker, {
      name: `sagemaker-${this.job.name}-${this.host}-${Date.now().toString(36)}`,
      Image: image,
      Hostname: this.host,
      // SageMaker runs `docker run IMAGE train` unless the request names an entrypoint.
      ...(algorithm.ContainerEntrypoint ? { Entrypoint: [...algorithm.ContainerEntrypoint] } : {}),
      Cmd: algorithm.ContainerArguments
        ? [...algorithm.ContainerArguments]
        : algorithm.ContainerEntrypoint
          ? []
          : ['train'],
      Env: Object.entries({
        ...request.Environment,
        TRAINING_JOB_NAME: this.job.name,
        TRAINING_JOB_ARN: this.job.arn,
      }).map(([k, v]) => `${k}=${v}`),
      Labels: { [JOB_LABEL]: this.job.name },
      HostConfig: {
        NetworkMode: request.EnableNetworkIsolation ? 'none' : networkMode,
        // Every instance shares the host's network here: their names all lead to loopback.
        ExtraHosts: this.hosts.map((h) => `${h}:127.0.0.1`),
        Binds: [
          `${path.join(this.folders.root, 'input')}:/opt/ml/input`,
          `${this.folders.model}:/opt/ml/model`,
          `${this.folders.output}:/opt/ml/output`,
          `${this.folders.checkpoints}:${checkpointPath}`,
        ],
      },
    });
  }

  /** Starts the container; its log lines flow to `sink` until it exits, when `logsDone` settles. */
  async start(sink: TrainingLogSink | undefined): Promise<{ logsDone: Promise<void> }> {
    this.logStream = `${this.job.name}/${this.host}-${Math.floor(Date.now() / 1000)}`;
    return this.container.start((lines) =>
      sink?.append(
        LOG_GROUP,
        this.logStream,
        lines.map(({ timestamp, message }) => ({ timestamp, message })),
      ),
    );
  }

  /** The container's exit code, once it exits. */
  exitCode(): Promise<number> {
    return this.container.exitCode();
  }

  /** SIGTERM, then SIGKILL after `graceSeconds`, as SageMaker stops a job. */
  stop(graceSeconds: number): Promise<void> {
    return this.container.stop(graceSeconds);
  }

  remove(): Promise<void> {
    return this.container.remove();
  }

  /** What the algorithm wrote to /opt/ml/output/failure, if anything. */
  async failureText(): Promise<string> {
    try {
      return (await readFile(path.join(this.folders.output, 'failure'), 'utf8')).trim();
    } catch {
      return '';
    }
  }
}
