import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { discoverPythonSource } from '../../src/core/python/discovery';
import type { DiscoveredStep, PythonFileModel } from '../../src/core/python/model';
import { type PythonParser, loadPythonParser } from '../../src/core/python/pythonParser';

let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser();
});

const discover = (source: string): PythonFileModel => discoverPythonSource(parser, source);
const stepNames = (source: string): string[] => discover(source).steps.map((s) => s.name);
const onlyStep = (source: string): DiscoveredStep => {
  const { steps } = discover(source);
  assert.equal(steps.length, 1, `expected one step, found ${steps.map((s) => s.name).join(', ') || 'none'}`);
  return steps[0]!;
};

describe('decorator forms', () => {
  test('bare @step and @step() are steps with no operator', () => {
    const model = discover(`from zenml import step

@step
def a() -> int:
    return 1

@step()
def b():
    pass
`);
    assert.deepEqual(
      model.steps.map((s) => [s.name, s.operator.kind]),
      [
        ['a', 'none'],
        ['b', 'none'],
      ],
    );
    assert.equal(model.steps[0]!.returnAnnotation, 'int');
  });

  test('step_operator by name, True for the stack operator, and the legacy custom_step_operator', () => {
    const model = discover(`from zenml import step

@step(step_operator="sagemaker")
def named(): ...

@step(step_operator=True)
def from_stack(): ...

@step(custom_step_operator='vertex')
def legacy(): ...

@step(step_operator=OPERATOR_NAME)
def dynamic(): ...

@step(step_operator=None)
def explicit_none(): ...
`);
    assert.deepEqual(
      model.steps.map((s) => [s.name, s.operator]),
      [
        ['named', { kind: 'named', name: 'sagemaker', legacy: false }],
        ['from_stack', { kind: 'stack' }],
        ['legacy', { kind: 'named', name: 'vertex', legacy: true }],
        ['dynamic', { kind: 'dynamic', expression: 'OPERATOR_NAME' }],
        ['explicit_none', { kind: 'none' }],
      ],
    );
  });

  test('a multi-line decorator call with settings for a flavor', () => {
    const step = onlyStep(`from zenml import step
from zenml.integrations.aws.flavors.sagemaker_step_operator_flavor import SagemakerStepOperatorSettings

@step(
    step_operator="sagemaker",  # the GPU one
    enable_cache=False,
    settings={
        "step_operator.sagemaker": SagemakerStepOperatorSettings(
            instance_type="ml.p3.2xlarge",
            estimator_args={"max_run": 3600, "volume_size": 50},
            environment={"HF_HOME": "/tmp/hf"},
        ),
        "resources": {"cpu_count": 8},
    },
)
def train(epochs: int = 3) -> float:
    return 0.9
`);
    assert.deepEqual(step.operator, { kind: 'named', name: 'sagemaker', legacy: false });
    assert.equal(step.decoratorArguments.enable_cache, false);
    assert.equal(step.operatorSettings.length, 1);
    const settings = step.operatorSettings[0]!;
    assert.equal(settings.flavor, 'sagemaker');
    assert.equal(settings.settingsClass, 'SagemakerStepOperatorSettings');
    assert.deepEqual(settings.values, {
      instance_type: 'ml.p3.2xlarge',
      estimator_args: { max_run: 3600, volume_size: 50 },
      environment: { HF_HOME: '/tmp/hf' },
    });
    assert.deepEqual(step.decoratorRange, { start: { line: 3, character: 0 }, end: { line: 14, character: 1 } });
    assert.deepEqual(step.nameRange, { start: { line: 15, character: 4 }, end: { line: 15, character: 9 } });
  });

  test('settings given as plain dicts, for Vertex and Azure ML keyword names', () => {
    const model = discover(`from zenml import step

@step(step_operator="vertex", settings={"step_operator": {"machine_type": "n1-standard-8", "accelerator_type": "NVIDIA_TESLA_T4", "accelerator_count": 1}})
def on_vertex(): ...

@step(settings={'step_operator.azureml': {'compute_name': 'gpu-cluster', 'environment': {'A': '1'}}})
def on_azure(): ...

@step(settings={"step_operator": SETTINGS})
def opaque(): ...
`);
    const [vertex, azure, opaque] = model.steps;
    assert.deepEqual(vertex!.operatorSettings[0]!.values, {
      machine_type: 'n1-standard-8',
      accelerator_type: 'NVIDIA_TESLA_T4',
      accelerator_count: 1,
    });
    assert.equal(vertex!.operatorSettings[0]!.flavor, undefined);
    assert.equal(azure!.operatorSettings[0]!.flavor, 'azureml');
    assert.deepEqual(azure!.operatorSettings[0]!.values, { compute_name: 'gpu-cluster', environment: { A: '1' } });
    assert.deepEqual(opaque!.operatorSettings[0]!.values, { $expression: 'SETTINGS' });
  });

  test('async steps, parameters of every kind and docstrings', () => {
    const step = onlyStep(`from zenml import step

@step
async def fetch(url: str, /, retries: int = 3, *args, timeout: float = 1.5, verbose, **kwargs: Any) -> bytes:
    """Downloads the thing.

    More words."""
    return b""
`);
    assert.equal(step.isAsync, true);
    assert.deepEqual(step.parameters, [
      { name: 'url', kind: 'positional', annotation: 'str' },
      { name: 'retries', kind: 'positional', annotation: 'int', defaultValue: '3', defaultLiteral: 3 },
      { name: 'args', kind: 'var-positional' },
      { name: 'timeout', kind: 'keyword-only', annotation: 'float', defaultValue: '1.5', defaultLiteral: 1.5 },
      { name: 'verbose', kind: 'keyword-only' },
      { name: 'kwargs', kind: 'var-keyword', annotation: 'Any' },
    ]);
    assert.equal(step.docstring, 'Downloads the thing.\n\n    More words.');
  });

  test('other decorators around @step do not hide it', () => {
    const step = onlyStep(`import functools
from zenml import step

@functools.lru_cache
@step(step_operator="sagemaker")
@other
def wrapped(): ...
`);
    assert.equal(step.name, 'wrapped');
    assert.equal(step.decoratorRange.start.line, 4);
    assert.equal(step.definitionRange.start.line, 3);
  });
});

