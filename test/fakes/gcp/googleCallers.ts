// Who calls a Google REST fake: the bearer token of a request, accepted in the two forms the
// Google fakes issue or verify: a service account's self-signed JWT (what Google's libraries send
// for a key file; verified against the account's public key) or an access token the STS fake
// issued for a federated identity (what workload identity federation, and so
// GOOGLE_APPLICATION_CREDENTIALS of `npm run emulators`, gives). The principal is the account's
// email or the federated principal://... URI, as IAM grants name them.
import type http from 'node:http';
import { type FakeServiceAccount, verifySelfSignedJwt } from '../googleServiceAccounts';
import { type GoogleReply, errorInfo, googleError } from './googleErrors';

export interface GoogleCallers {
  /** Service accounts whose self-signed JWTs are accepted. */
  readonly accounts: readonly FakeServiceAccount[];
  /** The STS fake's lookup of the access tokens it issued. */
  readonly principalOf?: (accessToken: string) => string | undefined;
}

/** The caller's principal, or the UNAUTHENTICATED answer. */
export function authenticate(
  req: http.IncomingMessage,
  callers: GoogleCallers,
  serviceAudience: string,
): { principal: string } | GoogleReply {
  const domain = new URL(serviceAudience).hostname;
  const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  if (!bearer) {
    return googleError(
      'UNAUTHENTICATED',
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      [errorInfo('CREDENTIALS_MISSING', domain)],
    );
  }
  const federated = callers.principalOf?.(bearer);
  if (federated) return { principal: federated };
  const account = verifySelfSignedJwt(bearer, callers.accounts, serviceAudience);
  if (typeof account !== 'string') return { principal: account.email };
  const reason = bearer.split('.').length === 3 ? account : 'not an access token this service issued or trusts';
  return googleError(
    'UNAUTHENTICATED',
    `Request had invalid authentication credentials (${reason}). Expected OAuth 2 access token, login cookie or other valid authentication credential.`,
    [errorInfo('ACCESS_TOKEN_TYPE_UNSUPPORTED', domain)],
  );
}
