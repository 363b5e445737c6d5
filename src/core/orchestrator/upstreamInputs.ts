// A single step run still needs its inputs. Parameters with defaults take them; a parameter a
// pipeline feeds from another step's output takes that step's latest successful output; what
// is left has to be asked for.
import { type DiscoveredStep, calledStepName } from '../python/model';
import type { LocatedPipeline } from '../python/stepIndex';
import { type RunRecord, outputUri } from '../runs/runRecord';

export interface ResolvedInputs {
  /** Parameter -> URI of an upstream output folder, in the store its run used. */
  readonly inputs: Record<string, string>;
  /** Where each input came from, for the log: "rows <- load_customers (run ID, output)". */
  readonly sources: string[];
  /** Parameters without a default or an upstream output; `upstream` names the step to run first. */
  readonly missing: { readonly parameter: string; readonly annotation?: string; readonly upstream?: string }[];
}

export function resolveUpstreamInputs(
  step: DiscoveredStep,
  pipelines: readonly LocatedPipeline[],
  runs: readonly RunRecord[],
  artifactRoot: string,
  given: Readonly<Record<string, unknown>> = {},
): ResolvedInputs {
  const inputs: Record<string, string> = {};
  const sources: string[] = [];
  const missing: ResolvedInputs['missing'] = [];
  const positional = step.parameters.filter((p) => p.kind === 'positional');
  for (const parameter of step.parameters) {
    if (parameter.defaultValue !== undefined || parameter.kind.startsWith('var-') || parameter.name in given) continue;
    const upstream = upstreamOf(step.name, parameter.name, positional.indexOf(parameter), pipelines);
    const latest =
      upstream && runs.find((r) => r.step.name === upstream.callee && r.state === 'succeeded' && r.outputs);
    const outputName = upstream?.output === undefined ? 'output' : `output_${upstream.output}`;
    if (latest && latest.outputs?.[outputName]) {
      inputs[parameter.name] = outputUri(latest, outputName, artifactRoot);
      sources.push(`${parameter.name} <- ${upstream.callee} (run ${latest.id}, ${outputName})`);
    } else {
      missing.push({
        parameter: parameter.name,
        ...(parameter.annotation ? { annotation: parameter.annotation } : {}),
        ...(upstream ? { upstream: upstream.callee } : {}),
      });
    }
  }
  return { inputs, sources, missing };
}

function upstreamOf(
  stepName: string,
  parameter: string,
  position: number,
  pipelines: readonly LocatedPipeline[],
): { callee: string; output?: number } | undefined {
  for (const { pipeline } of pipelines) {
    for (const call of pipeline.calls) {
      const calledName = calledStepName(call);
      if (calledName !== stepName) continue;
      const input = call.inputs.find((i) => i.parameter === parameter || i.parameter === position);
      if (!input?.fromCall) continue;
      const producer = pipeline.calls[input.fromCall.index];
      if (!producer) continue;
      const producerName = calledStepName(producer);
      return {
        callee: producerName,
        ...(input.fromCall.output !== undefined ? { output: input.fromCall.output } : {}),
      };
    }
  }
  return undefined;
}
