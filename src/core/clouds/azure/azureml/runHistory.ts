// Azure ML's run history, the data plane beside Resource Manager that knows what the job resource
// does not say at api-version 2022-10-01: when the job started and ended, its error details, and
// its log files (each a read-only SAS URL to a blob in the workspace's storage account). Reached
// as the Azure CLI and azure-ai-ml reach it: the workspace's discoveryUrl names the regional
// service, and runs/{job name}/details is read there with the same token as Resource Manager.
import type { TokenCredential } from '@azure/identity';
import { Backoff, retrying } from '../../../operators/polling';
import { type HttpAnswer, httpCall } from '../../shared/httpCall';
import { isRetryableAzureCall } from '../errors';

/** The parts of RunDetails stepops reads (the service sends camelCase JSON). */
export interface RunDetails {
  readonly runId: string;
  readonly status?: string;
  readonly target?: string;
  readonly startTimeUtc?: string | null;
  readonly endTimeUtc?: string | null;
  /** Log file name ("user_logs/std_log.txt") -> a SAS URL to read it. */
  readonly logFiles?: Readonly<Record<string, string>> | null;
  readonly error?: RunError | null;
}

export interface RunError {
  readonly error?: {
    readonly code?: string;
    readonly message?: string;
    readonly details?: readonly { readonly code?: string; readonly message?: string }[];
  };
  readonly time?: string;
}

/** A failed data-plane call: the HTTP status and the service's own error code and words. */
export class RunHistoryError extends Error {
  override name = 'RunHistoryError';
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface RunHistoryTarget {
  /** ARM id of the workspace: /subscriptions/S/resourceGroups/G/providers/Microsoft.MachineLearningServices/workspaces/W */
  readonly workspaceId: string;
  /** The workspace's properties.discoveryUrl. */
  readonly discoveryUrl: string;
  /** The Resource Manager scope, whose token the run history takes too. */
  readonly scope: string;
}

export class RunHistory {
  private api?: Promise<string>;
  private token?: { readonly value: string; readonly refreshAt: number };

  constructor(
    private readonly target: RunHistoryTarget,
    private readonly credential: TokenCredential,
    private readonly backoff = new Backoff(500),
  ) {}

  /** The run's details; undefined while the service does not know the run yet (404). */
  async details(jobName: string, signal?: AbortSignal): Promise<RunDetails | undefined> {
    const api = await this.apiBase(signal);
    const url = `${api}/history/v1.0${this.target.workspaceId}/runs/${encodeURIComponent(jobName)}/details`;
    try {
      return await retrying(() => this.getJson<RunDetails>(url, signal), this.backoff, isRetryableAzureCall, signal);
    } catch (error) {
      if (error instanceof RunHistoryError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** The regional service's base URL, from the discovery document (asked once). */
  private apiBase(signal?: AbortSignal): Promise<string> {
    this.api ??= retrying(
      async () => {
        const response = await httpCall(this.target.discoveryUrl, { ...(signal ? { signal } : {}) });
        if (!response.ok) throw failureOf(response, 'Azure ML discovery');
        const services = response.json() as { api?: string; history?: string };
        const base = services.history ?? services.api;
        if (!base) throw new Error(`Azure ML discovery at ${this.target.discoveryUrl} names no run history service.`);
        return base.replace(/\/+$/, '');
      },
      this.backoff,
      isRetryableAzureCall,
      signal,
    ).catch((error: unknown) => {
      this.api = undefined; // ask again next time rather than keep a failure
      throw error;
    });
    return this.api;
  }

  private async getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
    const response = await httpCall(url, {
      headers: { authorization: `Bearer ${await this.bearer()}`, accept: 'application/json' },
      ...(signal ? { signal } : {}),
    });
    if (!response.ok) throw failureOf(response, 'Azure ML run history');
    return response.json() as T;
  }

  /** A token for the Resource Manager scope, reused until five minutes before it expires. */
  private async bearer(): Promise<string> {
    if (this.token && Date.now() < this.token.refreshAt) return this.token.value;
    const issued = await this.credential.getToken(this.target.scope);
    if (!issued) throw new Error('Microsoft Entra ID issued no token for Azure ML run history.');
    this.token = { value: issued.token, refreshAt: issued.expiresOnTimestamp - 5 * 60_000 };
    return issued.token;
  }
}

function failureOf(response: HttpAnswer, service: string): RunHistoryError {
  const text = response.text();
  let code: string | undefined;
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = body.error?.code;
    message = body.error?.message ?? message;
  } catch {
    // not JSON: keep the text
  }
  return new RunHistoryError(
    `${service} answered ${response.status}${code ? ` ${code}` : ''}: ${message || response.statusText}`,
    response.status,
    code,
  );
}
