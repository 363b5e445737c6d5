// What a Blob Storage failure means, for the connection check and the store client alike.
import { explainNetworkFailure, firstLine } from '../../shared/networkErrors';
import { isMissingAzureCredential, noAzureCredentials } from '../errors';

/**
 * `where` names the account and container (or object); `role` is what a denied identity needs,
 * e.g. "Storage Blob Data Reader".
 */
export function explainBlobError(error: Error & { code?: string; statusCode?: number }, where: string, role: string) {
  const detail = firstLine(error.message);
  // A bad signature is AuthenticationFailed on Azure and AuthorizationFailure on Azurite; both say
  // the server "failed to authenticate the request".
  const code = /failed to authenticate the request/i.test(error.message) ? 'AuthenticationFailed' : error.code;
  switch (code) {
    case 'ContainerNotFound':
      return `The container of ${where} does not exist: create it, or fix the path.`;
    case 'AuthenticationFailed':
      return `Azure Storage rejected the credentials for ${where}: check the account key or connection string.`;
    case 'AuthorizationPermissionMismatch':
    case 'AuthorizationFailure':
      return `Permission denied on ${where}: the identity needs ${role}. ${detail}`;
    case 'InvalidResourceName':
      return `Azure Storage rejected the name of ${where}: ${detail}`;
    default:
      if (isMissingAzureCredential(error)) {
        return noAzureCredentials('store an account key or connection string for the artifact store');
      }
      return (
        explainNetworkFailure(error, `the storage account of ${where}`, 'check the account name') ??
        `Azure Storage answered ${error.code ?? error.name}${error.statusCode ? ` (${error.statusCode})` : ''}: ${detail}`
      );
  }
}
