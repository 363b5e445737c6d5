// The static DAG of a `@pipeline` body: which steps it calls, in source order, and which call's
// output feeds which input where that is evident from plain assignments
// (`rows = load()`, `model = train(rows)`, `a, b = split(rows)`).
import type { ImportedName } from './imports';
import type { StepCall, StepCallInput } from './model';
import type { SyntaxNode } from './pythonParser';
import { keywordArguments, literalValue, positionalArguments, rangeOf } from './syntax';

export interface PipelineScope {
  /** Steps defined in the same file. */
  readonly localSteps: ReadonlySet<string>;
  /** Names from-imported into the file; calls to them are candidate steps, resolved by the index. */
  readonly importedNames: ReadonlyMap<string, ImportedName>;
  readonly pipelineParameters: ReadonlySet<string>;
}

export function pipelineCalls(body: SyntaxNode | null, scope: PipelineScope): StepCall[] {
  const calls: StepCall[] = [];
  /** Variable -> the call (and output position) that last bound it. */
  const producers = new Map<string, { index: number; output?: number }>();

  const visitStatement = (statement: SyntaxNode): void => {
    if (statement.type === 'expression_statement') {
      const expression = statement.namedChildren[0];
      if (expression?.type === 'assignment') visitAssignment(expression);
      else if (expression?.type === 'call') recordCall(expression, []);
      return;
    }
    // Calls inside for/if/with/try blocks still run in order; descend into their blocks.
    for (const child of statement.namedChildren) {
      if (child && (child.type === 'block' || child.type.endsWith('_clause') || child.type.endsWith('_statement'))) {
        visitStatement(child);
      }
    }
  };

  const visitAssignment = (assignment: SyntaxNode): void => {
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (right?.type !== 'call' || !left) return;
    const outputs =
      left.type === 'identifier'
        ? [left.text]
        : left.type === 'pattern_list' || left.type === 'tuple_pattern'
          ? left.namedChildren.filter((c) => c?.type === 'identifier').map((c) => c!.text)
          : [];
    const index = recordCall(right, outputs);
    if (index === undefined) {
      for (const name of outputs) producers.delete(name);
      return;
    }
    outputs.forEach((name, position) =>
      producers.set(name, outputs.length > 1 ? { index, output: position } : { index }),
    );
  };

  const recordCall = (call: SyntaxNode, outputs: string[]): number | undefined => {
    const callee = call.childForFieldName('function');
    if (callee?.type !== 'identifier') return undefined;
    const name = callee.text;
    const imported = scope.importedNames.get(name);
    if (!scope.localSteps.has(name) && !imported) return undefined;
    const argumentList = call.childForFieldName('arguments');
    const inputs: StepCallInput[] = [
      ...positionalArguments(argumentList).map((node, position) => describeInput(position, node)),
      ...[...keywordArguments(argumentList)].map(([parameter, node]) => describeInput(parameter, node)),
    ];
    calls.push({
      callee: name,
      range: rangeOf(call),
      outputs,
      inputs,
      resolved: scope.localSteps.has(name)
        ? { kind: 'local' }
        : { kind: 'imported', module: imported!.module, name: imported!.name },
    });
    return calls.length - 1;
  };

  const describeInput = (parameter: string | number, node: SyntaxNode): StepCallInput => {
    const base = { parameter, expression: node.text, value: literalValue(node) };
    if (node.type !== 'identifier') return base;
    const producer = producers.get(node.text);
    if (producer) return { ...base, fromCall: producer };
    if (scope.pipelineParameters.has(node.text)) return { ...base, fromPipelineParameter: node.text };
    return base;
  };

  for (const statement of body?.namedChildren ?? []) if (statement) visitStatement(statement);
  return calls;
}
