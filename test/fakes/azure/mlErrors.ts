// How the Azure ML emulator words a refusal: Resource Manager's error shape, as the package's
// ErrorResponse mapper reads it ({error: {code, message, target, details, additionalInfo}}), and
// run history's (RunHistoryErrorResponse: the error plus where and when), as a job's failure and
// the data plane's refusals come back.
import { randomUUID } from 'node:crypto';
import type { ArmReply } from './resourceManager';

export interface ErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

/** A Resource Manager error answer; `details` name each broken property. */
export function mlError(
  status: number,
  code: string,
  message: string,
  details: readonly ErrorDetail[] = [],
  headers?: Record<string, string>,
): ArmReply {
  return {
    status,
    body: { error: { code, message, details: details.map((d) => ({ ...d, details: [] })), additionalInfo: [] } },
    headers: { 'x-ms-request-id': randomUUID(), ...headers },
  };
}

/** Azure ML's answer to a request that is valid JSON but not a valid job (or environment): one error, every problem. */
export function validationFailed(what: string, details: readonly ErrorDetail[]): ArmReply {
  const lines = details.map((d) => `${d.target ?? what}: ${d.message}`);
  return mlError(400, 'UserError', `The ${what} is not valid: ${lines.join(' ')}`, details);
}

/** run history's error, as RunDetails.error carries a job's failure. */
export interface RunError {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

export function runHistoryError(error: RunError, location: string): Record<string, unknown> {
  return {
    error: {
      code: error.code,
      severity: null,
      message: error.message,
      messageFormat: null,
      messageParameters: {},
      referenceCode: null,
      detailsUri: null,
      target: error.target ?? null,
      details: [],
      innerError: null,
      debugInfo: null,
      additionalInfo: null,
    },
    correlation: { operation: randomUUID().replace(/-/g, ''), request: randomUUID().replace(/-/g, '').slice(0, 16) },
    environment: location,
    location,
    time: new Date().toISOString(),
    componentName: 'run-history',
  };
}