describe('import forms', () => {
  test('from zenml, from zenml.steps, import zenml, aliases', () => {
    assert.deepEqual(stepNames('from zenml import step\n@step\ndef a(): ...\n'), ['a']);
    assert.deepEqual(stepNames('from zenml.steps import step\n@step\ndef a(): ...\n'), ['a']);
    assert.deepEqual(stepNames('import zenml\n@zenml.step\ndef a(): ...\n@zenml.steps.step()\ndef b(): ...\n'), [
      'a',
      'b',
    ]);
    assert.deepEqual(stepNames('import zenml as zm\n@zm.step(step_operator="x")\ndef a(): ...\n'), ['a']);
    assert.deepEqual(
      stepNames('from zenml import step as zstep\n@zstep\ndef a(): ...\n@step\ndef not_imported(): ...\n'),
      ['a'],
    );
    assert.deepEqual(stepNames('from zenml import (\n    pipeline,\n    step,\n)\n@step\ndef a(): ...\n'), ['a']);
    assert.deepEqual(
      stepNames('try:\n    from zenml import step\nexcept ImportError:\n    step = None\n@step\ndef a(): ...\n'),
      ['a'],
    );
  });

  test('a step decorator from another library, or none at all, is not a ZenML step', () => {
    assert.deepEqual(stepNames('from prefect import step\n@step\ndef a(): ...\n'), []);
    assert.deepEqual(stepNames('@step\ndef a(): ...\n'), []);
    assert.deepEqual(stepNames('import zenml\n@step\ndef a(): ...\n'), []);
    assert.deepEqual(stepNames('from zenml import step\nfrom mylib import step\n@step\ndef a(): ...\n'), []);
    assert.deepEqual(stepNames('import zenml as zm\n@zenml.step\ndef a(): ...\n'), []);
  });
});

describe('false positives', () => {
  test('strings, comments and docstrings that mention @step are not steps', () => {
    assert.deepEqual(
      stepNames(`from zenml import step

# @step
def commented(): ...

TEMPLATE = """
@step
def in_a_string(): ...
"""

def documented():
    """Use it like this:

    @step
    def example(): ...
    """
`),
      [],
    );
  });

  test('methods in classes and functions nested in functions are not steps', () => {
    assert.deepEqual(
      stepNames(`from zenml import step

class Trainer:
    @step
    def method(self): ...

def factory():
    @step
    def inner(): ...
    return inner

@step
def real(): ...
`),
      ['real'],
    );
  });

  test('a decorated class is not a step', () => {
    assert.deepEqual(stepNames('from zenml import step\n@step\nclass NotAStep: ...\n'), []);
  });
});

