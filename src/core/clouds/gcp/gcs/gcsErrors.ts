// What a Cloud Storage failure means, for the connection check and the store client alike.
import { explainNetworkFailure, firstLine } from '../../shared/networkErrors';
import { explainMissingGoogleCredentials } from '../errors';

export interface GcsCall {
  /** The store path or object URI, e.g. gs://bucket/prefix. */
  readonly where: string;
  /** What was refused, as "the identity may not ...": "read", "write and delete objects in". */
  readonly doing: string;
  /** The IAM permissions that allow it, e.g. ['storage.objects.get']. */
  readonly needs: readonly string[];
  /** A predefined role that grants them, e.g. "Storage Object Viewer". */
  readonly role: string;
}

export function explainGcsError(error: Error & { code?: number | string }, call: GcsCall): string {
  const detail = firstLine(error.message);
  const noCredentials = explainMissingGoogleCredentials(error);
  if (noCredentials) return noCredentials;
  if (/invalid_grant|invalid_target|Error code invalid_/.test(error.message)) {
    return `Google Cloud refused to exchange the credentials for a token: ${detail}`;
  }
  switch (error.code) {
    case 401:
      return `Google Cloud Storage rejected the credentials: ${detail}`;
    case 403:
      return `Permission denied: the identity may not ${call.doing} ${call.where} (needs ${call.needs.join(' and ')}, e.g. the ${call.role} role). ${detail}`;
    case 404:
      return `The bucket of ${call.where} does not exist: create it, or fix the path.`;
    default:
      return (
        explainNetworkFailure(error, 'Google Cloud Storage', 'check the network (or STORAGE_EMULATOR_HOST)') ??
        `Google Cloud Storage answered ${String(error.code ?? error.name)}: ${detail}`
      );
  }
}
