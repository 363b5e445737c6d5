// What every write of the Azure ML emulator checks first, as Azure ML does: the resource's name
// against its URL parameter's pattern in the client package's model, then the body: JSON, and
// valid for the model's class (every violation named at once).
import { mlError, validationFailed } from './mlErrors';
import type { MachineLearningModel } from './mlModel';
import { validateBody } from './mlModelWalk';
import type { ArmReply } from './resourceManager';

/** Azure ML's refusal of a name the URL parameter's pattern ("id1", "name1") does not take. */
export function refuseName(
  model: MachineLearningModel,
  parameter: string,
  what: string,
  name: string,
): ArmReply | undefined {
  const pattern = model.parameter(parameter).constraints?.Pattern;
  if (!pattern || pattern.test(name)) return undefined;
  return mlError(400, 'UserError', `The ${what} name '${name}' is not valid: it must match ${pattern.source}.`, [
    {
      code: 'InvalidValue',
      message: `must match ${pattern.source}`,
      target: model.parameter(parameter).serializedName,
    },
  ]);
}

/** The body, when it is JSON and valid for the class; else the refusal (`example` shows what to send). */
export function readBody(
  model: MachineLearningModel,
  body: string,
  className: string,
  what: string,
  example: string,
): { readonly value: Record<string, unknown> } | ArmReply {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return mlError(400, 'UserError', `The request body is not JSON: send a ${className} (${example}).`);
  }
  const violations = validateBody(model, className, value);
  if (violations.length > 0) return validationFailed(what, violations);
  return { value: value as Record<string, unknown> };
}