describe('robustness', () => {
  test('a syntax error elsewhere (an unfinished edit) keeps the steps that parse', () => {
    const model = discover(`from zenml import step

@step
def before() -> int:
    return 1

def broken(x:
    pass

@step(step_operator="sagemaker")
def after(rows: list) -> int:
    return len(rows)
`);
    assert.deepEqual(
      model.steps.map((s) => s.name),
      ['before', 'after'],
    );
    assert.ok(model.syntaxProblems.length > 0, 'reports the syntax error');
    assert.equal(model.syntaxProblems[0]!.range.start.line >= 6, true);
  });

  test('typical unfinished edits between two steps hide neither of them', () => {
    const broken = [
      'x = foo(1, 2',
      'x = "unterminated',
      'CONFIG = {"a": [1, 2,',
      '@step(step_operator="sage',
      'def half(a, b',
      'class Half(Base',
      'if x ==',
      'for i in',
      'import',
    ];
    for (const edit of broken) {
      const source = [
        'from zenml import step',
        '',
        '@step',
        'def before(): ...',
        '',
        edit,
        '',
        '@step(step_operator="sagemaker")',
        'def after(rows: list) -> int:',
        '    return len(rows)',
        '',
      ].join('\n');
      const model = discover(source);
      assert.deepEqual(
        model.steps.map((s) => s.name),
        ['before', 'after'],
        `with ${JSON.stringify(edit)} in between`,
      );
      assert.equal(model.steps[1]!.nameRange.start.line, 8);
      assert.ok(model.syntaxProblems.length > 0, `reports a problem for ${JSON.stringify(edit)}`);
    }
  });

  test('a step whose own header is being typed is reported as soon as it parses', () => {
    assert.deepEqual(stepNames('from zenml import step\n@step\ndef half(\n'), []);
    assert.deepEqual(stepNames('from zenml import step\n@step\ndef half():\n    return\n'), ['half']);
  });

  test('unicode identifiers get UTF-16 columns, the unit VS Code uses', () => {
    const step = onlyStep('from zenml import step\nx = "😀😀"; y = 1\n@step\ndef naïve_übung(): ...\n');
    assert.equal(step.name, 'naïve_übung');
    assert.deepEqual(step.nameRange, { start: { line: 3, character: 4 }, end: { line: 3, character: 15 } });
    const after = onlyStep('from zenml import step\n@step(step_operator="gpu-😀")\ndef f(): ...\n');
    assert.deepEqual(after.operator, { kind: 'named', name: 'gpu-😀', legacy: false });
    assert.deepEqual(after.decoratorRange.end, { line: 1, character: 29 });
  });

  test('an empty file, only comments, CRLF line endings', () => {
    assert.deepEqual(discover(''), { steps: [], pipelines: [], syntaxProblems: [] });
    assert.deepEqual(stepNames('# nothing\n'), []);
    const step = onlyStep('from zenml import step\r\n@step\r\ndef crlf():\r\n    pass\r\n');
    assert.deepEqual(step.nameRange.start, { line: 2, character: 4 });
  });

  test('an unclosed parenthesis near the top hides none of the steps after it, at their own lines', () => {
    const file = (assignment: string): string => {
      const lines = ['from zenml import step', 'import math', assignment, ''];
      for (let i = 0; i < 200; i++) {
        lines.push(`@step(step_operator="op${i % 3}")`, `def step_${i}(x: int = ${i}) -> int:`);
        for (let j = 0; j < 10; j++) lines.push(`    x = (x + ${j}) * 2  # (`);
        lines.push('    return x', '');
      }
      return lines.join('\n');
    };
    const broken = discover(file('x = ('));
    const clean = discover(file('x = ()'));
    assert.equal(clean.syntaxProblems.length, 0);
    assert.equal(broken.steps.length, 200);
    assert.deepEqual(broken.steps, clean.steps);
    assert.deepEqual(broken.steps[199]!.nameRange, {
      start: { line: 2791, character: 4 },
      end: { line: 2791, character: 12 },
    });
    assert.equal(broken.syntaxProblems[0]!.range.start.line, 2, 'the problem is reported where it is');
  });

  test('steps recovered from a broken stretch deep in a file keep their exact positions', () => {
    const lead: string[] = [];
    for (let i = 0; i < 50; i++) lead.push('@step', `def lead_${i}(): ...`, '');
    const tail = (edit: string): string =>
      [
        'from zenml import step',
        ...lead,
        edit,
        '',
        '@step(step_operator="sagemaker")',
        'def after(rows: list, ünï: str = "😀") -> int:',
        '    return len(rows)',
        '',
      ].join('\n');
    const clean = discover(tail('x = 1'));
    const after = clean.steps.find((s) => s.name === 'after')!;
    assert.deepEqual(after.nameRange, { start: { line: 154, character: 4 }, end: { line: 154, character: 9 } });
    // A broken decorator just above swallows `after` in tree-sitter's recovery: it comes back from
    // the re-parsed pieces with the same ranges as in the clean file.
    for (const edit of ['@step(step_operator="sage', 'CONFIG = {"a": [1, 2,', 'x = foo(1, 2']) {
      const model = discover(tail(edit));
      assert.ok(model.syntaxProblems.length > 0, edit);
      assert.deepEqual(
        model.steps.find((s) => s.name === 'after'),
        after,
        `after ${JSON.stringify(edit)}`,
      );
      assert.equal(model.steps.length, 51, edit);
    }
  });

  test('a huge file with 500 steps is found whole', () => {
    const lines = ['from zenml import step', ''];
    for (let i = 0; i < 500; i++) {
      lines.push(`@step(step_operator="op${i % 3}")`, `def step_${i}(x: int = ${i}) -> int:`);
      for (let j = 0; j < 36; j++) lines.push(`    x = x + ${j}  # padding line`);
      lines.push('    return x', '');
    }
    const model = discover(lines.join('\n'));
    assert.equal(model.steps.length, 500);
    assert.equal(model.steps[499]!.name, 'step_499');
    assert.deepEqual(model.steps[499]!.operator, { kind: 'named', name: 'op1', legacy: false });
  });
});

