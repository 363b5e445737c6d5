import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { planPipeline } from '../../src/core/orchestrator/pipelineRunner';
import { discoverPythonSource } from '../../src/core/python/discovery';
import { type PythonParser, loadPythonParser } from '../../src/core/python/pythonParser';
import { defaultStack } from '../../src/core/stacks/model';

let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser();
});

function plan(source: string, parameters: Record<string, unknown> = {}) {
  const model = discoverPythonSource(parser, source);
  const stack = defaultStack({ artifactRoot: '/a', dockerEngineAvailable: true });
  return planPipeline({
    projectRoot: '/p',
    pipeline: model.pipelines[0]!,
    pipelineFile: '/p/flow.py',
    steps: model.steps.map((step) => ({ file: '/p/flow.py', step })),
    stack,
    allStacks: [stack],
    parameters,
  });
}

const STEPS = `from zenml import pipeline, step

@step
def split(rows: list, ratio: float = 0.5) -> tuple:
    return rows, rows

@step
def fit(train: list, test: list, label: str = "y", tags: list = None) -> dict:
    return {}
`;

test('literals, pipeline parameters and tuple outputs become parameters and upstream inputs', () => {
  const calls = plan(`${STEPS}
@pipeline
def flow(ratio: float = 0.8, label="churned"):
    a, b = split([1, 2, 3], ratio=ratio)
    fit(a, b, label=label, tags=['x', None, True])
`);
  assert.deepEqual(
    calls.map((c) => [c.step.step.name, c.parameters, c.upstream]),
    [
      ['split', { rows: [1, 2, 3], ratio: 0.8 }, {}],
      [
        'fit',
        { label: 'churned', tags: ['x', null, true] },
        { train: { call: 0, output: 0 }, test: { call: 0, output: 1 } },
      ],
    ],
  );
  assert.equal(
    plan(`${STEPS}\n@pipeline\ndef flow(ratio: float = 0.8):\n    split([], ratio=ratio)\n`, { ratio: 0.1 })[0]!
      .parameters.ratio,
    0.1,
  );
});

test("literals are Python's: words inside strings stay, tuples, underscores and escaped quotes work", () => {
  const calls = plan(`${STEPS}
@pipeline
def flow():
    split(("None left", 'True story', "it's"), ratio=1_000.5)
    fit([], [], label='say "hi"', tags=[{'k': [1, -2]}])
`);
  assert.deepEqual(
    calls.map((c) => c.parameters),
    [
      { rows: ['None left', 'True story', "it's"], ratio: 1000.5 },
      { train: [], test: [], label: 'say "hi"', tags: [{ k: [1, -2] }] },
    ],
  );
  assert.throws(
    () => plan(`${STEPS}\n@pipeline\ndef flow():\n    split([1, compute()])\n`),
    /argument rows of split\(\) is "\[1, compute\(\)\]", which is computed at run time/,
  );
});

test('what cannot be known statically is refused with the argument that made it so', () => {
  assert.throws(
    () => plan(`${STEPS}\n@pipeline\ndef flow():\n    split(load_from_disk())\n`),
    /argument rows of split\(\) is "load_from_disk\(\)", which is computed at run time/,
  );
  assert.throws(
    () => plan(`${STEPS}\n@pipeline\ndef flow(ratio):\n    split([], ratio=ratio)\n`),
    /Pipeline parameter "ratio" has no default/,
  );
  assert.throws(() => plan(`${STEPS}\n@pipeline\ndef flow():\n    pass\n`), /calls no steps/);
});

test("a step's named operator comes from the pipeline's stack; one in another stack is named, or run locally when asked", () => {
  const model = discoverPythonSource(
    parser,
    `from zenml import pipeline, step

@step(step_operator="vertex")
def report() -> str:
    return "ok"

@pipeline
def flow():
    report()
`,
  );
  const local = defaultStack({ artifactRoot: '/a', dockerEngineAvailable: true });
  const vertex = { type: 'step_operator' as const, name: 'vertex', flavor: 'vertex', config: {} };
  const gcp = { ...local, name: 'gcp', stepOperators: [vertex, ...local.stepOperators] };
  const input = (stack: typeof local, fallbackToLocal: boolean) => ({
    projectRoot: '/p',
    pipeline: model.pipelines[0]!,
    pipelineFile: '/p/flow.py',
    steps: model.steps.map((step) => ({ file: '/p/flow.py', step })),
    stack,
    allStacks: [local, gcp],
    fallbackToLocal,
  });
  assert.equal(planPipeline(input(gcp, false))[0]!.operatorName, 'vertex');
  assert.throws(
    () => planPipeline(input(local, false)),
    /report asks for step operator "vertex", which is in stack gcp, not in default \(run the pipeline on that stack\)/,
  );
  const fallback = planPipeline(input(local, true))[0]!;
  assert.equal(fallback.operatorName, undefined);
  assert.equal(fallback.note, 'report asks for "vertex" (in stack gcp, not default); running it locally instead.');
});
