// The Google Cloud projects the Google fakes know: an id, the number Google names resources by
// (Vertex writes projects/NUMBER/... in the names it returns, whichever the request used), whether
// the API is enabled, and IAM grants by principal.
import { createHash } from 'node:crypto';

export interface FakeGoogleProject {
  readonly id: string;
  /** The project number (default: one derived from the id, the same every time). */
  readonly number?: string;
  readonly apiEnabled: boolean;
  /** IAM: permissions granted to each principal (a service account's email or a principal://... URI), e.g. "aiplatform.customJobs.list". */
  readonly grants: Readonly<Record<string, readonly string[]>>;
}

/** The project's number: the one given, else 12 digits derived from its id. */
export function projectNumberOf(project: FakeGoogleProject): string {
  if (project.number) return project.number;
  const hash = createHash('sha256').update(project.id).digest();
  return String(100_000_000_000n + (hash.readBigUInt64BE(0) % 900_000_000_000n));
}
