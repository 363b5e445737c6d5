// What one backend (a cloud, or this machine) contributes: its component flavors, each with what
// the rest of stepops needs from it. clouds/index.ts lists the backends; the flavor catalog, the
// connection tests, the operator factories and the artifact store clients are derived from that
// list, so adding a cloud is one folder plus one line there.
import type { ArtifactStoreFactory } from '../artifacts/artifactStore';
import type { OperatorFactory } from '../operators/stepOperator';
import type { RegistryCredentials } from '../images/registryAuth';
import type { ConnectionCheck, SecretLookup } from '../stacks/connectionChecks/connectionCheck';
import type { FlavorSpec } from '../stacks/flavors/fieldSpec';
import type { Stack } from '../stacks/model';

export type RegistryLogin = (
  config: Readonly<Record<string, unknown>>,
  secret: SecretLookup,
  timeoutMs: number,
) => Promise<RegistryCredentials | undefined>;

/** Readies REGISTRY/REPOSITORY for a push (e.g. creates it); `config` is the registry component's. */
export type PrepareRepository = (
  config: Readonly<Record<string, unknown>>,
  repository: string,
  timeoutMs: number,
) => Promise<void>;

/** What a failed push means on this registry and what to do, or undefined when nothing more is known. */
export type ExplainPushFailure = (
  config: Readonly<Record<string, unknown>>,
  repository: string,
  message: string,
) => string | undefined;

export type StackRule = (stack: Stack, operatorName: string) => string | undefined;

export interface ComponentBackend {
  readonly spec: FlavorSpec;
  /** Test connection; a flavor without one says so rather than pretending. */
  readonly check?: ConnectionCheck;
  /** Step operator flavors that can run jobs. */
  readonly operator?: OperatorFactory;
  /** Artifact store flavors: the client that stages a run's files. */
  readonly store?: ArtifactStoreFactory;
  /** Container registry flavors: the login a push uses (undefined: anonymous). */
  readonly registryLogin?: RegistryLogin;
  /**
   * Container registry flavors runs can push to, with what a push needs first (ECR: the
   * repository must exist). A registry flavor without it is refused for runs, with the reason.
   */
  readonly pushes?: { readonly prepare?: PrepareRepository; readonly explainFailure?: ExplainPushFailure };
  /** Step operator flavors: why a stack cannot run this operator's jobs (with the fix), or undefined. */
  readonly stackRule?: StackRule;
}

export interface CloudBackend {
  /** The folder's name: aws, gcp, azure, local. */
  readonly id: string;
  readonly displayName: string;
  readonly components: readonly ComponentBackend[];
}
