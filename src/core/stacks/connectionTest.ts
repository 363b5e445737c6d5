// "Test connection": the cheapest real request that proves a component is reachable and its
// credentials work, through each cloud's official SDK (loaded on first use). A flavor without a
// test says so rather than pretending.
import { componentBackend } from '../clouds';
import type { HostSignIns } from '../operators/hostSignIn';
import type { ConnectionResult, SecretLookup } from './connectionChecks/connectionCheck';
import { pingRegistry } from './connectionChecks/registryPing';
import { findFlavor } from './flavors/flavorCatalog';
import type { StackComponent } from './model';

export type { ConnectionResult, SecretLookup };
export { pingRegistry };

/**
 * Runs the flavor's check. `timeoutMs` bounds each request (every check hands it to its SDK); the
 * whole test, retries and sign-ins included, is bounded by six times that, so that it always
 * comes back with an answer.
 */
export async function testConnection(
  component: StackComponent,
  secret: SecretLookup,
  timeoutMs = 10_000,
  signIns?: HostSignIns,
): Promise<ConnectionResult> {
  const deadlineMs = 6 * timeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<ConnectionResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ok: false,
          message: `No answer within ${deadlineMs / 1000} s: check the network, the endpoint and any proxy settings.`,
        }),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([runCheck(component, secret, timeoutMs, signIns), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function runCheck(
  component: StackComponent,
  secret: SecretLookup,
  timeoutMs: number,
  signIns: HostSignIns | undefined,
): Promise<ConnectionResult> {
  const check = componentBackend(component.type, component.flavor)?.check;
  if (check) return check(component.config, secret, timeoutMs, signIns);
  return {
    ok: false,
    unsupported: true,
    message: `stepops has no connection test for ${findFlavor(component.type, component.flavor)?.displayName ?? `the "${component.flavor}" flavor`}.`,
  };
}
