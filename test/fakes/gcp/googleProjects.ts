// The Google Cloud projects the Google fakes know: an id, the number Google names resources by
// (Vertex writes projects/NUMBER/... in the names it returns, whichever the request used), whether
// the API is enabled, and IAM grants by principal.
import { createHash } from 'node:crypto';
import { type GoogleReply, errorInfo, googleError } from './googleErrors';

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

export interface ProjectCheck {
  readonly principal: string;
  readonly permission: string;
  /** The API's service name and title, e.g. aiplatform.googleapis.com, "Vertex AI API". */
  readonly api: { readonly service: string; readonly title: string };
  /** The resource the permission is checked on, as the API names it in its refusal. */
  readonly resource: string;
}

/**
 * Google's refusal when the caller lacks the permission in the project or the API is off there,
 * or undefined. A project that does not exist gets the same answer as a missing permission, as
 * Google gives it (by design: it tells nothing about other people's projects).
 */
export function refuseInProject(project: FakeGoogleProject | undefined, check: ProjectCheck): GoogleReply | undefined {
  const { permission, resource, api } = check;
  if (!project || !(project.grants[check.principal] ?? []).includes(permission)) {
    return googleError(
      'PERMISSION_DENIED',
      `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`,
      [errorInfo('IAM_PERMISSION_DENIED', api.service, { permission, resource })],
    );
  }
  if (!project.apiEnabled) {
    return googleError(
      'PERMISSION_DENIED',
      `${api.title} has not been used in project ${project.id} before or it is disabled. Enable it by visiting the API library, then retry.`,
      [
        errorInfo('SERVICE_DISABLED', 'googleapis.com', {
          service: api.service,
          consumer: `projects/${projectNumberOf(project)}`,
        }),
      ],
    );
  }
  return undefined;
}
