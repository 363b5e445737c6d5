// Turns "run step S of file F (on operator O)" into a complete run request: which operator,
// which base image, which registry, which requirements. Shared by the CLI and the extension so
// that both choose the same way and explain refusals the same way.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DiscoveredStep } from '../python/model';
import { DEFAULT_BASE_IMAGE } from '../stacks/executionSummary';
import { LOCAL_OPERATOR_NAME, type Stack, type StackComponent, localOperatorOf } from '../stacks/model';
import {
  canPushTo,
  componentBackend,
  explainPushFailure,
  prepareRepository,
  registryLoginFor,
  runnableOperatorFlavors,
} from '../clouds';
import { effectiveOperatorSettings } from '../stacks/stepSettings';
import type { StepRunRequest } from './stepRunner';

/** Whether this version can run jobs on an operator: its backend in clouds/ declares a factory. */
export function canRunOn(operator: StackComponent): boolean {
  return runnableOperatorFlavors().includes(operator.flavor);
}

export class RunPlanError extends Error {
  override name = 'RunPlanError';
}

export interface RunPlanInput {
  readonly projectRoot: string;
  /** Project-relative file. */
  readonly file: string;
  readonly step: DiscoveredStep;
  readonly stack: Stack;
  readonly allStacks: readonly Stack[];
  /** An explicit choice (--operator, a lens); else the step's own, else the stack's local one. */
  readonly operatorName?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Parameter -> URI of an upstream output folder in the artifact store. */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly pipelineName?: string;
}

export function planStepRun(input: RunPlanInput): StepRunRequest {
  const operator = chooseOperator(input);
  const refusal = componentBackend('step_operator', operator.flavor)?.stackRule?.(input.stack, operator.name);
  if (refusal) throw new RunPlanError(refusal);
  if (!canRunOn(operator)) {
    throw new RunPlanError(
      `Step operator "${operator.name}" is a ${operator.flavor} operator; running on ${operator.flavor} arrives in a coming ` +
        `release. Run it locally in the meantime (the local Docker operator).`,
    );
  }
  const config = operator.config as Record<string, unknown>;
  const registry = input.stack.containerRegistry;
  if (registry && !canPushTo(registry.flavor)) {
    throw new RunPlanError(
      `Stack "${input.stack.name}" pushes to a ${registry.flavor} registry ("${registry.name}"), which runs cannot push ` +
        `to in this version (its pushes arrive with its cloud's operator). Use a stack with an ECR, an Artifact Registry or a generic OCI registry.`,
    );
  }
  const requirementsFile = existsSync(path.join(input.projectRoot, 'requirements.txt'))
    ? 'requirements.txt'
    : undefined;
  return {
    projectRoot: input.projectRoot,
    file: input.file,
    stepName: input.step.name,
    stackName: input.stack.name,
    operator,
    settings: effectiveOperatorSettings(input.step, operator),
    artifactStore: input.stack.artifactStore,
    ...(input.pipelineName ? { pipelineName: input.pipelineName } : {}),
    baseImage: typeof config.base_image === 'string' ? config.base_image : DEFAULT_BASE_IMAGE,
    ...(requirementsFile ? { requirementsFile } : {}),
    ...(input.parameters ? { parameters: input.parameters } : {}),
    ...(input.inputs ? { inputs: input.inputs } : {}),
    // Credentials are added by the caller (SecretStorage in the editor, the environment in the CLI).
    ...(registry
      ? {
          registry: {
            uri: String((registry.config as { uri: string }).uri),
            prepare: (repository: string) => prepareRepository(registry, repository),
            explainFailure: (repository: string, message: string) => explainPushFailure(registry, repository, message),
          },
        }
      : {}),
  };
}

function chooseOperator(input: RunPlanInput): StackComponent {
  const everywhere = [input.stack, ...input.allStacks].flatMap((s) => s.stepOperators);
  const named = (name: string): StackComponent => {
    const found = everywhere.find((o) => o.name === name);
    if (!found) {
      throw new RunPlanError(
        `No stack has a step operator named "${name}". Register it, or run the step on another operator ` +
          `(the default stack's local one is "${LOCAL_OPERATOR_NAME}").`,
      );
    }
    return found;
  };
  if (input.operatorName) return named(input.operatorName);
  if (input.step.operator.kind === 'named') return named(input.step.operator.name);
  const local = localOperatorOf(input.stack);
  if (local) return local;
  const first = input.stack.stepOperators[0];
  if (first) return first;
  throw new RunPlanError(
    `Stack "${input.stack.name}" has no step operator, and no Docker engine answers for a local run. Start Docker or add an operator to the stack.`,
  );
}

/** The stack registry's login for a request's push (its backend's), secrets from the caller's store. */
export async function withRegistryCredentials(
  request: StepRunRequest,
  stack: Stack,
  secret: (registryName: string, field: string) => Promise<string | undefined>,
): Promise<StepRunRequest> {
  const registry = stack.containerRegistry;
  if (!registry || !request.registry) return request;
  const credentials = await registryLoginFor(registry, (field) => secret(registry.name, field));
  return credentials ? { ...request, registry: { ...request.registry, credentials } } : request;
}
