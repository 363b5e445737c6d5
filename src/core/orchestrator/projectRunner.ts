// One project's runner as the CLI and the extension both build it: runs recorded under
// PROJECT/.stepops/runs, the Docker client loaded on first use only (listing runs needs none), and
// operators built by the factory their backend declares in clouds/.
import path from 'node:path';
import { componentBackend } from '../clouds';
import { type DockerClient, connectDocker } from '../images/dockerClient';
import type { StepOperator } from '../operators/stepOperator';
import { RunStore } from '../runs/runStore';
import type { SecretLookup } from '../stacks/connectionChecks/connectionCheck';
import type { StackComponent } from '../stacks/model';
import { StepRunner } from './stepRunner';

export interface ProjectRunnerOptions {
  readonly projectRoot: string;
  readonly artifactRoot: string;
  /** Folder holding the stepops_runtime package. */
  readonly runtimeRoot: string;
  /** A component's secret field (SecretStorage in the editor, STEPOPS_SECRET_* in the CLI). */
  readonly secret?: (componentName: string, field: string) => Promise<string | undefined>;
}

export function createProjectRunner(options: ProjectRunnerOptions): { runner: StepRunner; store: RunStore } {
  const store = new RunStore(path.join(options.projectRoot, '.stepops', 'runs'));
  let docker: Promise<DockerClient> | undefined;
  const dockerClient = () => (docker ??= connectDocker());
  const operatorFor = async (component: StackComponent): Promise<StepOperator> => {
    const factory = componentBackend('step_operator', component.flavor)?.operator;
    if (!factory) throw new Error(`stepops cannot run jobs on ${component.flavor} operators in this version.`);
    const secret: SecretLookup = async (field) => options.secret?.(component.name, field);
    return factory(component.config, { docker: dockerClient, secret });
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
