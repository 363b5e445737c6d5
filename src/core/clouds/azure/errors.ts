// What an Azure client failure means for the user, written once for Azure ML, ACR and Blob Storage.

/** Raised by @azure/identity when no credential in the chain could even try. */
export function isMissingAzureCredential(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError';
}

/** "No Azure credentials found: run "az login", or ALTERNATIVE." */
export function noAzureCredentials(alternative: string): string {
  return `No Azure credentials found: run "az login", or ${alternative}.`;
}
