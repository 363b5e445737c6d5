// The connection check contract: the cheapest real request that proves a component is reachable
// and its credentials work. Each backend declares its checks beside its flavors (clouds/<cloud>/);
// connectionTest.ts finds them through the clouds list and bounds them in time.

import type { HostSignIns } from '../../operators/hostSignIn';

export interface ConnectionResult {
  readonly ok: boolean;
  readonly message: string;
  /** True when this flavor has no connection test yet. */
  readonly unsupported?: boolean;
}

/** A secret field of the component under test (a password, a client secret), or undefined. */
export type SecretLookup = (field: string) => Promise<string | undefined>;

/**
 * `timeoutMs` bounds each request; every check hands it to its SDK. `signIns`: the host's accounts
 * (VS Code's Microsoft one), so a test signs in as the component's jobs will.
 */
export type ConnectionCheck = (
  config: Readonly<Record<string, unknown>>,
  secret: SecretLookup,
  timeoutMs: number,
  signIns?: HostSignIns,
) => Promise<ConnectionResult>;
