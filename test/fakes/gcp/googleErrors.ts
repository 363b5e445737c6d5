// Google's error answers for the REST fakes: the google.rpc.Status JSON body ({error: {code,
// message, status, details}}) with the HTTP status Google maps each canonical code to, and the
// detail messages the fakes attach (ErrorInfo with a reason, BadRequest with field violations).

export const CANONICAL_CODES = {
  CANCELLED: [1, 499],
  UNKNOWN: [2, 500],
  INVALID_ARGUMENT: [3, 400],
  DEADLINE_EXCEEDED: [4, 504],
  NOT_FOUND: [5, 404],
  ALREADY_EXISTS: [6, 409],
  PERMISSION_DENIED: [7, 403],
  RESOURCE_EXHAUSTED: [8, 429],
  FAILED_PRECONDITION: [9, 400],
  ABORTED: [10, 409],
  OUT_OF_RANGE: [11, 400],
  UNIMPLEMENTED: [12, 501],
  INTERNAL: [13, 500],
  UNAVAILABLE: [14, 503],
  UNAUTHENTICATED: [16, 401],
} as const;

export type CanonicalCode = keyof typeof CANONICAL_CODES;

/** An HTTP status and a JSON body. */
export type GoogleReply = [number, unknown];

export function googleError(status: CanonicalCode, message: string, details: readonly unknown[] = []): GoogleReply {
  const http = CANONICAL_CODES[status][1];
  return [http, { error: { code: http, message, status, ...(details.length ? { details } : {}) } }];
}

export const errorInfo = (reason: string, domain: string, metadata: Record<string, string> = {}) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain,
  metadata,
});

export const badRequest = (violations: readonly { field: string; description: string }[]) => ({
  '@type': 'type.googleapis.com/google.rpc.BadRequest',
  fieldViolations: violations,
});

/** The gRPC code number of a canonical status (what google.rpc.Status.code holds inside a resource). */
export const codeNumber = (status: CanonicalCode): number => CANONICAL_CODES[status][0];
