// SageMaker caps a training job's Environment: at most 100 variables, each value at most 512
// characters. Longer values are split into numbered parts (NAME__STEPOPS_PART_0, _1, ...) that
// the stepops runtime joins back into NAME before the step starts, as ZenML does for its own
// long variables. What chunking cannot carry is refused before anything is submitted.

export const MAX_VALUE_LENGTH = 512;
export const MAX_VARIABLES = 100;
const KEY = /^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$/;
/** The suffix the runtime looks for (runtime/stepops_runtime/environment.py). */
export const PART_SUFFIX = '__STEPOPS_PART_';

export function chunkEnvironment(environment: Readonly<Record<string, string>>): Record<string, string> {
  const chunked: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) {
    if (!KEY.test(key)) {
      throw new Error(
        `Environment variable "${key}" is not a name SageMaker accepts (letters, digits and "_", not starting with a digit).`,
      );
    }
    if (value.length <= MAX_VALUE_LENGTH) {
      chunked[key] = value;
      continue;
    }
    for (let part = 0; part * MAX_VALUE_LENGTH < value.length; part++) {
      chunked[`${key}${PART_SUFFIX}${part}`] = value.slice(part * MAX_VALUE_LENGTH, (part + 1) * MAX_VALUE_LENGTH);
    }
  }
  const count = Object.keys(chunked).length;
  if (count > MAX_VARIABLES) {
    throw new Error(
      `The job's environment needs ${count} variables once long values are split into ${MAX_VALUE_LENGTH}-character parts; ` +
        `SageMaker takes at most ${MAX_VARIABLES}. Pass large values as step parameters or files instead.`,
    );
  }
  return chunked;
}
