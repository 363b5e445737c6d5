// Short human-readable forms of discovery results, shared by the CLI table, hovers and lenses.
import type { OperatorReference, StepParameter } from './model';

export function describeOperator(operator: OperatorReference): string {
  switch (operator.kind) {
    case 'none':
      return '-';
    case 'stack':
      return "(stack's)";
    case 'named':
      return operator.legacy ? `${operator.name} (custom_step_operator)` : operator.name;
    case 'dynamic':
      return `<${operator.expression}>`;
  }
}

export function describeParameters(parameters: readonly StepParameter[]): string {
  return parameters
    .map((p) => {
      const prefix = p.kind === 'var-positional' ? '*' : p.kind === 'var-keyword' ? '**' : '';
      return `${prefix}${p.name}${p.defaultValue !== undefined ? `=${p.defaultValue}` : ''}`;
    })
    .join(', ');
}
