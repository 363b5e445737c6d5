// A stack is what a ZenML user thinks in: one orchestrator, one artifact store, at most one
// container registry and any number of step operators. Type names and snake_case component
// types follow ZenML's so that imported and exported stacks read the same.

export type ComponentType = 'orchestrator' | 'artifact_store' | 'container_registry' | 'step_operator';

export interface StackComponent {
  /** Unique among components of the same type. */
  readonly name: string;
  readonly type: ComponentType;
  /** ZenML flavor name, e.g. "sagemaker", "vertex", "azureml", "local_docker". */
  readonly flavor: string;
  /** Flavor-specific settings; never holds secrets (those live in SecretStorage). */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface Stack {
  readonly name: string;
  readonly orchestrator: StackComponent;
  readonly artifactStore: StackComponent;
  readonly containerRegistry?: StackComponent;
  readonly stepOperators: readonly StackComponent[];
}

export const DEFAULT_STACK_NAME = 'default';

export interface DefaultStackOptions {
  /** Where the local artifact store keeps run outputs. */
  readonly artifactRoot: string;
  /** The local Docker step operator is offered only when a Docker engine answers. */
  readonly dockerEngineAvailable: boolean;
}

/** The stack that exists out of the box: everything runs on this machine. */
/** The flavor and built-in name of the operator that runs steps in this machine's Docker engine. */
export const LOCAL_OPERATOR_FLAVOR = 'local_docker';
export const LOCAL_OPERATOR_NAME = 'local-docker';

export function isLocalOperator(component: { readonly flavor: string }): boolean {
  return component.flavor === LOCAL_OPERATOR_FLAVOR;
}

/** The stack's local Docker operator, when it has one. */
export function localOperatorOf(stack: {
  readonly stepOperators: readonly StackComponent[];
}): StackComponent | undefined {
  return stack.stepOperators.find(isLocalOperator);
}

export function defaultStack(options: DefaultStackOptions): Stack {
  return {
    name: DEFAULT_STACK_NAME,
    orchestrator: { name: 'embedded', type: 'orchestrator', flavor: 'embedded', config: {} },
    artifactStore: {
      name: 'local',
      type: 'artifact_store',
      flavor: 'local',
      config: { path: options.artifactRoot },
    },
    stepOperators: options.dockerEngineAvailable
      ? [{ name: LOCAL_OPERATOR_NAME, type: 'step_operator', flavor: LOCAL_OPERATOR_FLAVOR, config: {} }]
      : [],
  };
}

/** Every component of a stack, in the order the sidebar shows them. */
export function componentsOf(stack: Stack): StackComponent[] {
  return [
    stack.orchestrator,
    stack.artifactStore,
    ...(stack.containerRegistry ? [stack.containerRegistry] : []),
    ...stack.stepOperators,
  ];
}

const TYPE_LABELS: Record<ComponentType, string> = {
  orchestrator: 'Orchestrator',
  artifact_store: 'Artifact store',
  container_registry: 'Container registry',
  step_operator: 'Step operator',
};

export function componentTypeLabel(type: ComponentType): string {
  return TYPE_LABELS[type];
}

/** `base`, or `base-2`, `base-3`... when taken; never an existing stack, never over 64 characters. */
export function freeStackName(base: string, taken: readonly string[]): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : `-${n}`;
    const name = `${base.slice(0, 64 - suffix.length)}${suffix}`;
    if (!taken.includes(name)) return name;
  }
}
