// What a Google Cloud client failure means for the user, written once for Vertex AI, Artifact
// Registry and Cloud Storage, and the one shape their clients' failures are read into.
import { explainNetworkFailure, isDroppedConnection } from '../shared/networkErrors';

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

/** One call to a Google API, as a failure of it is explained. */
export interface GoogleCall {
  /** The service as users know it: "Vertex AI", "Cloud Logging". */
  readonly service: string;
  /** The API to enable, e.g. aiplatform.googleapis.com. */
  readonly api: string;
  readonly project: string;
  /** What was refused, as "the identity may not ...": "create custom jobs in P/REGION". */
  readonly doing: string;
  /** The IAM permission that allows it, e.g. aiplatform.customJobs.create. */
  readonly permission: string;
  /** A predefined role that grants it, e.g. roles/aiplatform.user. */
  readonly role: string;
  /** What an INVALID_ARGUMENT or NOT_FOUND answer means for this call; default: the service's words. */
  readonly invalid?: string;
  /** The region of a regional endpoint, named when it cannot be reached. */
  readonly region?: string;
  /** What to check when the endpoint cannot be reached: "the region name (or the API endpoint)". */
  readonly endpointFrom?: string;
}

/** What a failed Google API call means and what to run about it. */
export function explainGoogleCallError(error: unknown, call: GoogleCall): string {
  const failure = googleApiFailure(error);
  const detail = failure.message;
  const noCredentials = explainMissingGoogleCredentials(detail, "set the operator's service account key file");
  if (noCredentials) return noCredentials;
  if ((error as { code?: unknown }).code === 'ENOENT') return `The service account key file cannot be read: ${detail}`;
  switch (failure.status) {
    case 'UNAUTHENTICATED':
      return `Google Cloud rejected the credentials (expired, revoked or not a key Google knows): ${sentence(detail)} Run "gcloud auth application-default login" again, or check the key file.`;
    case 'PERMISSION_DENIED':
      if (failure.reason === 'SERVICE_DISABLED') {
        return `The ${call.service} API is not enabled in project ${call.project}: run "gcloud services enable ${call.api} --project ${call.project}", then try again. ${detail}`;
      }
      return `Permission denied: the identity may not ${call.doing} (needs ${call.permission}, e.g. the role ${call.role}: "gcloud projects add-iam-policy-binding ${call.project} --member=MEMBER --role=${call.role}"), or the project does not exist. ${detail}`;
    case 'RESOURCE_EXHAUSTED':
      return `${call.service} refused the call for a quota in project ${call.project}: ${sentence(detail)} Wait and try again, or ask for more quota (IAM & Admin > Quotas).`;
    case 'INVALID_ARGUMENT':
    case 'NOT_FOUND':
    case 'FAILED_PRECONDITION':
      return call.invalid ? `${call.invalid} ${detail}` : `${call.service} refused the call: ${detail}`;
    default:
      return (
        explainNetworkFailure(
          detail,
          call.region ? `${call.service} in region "${call.region}"` : call.service,
          `check ${call.endpointFrom ?? 'the network'}`,
        ) ?? `${call.service} answered ${failure.status ?? 'an error'}: ${detail}`
      );
  }
}

/** The service's words ending in one full stop, for a message that goes on after them. */
function sentence(text: string): string {
  return `${text.trim().replace(/[.\s]+$/, '')}.`;
}

const RETRYABLE_STATUSES = new Set(['RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'INTERNAL', 'DEADLINE_EXCEEDED', 'ABORTED']);

/** Throttling, a 5xx or a dropped connection: the same call is worth making again after a pause. */
export function isRetryableGoogleError(error: unknown): boolean {
  const status = googleApiFailure(error).status;
  const httpStatus = Number((error as { response?: { status?: unknown } })?.response?.status ?? 0);
  return (
    (status !== undefined && RETRYABLE_STATUSES.has(status)) ||
    httpStatus === 429 ||
    httpStatus >= 500 ||
    isDroppedConnection(error)
  );
}