describe('pipelines', () => {
  test('step calls in order, with the outputs that feed later inputs', () => {
    const model = discover(`from zenml import pipeline, step
from .steps import load, split
from .other import helper

@step
def train(rows, epochs: int = 1): ...

@step
def evaluate(model, test_rows): ...

@pipeline(enable_cache=False)
def training(epochs: int = 3, run_eval: bool = True):
    rows = load()
    train_rows, test_rows = split(rows, ratio=0.8)
    model = train(train_rows, epochs=epochs)
    if run_eval:
        evaluate(model, test_rows=test_rows)
    print("not a step")
`);
    assert.equal(model.pipelines.length, 1);
    const pipeline = model.pipelines[0]!;
    assert.equal(pipeline.name, 'training');
    assert.deepEqual(
      pipeline.calls.map((c) => [c.callee, c.outputs, c.resolved]),
      [
        ['load', ['rows'], { kind: 'imported', module: '.steps', name: 'load' }],
        ['split', ['train_rows', 'test_rows'], { kind: 'imported', module: '.steps', name: 'split' }],
        ['train', ['model'], { kind: 'local' }],
        ['evaluate', [], { kind: 'local' }],
      ],
    );
    assert.deepEqual(pipeline.calls[1]!.inputs, [
      { parameter: 0, expression: 'rows', value: { $expression: 'rows' }, fromCall: { index: 0 } },
      { parameter: 'ratio', expression: '0.8', value: 0.8 },
    ]);
    assert.deepEqual(pipeline.calls[2]!.inputs, [
      {
        parameter: 0,
        expression: 'train_rows',
        value: { $expression: 'train_rows' },
        fromCall: { index: 1, output: 0 },
      },
      { parameter: 'epochs', expression: 'epochs', value: { $expression: 'epochs' }, fromPipelineParameter: 'epochs' },
    ]);
    assert.deepEqual(pipeline.calls[3]!.inputs, [
      { parameter: 0, expression: 'model', value: { $expression: 'model' }, fromCall: { index: 2 } },
      {
        parameter: 'test_rows',
        expression: 'test_rows',
        value: { $expression: 'test_rows' },
        fromCall: { index: 1, output: 1 },
      },
    ]);
    assert.deepEqual(
      model.steps.map((s) => s.name),
      ['train', 'evaluate'],
      'a pipeline is not a step',
    );
  });

  test('pipelines from zenml.pipelines and through a module alias', () => {
    const model = discover(`import zenml as zm
from zenml.pipelines import pipeline as legacy_pipeline

@zm.pipeline
def a(): ...

@legacy_pipeline
def b(): ...
`);
    assert.deepEqual(
      model.pipelines.map((p) => p.name),
      ['a', 'b'],
    );
  });
});
