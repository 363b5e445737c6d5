// Network failures look the same from every cloud's SDK (a name that does not resolve, a port
// where nothing listens); what to check differs by service, so callers name the place and the fix.

export type NetworkFailure = 'unresolved' | 'refused' | 'untrusted';

/** Node's codes for a TLS certificate it does not trust (a private CA, an intercepting proxy). */
const UNTRUSTED_CERTIFICATE =
  /SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID/;

/** Which network failure an SDK error is, looking at its code, message and cause. */
export function networkFailureOf(error: unknown): NetworkFailure | undefined {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  const text = `${String(e?.code ?? '')} ${String(e?.message ?? '')} ${String(e?.cause ?? '')}`;
  if (/ENOTFOUND|getaddrinfo|EAI_AGAIN/.test(text)) return 'unresolved';
  if (/ECONNREFUSED/.test(text)) return 'refused';
  if (UNTRUSTED_CERTIFICATE.test(`${text} ${String((e?.cause as { code?: unknown } | undefined)?.code ?? '')}`))
    return 'untrusted';
  return undefined;
}

/**
 * "Cannot reach WHERE: CHECK." for a name that does not resolve, "Nothing answers at WHERE: ..."
 * for a refused connection, the CA to trust for an untrusted certificate, undefined for anything else.
 */
export function explainNetworkFailure(error: unknown, where: string, check: string): string | undefined {
  switch (networkFailureOf(error)) {
    case 'unresolved':
      return `Cannot reach ${where}: ${check}.`;
    case 'refused':
      return `Nothing answers at ${where}: ${firstLine(String((error as { message?: unknown }).message ?? error))}`;
    case 'untrusted':
      return (
        `${where} presented a TLS certificate this machine does not trust (${firstLine(String((error as { message?: unknown }).message ?? error))}): ` +
        "add its certificate authority to the system's certificates, or name its PEM file in NODE_EXTRA_CA_CERTS before starting VS Code or the CLI."
      );
    default:
      return undefined;
  }
}

export function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]!.trim();
}

/** A connection that broke mid-call (reset, hung up, timed out): worth retrying the same call. */
export function isDroppedConnection(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  const text = `${String(e?.code ?? '')} ${String(e?.message ?? '')} ${String(e?.cause ?? '')}`;
  // undici (fetch) says only "terminated" when the peer closed the connection mid-answer.
  return /ECONNRESET|socket hang up|ETIMEDOUT|EPIPE|other side closed/.test(text) || e?.message === 'terminated';
}
