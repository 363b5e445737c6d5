// What a Google Cloud client failure means for the user, written once for Vertex AI, Artifact
// Registry and Cloud Storage, and the one shape their clients' failures are read into.

const NO_ADC = /Could not load the default credentials|Unable to detect a Project Id/;

/** The fix when Application Default Credentials were not found; undefined for other errors. */
export function explainMissingGoogleCredentials(error: unknown, alsoTry?: string): string | undefined {
  if (!NO_ADC.test(String((error as { message?: unknown })?.message ?? error))) return undefined;
  const fixes = [
    'run "gcloud auth application-default login"',
    'set GOOGLE_APPLICATION_CREDENTIALS',
    ...(alsoTry ? [alsoTry] : []),
  ];
  const last = fixes.pop()!;
  return `No Google Cloud credentials found: ${fixes.join(', ')}${fixes.length > 1 ? ',' : ''} or ${last}.`;
}

/** A Google API failure in one shape, whichever layer raised it. */
export interface GoogleApiFailure {
  /** google.rpc status name, e.g. PERMISSION_DENIED; undefined for transport failures. */
  readonly status?: string;
  readonly message: string;
  /** The ErrorInfo reason when the service gave one, e.g. SERVICE_DISABLED. */
  readonly reason?: string;
}

const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

interface GoogleErrorBody {
  error?: { message?: string; status?: string; details?: { reason?: string }[] };
}

/**
 * The REST transport reports errors two ways: the auth layer throws an HTTP error whose body is
 * the service's google.rpc JSON (for 401 and 403, which it intercepts), and the decoder throws a
 * GoogleError carrying a gRPC code. Both become one shape here.
 */
export function googleApiFailure(error: unknown): GoogleApiFailure {
  const e = error as Error & {
    code?: unknown;
    reason?: string;
    response?: { data?: unknown };
    statusDetails?: { reason?: string }[];
  };
  const body = parseBody(e.response?.data) ?? parseBody(e.message);
  if (body?.error) {
    const reason = body.error.details?.find((d) => d.reason)?.reason;
    return {
      ...(body.error.status ? { status: body.error.status } : {}),
      message: body.error.message ?? e.message,
      ...(reason ? { reason } : {}),
    };
  }
  const status = typeof e.code === 'number' ? GRPC_STATUS_NAMES[e.code] : undefined;
  const reason = e.reason ?? e.statusDetails?.find((d) => d.reason)?.reason;
  return { ...(status ? { status } : {}), message: e.message, ...(reason ? { reason } : {}) };
}

function parseBody(data: unknown): GoogleErrorBody | undefined {
  if (data && typeof data === 'object') return data as GoogleErrorBody;
  if (typeof data !== 'string' || !data.startsWith('{')) return undefined;
  try {
    return JSON.parse(data) as GoogleErrorBody;
  } catch {
    return undefined;
  }
}
