// VS Code's Microsoft account as a token credential for the Azure operator's sign-in chain (core
// cannot import vscode, so the extension adapts it). It never opens a sign-in dialog by itself:
// without a session for the scopes it answers null, the chain goes on to the Azure login and the
// service principal, and VS Code offers the sign-in in its Accounts menu for next time. An editor
// without the provider (some VS Code builds have none) or one that does not answer counts as no
// session rather than a failed sign-in.
import * as vscode from 'vscode';
import type { HostAccessToken, HostSignIns, HostTokenCredential } from '../../core/operators/hostSignIn';

/** VS Code's built-in provider of Microsoft Entra ID sessions. */
const PROVIDER = 'microsoft';
/** Used when a token's expiry cannot be read from it: short, so that it is asked for again soon. */
const UNKNOWN_LIFETIME_MS = 5 * 60_000;
/** How long the provider may take to answer before the chain goes on without it. */
const ANSWER_WITHIN_MS = 15_000;

/** The editor's accounts, for runs and connection tests alike (they sign in the same way). */
export function editorSignIns(): HostSignIns {
  return { microsoft: microsoftSignIn() };
}

export function microsoftSignIn(): HostTokenCredential {
  return {
    async getToken(scopes, options) {
      const asked = [...(Array.isArray(scopes) ? scopes : [scopes])];
      // The provider's own scope for signing in to one tenant rather than the account's home tenant.
      if (options?.tenantId) asked.push(`VSCODE_TENANT:${options.tenantId}`);
      const session = await Promise.race([
        Promise.resolve(vscode.authentication.getSession(PROVIDER, asked, {})).catch(() => undefined),
        new Promise<undefined>((resolve) => setTimeout(resolve, ANSWER_WITHIN_MS)),
      ]);
      return session ? tokenOf(session.accessToken) : null;
    },
  };
}

/** The token with its expiry, read from the JWT's exp claim. */
export function tokenOf(accessToken: string): HostAccessToken {
  const payload = accessToken.split('.')[1];
  let exp: unknown;
  try {
    exp = payload
      ? (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp
      : undefined;
  } catch {
    exp = undefined;
  }
  return {
    token: accessToken,
    expiresOnTimestamp: typeof exp === 'number' ? exp * 1000 : Date.now() + UNKNOWN_LIFETIME_MS,
  };
}
