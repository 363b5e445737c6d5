// The Azure ML emulator's checks without a service: bodies against the model read from the
// installed @azure/arm-machinelearning (its classes, discriminators and Known* enums), the data
// URIs Azure ML takes, ISO 8601 durations, and a job's plan (bindings replaced by the paths Azure
// ML's data capability gives them, the service's defaults, every problem named at once).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveDataUri } from '../fakes/azure/mlData';
import { EnvironmentStore } from '../fakes/azure/mlEnvironments';
import { type JobPlan, durationSeconds, planJob, withDefaults } from '../fakes/azure/mlJobRules';
import { loadMachineLearningModel } from '../fakes/azure/mlModel';
import { validateBody } from '../fakes/azure/mlModelWalk';
import type { WorkspaceRef } from '../fakes/azure/resourceManager';

const WORKSPACE: WorkspaceRef = {
  subscriptionId: 'sub-1',
  tenantId: 'tenant-1',
  resourceGroup: 'rg',
  name: 'ws',
  location: 'westeurope',
  id: '/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws',
};
const ACCOUNT = { account: 'devstore', key: 'a2V5', blobEndpoint: 'http://127.0.0.1:10000/devstore' };
const DATA = {
  account: ACCOUNT,
  datastores: [{ name: 'workspaceblobstore', container: 'azureml-blobstore' }],
  workspace: WORKSPACE,
};

test('the model is the installed client package: its API version, kinds and enums', async () => {
  const model = await loadMachineLearningModel();
  assert.equal(model.apiVersion, '2022-10-01');
  assert.deepEqual(model.discriminatorValues('JobBaseProperties'), ['AutoML', 'Command', 'Pipeline', 'Sweep']);
  assert.ok(model.discriminatorValues('JobInput').includes('uri_folder'));
  assert.equal(model.subclass('JobInput', 'uri_folder')?.type.className, 'UriFolderJobInput');
  assert.deepEqual(model.enumValues('UriFolderJobOutput', 'mode'), ['ReadWriteMount', 'Upload']);
  assert.equal(model.enumValues('CommandJob', 'command'), undefined, 'a free string has no enum');
});

test('a body is checked against its class, every violation named with its wire path', async () => {
  const model = await loadMachineLearningModel();
  const valid = {
    properties: {
      jobType: 'Command',
      command: 'python train.py ${{inputs.data}}',
      environmentId: `${WORKSPACE.id}/environments/e/versions/1`,
      inputs: { data: { jobInputType: 'uri_folder', uri: 'azureml://datastores/x/paths/y', mode: 'download' } },
      limits: { jobLimitsType: 'Command', timeout: 'PT1H30M' },
      status: 'Running',
    },
  };
  assert.deepEqual(validateBody(model, 'JobBase', valid), [], 'enums read without case; read-only status ignored');
  const broken = {
    properties: {
      jobType: 'Command',
      environmentId: '',
      inputs: { data: { jobInputType: 'uri_folder', mode: 'ro_mount' }, other: { jobInputType: 'dataset' } },
      resources: { instanceCount: '2' },
      retries: 3,
    },
  };
  const found = validateBody(model, 'JobBase', broken).map((v) => `${v.code} ${v.target}`);
  assert.deepEqual(found.sort(), [
    'InvalidEnumValue properties.inputs.data.mode',
    'InvalidEnumValue properties.inputs.other.jobInputType',
    'InvalidType properties.resources.instanceCount',
    'InvalidValue properties.environmentId',
    'RequiredPropertyMissing properties.command',
    'RequiredPropertyMissing properties.inputs.data.uri',
    'UnknownProperty properties.retries',
  ]);
});

