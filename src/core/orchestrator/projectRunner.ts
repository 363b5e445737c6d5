// One project's runner as the CLI and the extension both build it: runs recorded under
// PROJECT/.stepops/runs, the Docker client loaded on first use only (listing runs needs none), and
// operators and artifact store clients built by the factories their backends declare in clouds/,
// with secrets from the caller's lookup.
import path from 'node:path';
import type { ArtifactStore } from '../artifacts/artifactStore';
import type { HostSignIns } from '../operators/hostSignIn';
import { artifactStoreFor, componentBackend, nonSecretConfig } from '../clouds';
import { type DockerClient, connectDocker } from '../images/dockerClient';
import { RunStore } from '../runs/runStore';
import type { SecretLookup } from '../stacks/connectionChecks/connectionCheck';
import type { ComponentType, StackComponent } from '../stacks/model';
import { type RecordedComponent, StepRunner } from './stepRunner';

export interface ProjectRunnerOptions {
  readonly projectRoot: string;
  readonly artifactRoot: string;
  /** Folder holding the stepops_runtime package. */
  readonly runtimeRoot: string;
  /** Host folder for staging bucket stores' files for local containers; default beside artifactRoot. */
  readonly stagingRoot?: string;
  readonly pollMs?: number;
  /** A component's secret field (SecretStorage in the editor, STEPOPS_SECRET_* in the CLI). */
  readonly secret?: (type: ComponentType, componentName: string, field: string) => Promise<string | undefined>;
  /** Sign-ins the host holds (VS Code's accounts), offered to the operators' credential chains. */
  readonly signIns?: HostSignIns;
}

export function createProjectRunner(options: ProjectRunnerOptions): { runner: StepRunner; store: RunStore } {
  const store = new RunStore(path.join(options.projectRoot, '.stepops', 'runs'));
  let docker: Promise<DockerClient> | undefined;
  const dockerClient = () => (docker ??= connectDocker());
  const secretsOf =
    (type: ComponentType, component: RecordedComponent): SecretLookup =>
    async (field) =>
      options.secret?.(type, component.name, field);
  // Host folders that local containers stage bucket stores' files through, beside the local store.
  const stagingRoot = options.stagingRoot ?? path.join(path.dirname(options.artifactRoot), 'staging');
  const operatorFor = async (component: RecordedComponent, artifacts: () => Promise<ArtifactStore>) => {
    const factory = componentBackend('step_operator', component.flavor)?.operator;
    if (!factory) throw new Error(`stepops cannot run jobs on ${component.flavor} operators in this version.`);
    return factory(component.config, {
      docker: dockerClient,
      secret: secretsOf('step_operator', component),
      store: artifacts,
      stagingRoot,
      ...(options.signIns ? { signIns: options.signIns } : {}),
    });
  };
  const runner = new StepRunner({
    docker: dockerClient,
    store,
    operatorFor,
    artifactStoreFor: (component) => artifactStoreFor(component, secretsOf('artifact_store', component)),
    recordable: (component: StackComponent) => ({
      name: component.name,
      flavor: component.flavor,
      config: nonSecretConfig(component.type, component.flavor, component.config),
    }),
    runtimeRoot: options.runtimeRoot,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
  });
  return { runner, store };
}
