// The example churn pipeline, run step by step by the embedded orchestrator on the real engine:
// outputs flow loader -> trainer -> evaluator through the artifact store.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { planPipeline, runPipeline } from '../../src/core/orchestrator/pipelineRunner';
import { createProjectRunner } from '../../src/core/orchestrator/projectRunner';
import { discoverPythonSource } from '../../src/core/python/discovery';
import { loadPythonParser } from '../../src/core/python/pythonParser';
import { StepIndex } from '../../src/core/python/stepIndex';
import { defaultStack } from '../../src/core/stacks/model';
import { integrationEnvironment } from './environment';
import { readFile } from 'node:fs/promises';

const env = integrationEnvironment();
const root = path.resolve(__dirname, '../..');
let project: string;

before(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'stepops-pipeline-'));
  await cp(path.join(root, 'examples'), project, { recursive: true });
});
after(() => rm(project, { recursive: true, force: true }));

test('runs churn_pipeline: each step gets the outputs of the steps before it', async () => {
  const parser = await loadPythonParser();
  const index = new StepIndex(parser);
  await index.scan(project);
  const pipelineFile = path.join(project, 'churn', 'pipeline.py');
  const pipeline = discoverPythonSource(parser, await readFile(pipelineFile, 'utf8')).pipelines[0]!;
  const artifactRoot = path.join(project, '.stepops', 'artifacts');
  const stack = defaultStack({ artifactRoot, dockerEngineAvailable: true });
  const input = {
    projectRoot: project,
    pipeline,
    pipelineFile,
    steps: index.steps(),
    stack,
    allStacks: [stack],
    parameters: { epochs: 40 },
    fallbackToLocal: true,
    baseImage: env.pythonImage,
  };
  assert.throws(
    () => planPipeline({ ...input, fallbackToLocal: false }),
    /train_model asks for step operator "sagemaker", which no stack has/,
  );
  const plan = planPipeline(input);
  assert.deepEqual(
    plan.map((c) => [c.step.step.name, c.parameters, c.upstream]),
    [
      ['load_customers', {}, {}],
      ['train_model', { epochs: 40 }, { rows: { call: 0 } }],
      ['evaluate_model', {}, { model: { call: 1 }, rows: { call: 0 } }],
      ['report', {}, { model: { call: 1 }, accuracy: { call: 2 } }],
    ],
  );
  assert.match(plan[1]!.note ?? '', /running it locally instead/);

  const { runner } = createProjectRunner({
    projectRoot: project,
    artifactRoot,
    runtimeRoot: path.join(root, 'runtime'),
    pollMs: 100,
  });
  const result = await runPipeline(runner, plan, { ...input, artifactRoot });
  assert.equal(result.outcome, 'succeeded', JSON.stringify(result.runs.map((r) => r.failure)));
  assert.deepEqual(
    result.runs.map((r) => r.step.name),
    ['load_customers', 'train_model', 'evaluate_model', 'report'],
  );
  assert.equal(result.runs[2]!.outputs?.output?.preview, '0.95');
});