test('data URIs: datastore paths, the account by https, wasbs or Azurite address; others refused', () => {
  assert.deepEqual(resolveDataUri('azureml://datastores/workspaceblobstore/paths/a/b/', DATA), {
    container: 'azureml-blobstore',
    path: 'a/b',
  });
  assert.deepEqual(
    resolveDataUri(
      'azureml://subscriptions/sub-1/resourcegroups/rg/workspaces/ws/datastores/workspaceblobstore/paths/x',
      DATA,
    ),
    { container: 'azureml-blobstore', path: 'x' },
  );
  assert.deepEqual(resolveDataUri('https://devstore.blob.core.windows.net/data/run%201/in', DATA), {
    container: 'data',
    path: 'run 1/in',
  });
  assert.deepEqual(resolveDataUri('wasbs://data@devstore.blob.core.windows.net/in', DATA), {
    container: 'data',
    path: 'in',
  });
  assert.deepEqual(resolveDataUri('http://127.0.0.1:10000/devstore/data/in/', DATA), { container: 'data', path: 'in' });
  const problem = (uri: string) => (resolveDataUri(uri, DATA) as { problem: string }).problem;
  assert.match(problem('https://other.blob.core.windows.net/data/in'), /storage account 'other'/);
  assert.match(problem('azureml://datastores/nope/paths/x'), /datastore 'nope' does not exist/);
  assert.match(problem('azureml:my-data:1'), /data assets are not emulated/);
  assert.match(problem('s3://bucket/key'), /not a storage location the workspace can read/);
});

test('ISO 8601 durations as limits.timeout carries them', () => {
  assert.equal(durationSeconds('PT30M'), 1800);
  assert.equal(durationSeconds('P1DT2H0.5S'), 93_600.5);
  assert.equal(durationSeconds('P2W'), 1_209_600);
  assert.ok(Number.isNaN(durationSeconds('30m')));
});

test('a plan: the environment image, bindings replaced by data capability paths, defaults filled in', () => {
  const environments = new EnvironmentStore();
  environments.put(WORKSPACE.id, {
    name: 'trainer',
    version: '7',
    image: 'myreg.azurecr.io/train:7',
    properties: {},
    createdAt: 0,
    createdBy: 'me',
  });
  const computes = [
    { name: 'cpu', kind: 'AmlCompute', vmSize: 'Standard_DS3_v2', maxNodeCount: 2 },
    { name: 'ci', kind: 'ComputeInstance', vmSize: 'Standard_DS3_v2', state: 'Stopped' },
  ] as const;
  const context = {
    workspace: WORKSPACE,
    environments,
    computes,
    data: DATA,
    dataFolder: '/mnt/azureml/cr/j/R/cap/data-capability/wd',
  };
  const properties = withDefaults(
    {
      jobType: 'Command',
      command: 'python t.py --data ${{ inputs.data }} --lr ${{inputs.lr}} --out ${{outputs.model}}',
      environmentId: `${WORKSPACE.id}/environments/trainer/versions/7`,
      computeId: `${WORKSPACE.id}/computes/cpu`,
      inputs: {
        data: { jobInputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/d' },
        lr: { jobInputType: 'literal', value: '0.1' },
      },
      outputs: { model: { jobOutputType: 'uri_folder' } },
      limits: { jobLimitsType: 'Command', timeout: 'PT10M' },
    },
    'job-1',
  );
  const plan = planJob({ name: 'job-1', properties }, context) as JobPlan;
  assert.equal(plan.image, 'myreg.azurecr.io/train:7');
  assert.equal(
    plan.command,
    'python t.py --data /mnt/azureml/cr/j/R/cap/data-capability/wd/INPUT_data --lr 0.1 --out /mnt/azureml/cr/j/R/cap/data-capability/wd/model',
  );
  assert.deepEqual(plan.outputs[0]!.location, { container: 'azureml-blobstore', path: 'azureml/job-1/model' });
  assert.equal(plan.timeoutSeconds, 600);
  assert.equal(properties.experimentName, 'Default');
  assert.equal((properties.inputs.data as { mode: string }).mode, 'ReadOnlyMount');

  const refused = planJob(
    {
      name: 'job-2',
      properties: withDefaults(
        {
          ...properties,
          command: 'run ${{outputs.nope}}',
          computeId: `${WORKSPACE.id}/computes/ci`,
          environmentId: `${WORKSPACE.id}/environments/trainer/versions/8`,
          resources: { instanceCount: 2 },
        },
        'job-2',
      ),
    },
    context,
  );
  const details = (refused as { body: { error: { details: { target: string }[] } } }).body.error.details;
  assert.deepEqual(
    details.map((d) => d.target),
    ['properties.environmentId', 'properties.computeId', 'properties.resources.instanceCount', 'properties.command'],
  );
});
