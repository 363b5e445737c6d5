// What discovery finds in one Python file. Positions are zero-based lines and UTF-16 columns,
// the same units VS Code uses, so the extension maps them without conversion.

export interface SourcePosition {
  readonly line: number;
  readonly character: number;
}

export interface SourceRange {
  readonly start: SourcePosition;
  readonly end: SourcePosition;
}

/** A Python literal as far as it could be evaluated statically; anything else keeps its source. */
export type LiteralValue =
  | string
  | number
  | boolean
  | null
  | readonly LiteralValue[]
  | { readonly [key: string]: LiteralValue }
  | { readonly $expression: string };

export interface StepParameter {
  readonly name: string;
  /** Annotation source text, e.g. "List[Dict[str, float]]". */
  readonly annotation?: string;
  /** Default value source text, e.g. "300" or "str(DATA)". */
  readonly defaultValue?: string;
  /** The default's value when it is a literal (else `{ $expression }`), evaluated by the parser. */
  readonly defaultLiteral?: LiteralValue;
  readonly kind: 'positional' | 'keyword-only' | 'var-positional' | 'var-keyword';
}

/**
 * Which step operator a step asks for:
 *  - none:    plain `@step`; runs on the orchestrator, or on a step operator the user picks;
 *  - stack:   `step_operator=True`, the active stack's (single) step operator;
 *  - named:   `step_operator="name"` (or the 0.6-era `custom_step_operator="name"`);
 *  - dynamic: an expression discovery cannot evaluate (a variable, a call).
 */
export type OperatorReference =
  | { readonly kind: 'none' }
  | { readonly kind: 'stack' }
  | { readonly kind: 'named'; readonly name: string; readonly legacy: boolean }
  | { readonly kind: 'dynamic'; readonly expression: string };

/** One `settings={"step_operator[.flavor]": ...}` entry. */
export interface StepOperatorSettings {
  /** The flavor after the dot ("sagemaker" in "step_operator.sagemaker"), when given. */
  readonly flavor?: string;
  /** Keyword arguments of a `XStepOperatorSettings(...)` call, or the dict's entries. */
  readonly values: { readonly [key: string]: LiteralValue };
  /** The settings class when the value is a call, e.g. "SagemakerStepOperatorSettings". */
  readonly settingsClass?: string;
  readonly range: SourceRange;
}

export interface DiscoveredStep {
  readonly name: string;
  readonly nameRange: SourceRange;
  readonly decoratorRange: SourceRange;
  /** From the first decorator to the end of the body. */
  readonly definitionRange: SourceRange;
  readonly isAsync: boolean;
  readonly parameters: readonly StepParameter[];
  readonly returnAnnotation?: string;
  readonly operator: OperatorReference;
  readonly operatorSettings: readonly StepOperatorSettings[];
  /** Every keyword argument of the decorator call, evaluated where literal. */
  readonly decoratorArguments: { readonly [key: string]: LiteralValue };
  readonly docstring?: string;
}

/** An argument of a step call inside a pipeline, and where its value comes from. */
export interface StepCallInput {
  /** Parameter name for keyword arguments, position for positional ones. */
  readonly parameter: string | number;
  /** Source text of the argument. */
  readonly expression: string;
  /** Its value when it is a literal (else `{ $expression }`), evaluated by the parser. */
  readonly value: LiteralValue;
  /** When the argument is (an output of) an earlier step call in the same pipeline. */
  readonly fromCall?: { readonly index: number; readonly output?: number };
  /** When the argument is one of the pipeline's own parameters. */
  readonly fromPipelineParameter?: string;
}

export interface StepCall {
  /** Name called, as written (after import aliasing it is the local name). */
  readonly callee: string;
  readonly range: SourceRange;
  /** Names bound to the call's result (`a, b = step()` gives ["a", "b"]). */
  readonly outputs: readonly string[];
  readonly inputs: readonly StepCallInput[];
  /** Whether the callee is a step defined in, or imported into, this file. */
  readonly resolved?:
    { readonly kind: 'local' } | { readonly kind: 'imported'; readonly module: string; readonly name: string };
}

/** The step a call runs, by its own name (an imported step may be called through an alias). */
export function calledStepName(call: StepCall): string {
  return call.resolved?.kind === 'imported' ? call.resolved.name : call.callee;
}

export interface DiscoveredPipeline {
  readonly name: string;
  readonly nameRange: SourceRange;
  readonly decoratorRange: SourceRange;
  readonly definitionRange: SourceRange;
  readonly parameters: readonly StepParameter[];
  /** Step calls in source order. */
  readonly calls: readonly StepCall[];
}

export interface SyntaxProblem {
  readonly range: SourceRange;
  readonly message: string;
}

export interface PythonFileModel {
  readonly steps: readonly DiscoveredStep[];
  readonly pipelines: readonly DiscoveredPipeline[];
  /** Parse errors; discovery still reports every step that parsed. */
  readonly syntaxProblems: readonly SyntaxProblem[];
}
