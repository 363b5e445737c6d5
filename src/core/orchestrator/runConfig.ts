// Parameters from a ZenML run configuration file (the YAML `pipeline.with_options(config_path=...)`
// takes):
//
//   parameters:            # pipeline-level, used by steps that take a parameter of that name
//     epochs: 20
//   steps:
//     train_model:
//       parameters:
//         learning_rate: 0.1
//
// Step-level values win over pipeline-level ones; anything else in the file is ZenML's business.
import { loadYaml } from '../stacks/loadYaml';

export async function parametersFromRunConfig(
  text: string,
  stepName: string,
  stepParameterNames: readonly string[],
): Promise<Record<string, unknown>> {
  const { parse } = await loadYaml();
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new Error(`The run configuration is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error('The run configuration must be a YAML mapping.');
  const config = data as { parameters?: unknown; steps?: Record<string, { parameters?: unknown } | undefined> };
  const result: Record<string, unknown> = {};
  if (isMapping(config.parameters)) {
    for (const [name, value] of Object.entries(config.parameters))
      if (stepParameterNames.includes(name)) result[name] = value;
  }
  const own = config.steps?.[stepName]?.parameters;
  if (own !== undefined && !isMapping(own))
    throw new Error(`steps.${stepName}.parameters must be a mapping of names to values.`);
  Object.assign(result, own ?? {});
  return result;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
