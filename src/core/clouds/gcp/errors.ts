// What a Google Cloud client failure means for the user, written once for Vertex AI, Artifact
// Registry and Cloud Storage.

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
