// One project's runner as the CLI and the extension both build it: runs recorded under
// PROJECT/.stepops/runs, the Docker client loaded on first use only (listing runs needs none), and
// the one place where an operator flavor becomes its implementation (the cloud operators plug in
// here).
import path from 'node:path';
import { type DockerClient, connectDocker } from '../images/dockerClient';
import { LOCAL_DOCKER_FLAVOR, LocalDockerOperator } from '../clouds/local/docker/localDockerOperator';
import type { StepOperator } from '../operators/stepOperator';
import { RunStore } from '../runs/runStore';
import type { StackComponent } from '../stacks/model';
import { StepRunner } from './stepRunner';

export interface ProjectRunnerOptions {
  readonly projectRoot: string;
  readonly artifactRoot: string;
  /** Folder holding the stepops_runtime package. */
  readonly runtimeRoot: string;
}

export function createProjectRunner(options: ProjectRunnerOptions): { runner: StepRunner; store: RunStore } {
  const store = new RunStore(path.join(options.projectRoot, '.stepops', 'runs'));
  let docker: Promise<DockerClient> | undefined;
  const dockerClient = () => (docker ??= connectDocker());
  const operatorFor = async (component: StackComponent): Promise<StepOperator> => {
    if (component.flavor !== LOCAL_DOCKER_FLAVOR) throw new Error(`no ${component.flavor} operator in this version`);
    const network = (component.config as { network_mode?: 'host' | 'none' | 'bridge' }).network_mode;
    return new LocalDockerOperator(await dockerClient(), network ? { networkMode: network } : {});
  };
  const runner = new StepRunner({
    docker: dockerClient,
    store,
    operatorFor,
    artifactRoot: options.artifactRoot,
    runtimeRoot: options.runtimeRoot,
  });
  return { runner, store };
}
