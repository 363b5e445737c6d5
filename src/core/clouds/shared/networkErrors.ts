// Network failures look the same from every cloud's SDK (a name that does not resolve, a port
// where nothing listens); what to check differs by service, so callers name the place and the fix.

export type NetworkFailure = 'unresolved' | 'refused';

/** Which network failure an SDK error is, looking at its code, message and cause. */
export function networkFailureOf(error: unknown): NetworkFailure | undefined {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  const text = `${String(e?.code ?? '')} ${String(e?.message ?? '')} ${String(e?.cause ?? '')}`;
  if (/ENOTFOUND|getaddrinfo|EAI_AGAIN/.test(text)) return 'unresolved';
  if (/ECONNREFUSED/.test(text)) return 'refused';
  return undefined;
}

/**
 * "Cannot reach WHERE: CHECK." for a name that does not resolve, "Nothing answers at WHERE: ..."
 * for a refused connection, undefined for anything else.
 */
export function explainNetworkFailure(error: unknown, where: string, check: string): string | undefined {
  switch (networkFailureOf(error)) {
    case 'unresolved':
      return `Cannot reach ${where}: ${check}.`;
    case 'refused':
      return `Nothing answers at ${where}: ${firstLine(String((error as { message?: unknown }).message ?? error))}`;
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
