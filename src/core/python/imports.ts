// Which local names mean ZenML's `step` and `pipeline` decorators in a file, and where every
// other from-imported name comes from. A decorator named `step` that was not imported from zenml
// is not a ZenML step.
import type { SyntaxNode } from './pythonParser';
import { dottedName, moduleLevelStatements } from './syntax';

export type DecoratorKind = 'step' | 'pipeline';

/** Modules that export the decorators, across ZenML versions (0.x `zenml.steps`, 0.40+ `zenml`). */
const DECORATOR_MODULES: Record<DecoratorKind, readonly string[]> = {
  step: ['zenml', 'zenml.steps', 'zenml.new.steps.step_decorator', 'zenml.steps.step_decorator'],
  pipeline: [
    'zenml',
    'zenml.pipelines',
    'zenml.new.pipelines.pipeline_decorator',
    'zenml.pipelines.pipeline_decorator',
  ],
};

export interface ImportedName {
  readonly module: string;
  readonly name: string;
}

export interface ZenmlBindings {
  /** Dotted names that denote a decorator kind, e.g. "step", "zstep", "zenml.step", "zm.steps.step". */
  readonly decorators: ReadonlyMap<string, DecoratorKind>;
  /** Local name -> what a `from M import N [as local]` bound it to. */
  readonly importedNames: ReadonlyMap<string, ImportedName>;
}

export function zenmlBindings(root: SyntaxNode): ZenmlBindings {
  return zenmlBindingsOf(moduleLevelStatements(root));
}

/** The module-level statements that bind names: import statements, in any number of chunks. */
export function isImport(statement: SyntaxNode): boolean {
  return statement.type === 'import_statement' || statement.type === 'import_from_statement';
}

/** The bindings made by a file's module-level statements, given in source order (others are skipped). */
export function zenmlBindingsOf(statements: Iterable<SyntaxNode>): ZenmlBindings {
  const decorators = new Map<string, DecoratorKind>();
  const importedNames = new Map<string, ImportedName>();

  for (const statement of statements) {
    if (statement.type === 'import_statement') {
      // `import zenml` binds "zenml", so "zenml.step" and "zenml.steps.step" resolve through it;
      // `import zenml as zm` binds "zm", through which "zm.step" and "zm.steps.step" resolve.
      for (const child of statement.namedChildren) {
        if (!child) continue;
        const { module, local } = importTarget(child);
        if (!module || !local) continue;
        const boundModule = child.type === 'aliased_import' ? module : module.split('.')[0]!;
        for (const [kind, sources] of decoratorSources()) {
          for (const source of sources) {
            if (source === boundModule || source.startsWith(`${boundModule}.`)) {
              decorators.set(
                `${local === module ? boundModule : local}${source.slice(boundModule.length)}.${kind}`,
                kind,
              );
            }
          }
        }
      }
    } else if (statement.type === 'import_from_statement') {
      const moduleNode = statement.childForFieldName('module_name');
      if (!moduleNode) continue;
      const module = moduleNode.text;
      for (const child of statement.childrenForFieldName('name')) {
        if (!child) continue;
        const { module: name, local } = importTarget(child);
        if (!name || !local) continue;
        importedNames.set(local, { module, name });
        const kind = (Object.keys(DECORATOR_MODULES) as DecoratorKind[]).find(
          (k) => k === name && DECORATOR_MODULES[k].includes(module),
        );
        if (kind) decorators.set(local, kind);
        else decorators.delete(local); // rebinding a name shadows an earlier zenml import
      }
    }
  }
  return { decorators, importedNames };
}

function decoratorSources(): [DecoratorKind, readonly string[]][] {
  return Object.entries(DECORATOR_MODULES) as [DecoratorKind, readonly string[]][];
}

function importTarget(node: SyntaxNode): { module?: string; local?: string } {
  if (node.type === 'dotted_name') return { module: node.text, local: node.text };
  if (node.type === 'aliased_import') {
    const name = node.childForFieldName('name');
    const alias = node.childForFieldName('alias');
    return { module: name?.text, local: alias?.text };
  }
  return {};
}

/** What kind of ZenML decorator a decorator expression is (the callee for `@step(...)`). */
export function decoratorKind(bindings: ZenmlBindings, callee: SyntaxNode): DecoratorKind | undefined {
  const name = dottedName(callee);
  return name === undefined ? undefined : bindings.decorators.get(name);
}
