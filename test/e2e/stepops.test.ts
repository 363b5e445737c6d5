// The packaged extension in a real VS Code (code-server) in a real Chromium, asserted through the
// UI a user sees. Run with `npm run test:e2e` (scripts/e2e.sh), which installs dist/stepops.vsix
// into a fresh code-server and opens a copy of examples/.
//
// The tests share one page and run in order; each opens what it needs itself, so a failure in one
// does not hide the others' results.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  FIRST_LOAD_MS,
  STEP_MS,
  type TreeRow,
  activityBarEntry,
  dockerAnswers,
  e2eEnv,
  launchBrowser,
  openFromExplorer,
  openViewContainer,
  openWorkbench,
  pickAfterCommand,
  quickPickRow,
  runCommand,
  screenshot,
  treeRows,
  viewPane,
  waitUntil,
  withFailureScreenshot,
} from './workbench';
import { secretEnvName } from '../../src/cli/stackCommands';
import { StackStore } from '../../src/core/stacks/stackStore';
import { startFakeVertex } from '../fakes/gcp/fakeVertex';
import { makeServiceAccount } from '../fakes/googleServiceAccounts';

const env = e2eEnv();
const TEST_TIMEOUT = 3 * FIRST_LOAD_MS;
/** How many activations the activation-time test measures (one per window reload). */
const ACTIVATION_RUNS = Number(process.env.STEPOPS_E2E_ACTIVATION_RUNS ?? 3);

describe('Step Operators in VS Code (code-server + Chromium)', { timeout: 15 * FIRST_LOAD_MS }, () => {
  let browser: Browser | undefined;
  let page: Page | undefined;
  const ui = (): Page => {
    assert.ok(page, 'the workbench page did not open (see the before hook)');
    return page;
  };
  const step = (name: string, body: () => Promise<void>) => () => withFailureScreenshot(() => page, env, name, body);

  before(
    async () => {
      browser = await launchBrowser();
      page = await openWorkbench(browser, env);
      await screenshot(page, env, 'workbench');
    },
    { timeout: 2 * FIRST_LOAD_MS },
  );

  after(async () => {
    await browser?.close();
  });

  it(
    'shows the Stacks view with the default stack from the extension (activation proof)',
    { timeout: TEST_TIMEOUT },
    step('stacks-view', async () => {
      const p = ui();
      const entry = activityBarEntry(p, 'Step Operators');
      await entry.waitFor({ timeout: FIRST_LOAD_MS }).catch(() => {
        throw new Error(
          'The activity bar has no "Step Operators" entry: the extension is not installed or its viewsContainers contribution is gone',
        );
      });
      await openViewContainer(p, 'Step Operators');
      const container = p.locator('[id="workbench.view.extension.stepops"]');
      await container.waitFor();
      const title = (await p.locator('.part.sidebar .composite.title').innerText()).trim();
      assert.match(title, /Step Operators/i, `the side bar title should name the container, got "${title}"`);
      const stacksPane = viewPane(container, 'Stacks');
      await stacksPane.waitFor();

      const docker = await dockerAnswers();
      const expected: TreeRow[] = [
        { level: 1, label: 'default', description: 'active' },
        { level: 2, label: 'embedded', description: 'Orchestrator · embedded' },
        { level: 2, label: 'local', description: 'Artifact store · local · <path>' },
        // scripts/e2e.sh redefines local-docker with the local Python image and no network.
        ...(docker ? [{ level: 2, label: 'local-docker', description: 'Step operator · local_docker · none' }] : []),
        { level: 1, label: 'All components', description: '' },
      ];
      // The rows come from the extension's TreeDataProvider: they exist only if it activated. The
      // stack and its components arrive together (the stack row is expanded), so wait for the rows
      // every default stack has, then compare all of them.
      let rows: TreeRow[] = [];
      await waitUntil(
        async () => {
          rows = await treeRows(stacksPane);
          return rows.length >= 4;
        },
        FIRST_LOAD_MS,
        () => `the Stacks tree to list the default stack and its components; it shows ${JSON.stringify(rows)}`,
      ).catch(async (error: Error) => {
        const viewText = (await stacksPane.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
        throw new Error(`${error.message}. The view says: "${viewText}". Did the extension fail to activate?`);
      });
      await screenshot(p, env, 'stacks-view');
      // The local artifact store's folder depends on the machine: compare its shape only.
      rows = rows.map((r) =>
        r.label === 'local' ? { ...r, description: r.description.replace(/ · \/.+$/, ' · <path>') } : r,
      );
      assert.deepEqual(
        rows,
        expected,
        docker
          ? 'Docker answers on /var/run/docker.sock, so the default stack should offer the local-docker step operator'
          : 'Docker does not answer on /var/run/docker.sock, so the default stack should have no step operator',
      );
    }),
  );

  it(
    'shows Run lenses over each step and pipeline, and none over other code',
    { timeout: TEST_TIMEOUT },
    step('codelens', async () => {
      const p = ui();
      await openFromExplorer(p, 'churn/steps/trainer.py');
      // train_model asks for a "sagemaker" operator that the default stack does not have.
      const expected = ['⚠ Register step operator "sagemaker"', '▶ Run locally'];
      await waitForLenses(p, expected, 'trainer.py (one step; _sigmoid and the module are not steps)');
      await screenshot(p, env, 'codelens');

      await openFromExplorer(p, 'churn/pipeline.py');
      await waitForLenses(p, ['▶ Run pipeline'], 'pipeline.py (a pipeline, no steps)');
      await openFromExplorer(p, 'churn/steps/loader.py');
      await waitForLenses(p, ['▶ Run locally'], 'loader.py (one plain @step)');
    }),
  );

  it(
    'offers a lens as soon as a new @step function is typed',
    { timeout: TEST_TIMEOUT },
    step('codelens-typing', async () => {
      const p = ui();
      await openFromExplorer(p, 'churn/steps/evaluator.py');
      await waitForLenses(p, ['▶ Run locally'], 'evaluator.py before the edit');
      await p.locator('.monaco-editor .view-lines').first().click();
      await p.keyboard.press('Control+End');
      // The body's indent is typed out: without a Python extension the editor does not add it
      // (and where it does, eight spaces are still a valid body).
      await p.keyboard.type(
        '\n\n@step(step_operator="vertex")\ndef summary(accuracy: float) -> str:\n    return f"{accuracy:.2f}"\n',
      );
      await waitForLenses(
        p,
        ['▶ Run locally', '⚠ Register step operator "vertex"', '▶ Run locally'],
        'evaluator.py after typing a new step',
      );
      await screenshot(p, env, 'codelens-typing');
    }),
  );

  it(
    'lists the workspace steps and pipelines in the Steps view',
    { timeout: TEST_TIMEOUT },
    step('steps-view', async () => {
      const p = ui();
      await openViewContainer(p, 'Step Operators');
      const container = p.locator('[id="workbench.view.extension.stepops"]');
      const stepsPane = viewPane(container, 'Steps');
      let labels: string[] = [];
      await waitUntil(
        async () => {
          labels = (await treeRows(stepsPane)).map((r) => r.label);
          return ['churn_pipeline', 'load_customers', 'train_model', 'evaluate_model'].every((l) => labels.includes(l));
        },
        STEP_MS,
        () => `the Steps view to list the example steps and pipeline; rows: ${JSON.stringify(labels)}`,
      );
      assert.ok(!labels.includes('_sigmoid'), 'helpers are not steps');
      await screenshot(p, env, 'steps-view');
    }),
  );

  it(
    'opens the stack details webview when the stack row is clicked',
    { timeout: TEST_TIMEOUT },
    step('stack-details', async () => {
      const p = ui();
      await openViewContainer(p, 'Step Operators');
      const row = p
        .locator('[id="workbench.view.extension.stepops"] .monaco-list-row[role="treeitem"][aria-level="1"]')
        .filter({ has: p.locator('.label-name', { hasText: /^default$/ }) });
      await row.click({ timeout: STEP_MS }).catch((error: Error) => {
        throw new Error(`The Stacks tree has no "default" stack row to click: ${error.message.split('\n')[0]}`);
      });
      await p.locator('.tabs-container .tab[aria-label^="Stack: default"]').waitFor();
      // Webview content lives two iframes down: the workbench's host frame, then the page's own.
      const content = p.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
      await content.locator('h1', { hasText: 'Stack "default" (active)' }).waitFor();
      await content.getByText('Orchestrator', { exact: true }).waitFor();
      await screenshot(p, env, 'stack-details');
    }),
  );

  it(
    'logs its activation to the "Step Operators" output channel',
    { timeout: TEST_TIMEOUT },
    step('output', async () => {
      const p = ui();
      // The extension creates its channel on activation; a missing one fails with the channels shown.
      await pickAfterCommand(p, 'Output: Show Output Channels...', quickPickRow(p, 'Step Operators'));
      const lines = p.locator('.part.panel .monaco-editor .view-lines');
      let text = '';
      await waitUntil(
        async () => {
          text = (await lines.innerText()).replace(/\u00a0/g, ' ');
          return /Step Operators .* activated in [\d.]+ ms/.test(text);
        },
        STEP_MS,
        () => `the output channel to say "activated in"; it shows: ${JSON.stringify(text)}`,
      );
      await screenshot(p, env, 'output');
    }),
  );

  it(
    'runs the loader and then the trainer locally, with live logs, the upstream output as input, and the Runs view',
    { timeout: 4 * TEST_TIMEOUT },
    step('run', async () => {
      const p = ui();
      const panelText = async (): Promise<string> =>
        (
          await p
            .locator('.part.panel .monaco-editor .view-lines')
            .innerText()
            .catch(() => '')
        ).replace(/\u00a0/g, ' ');
      const runLens = async (file: string, expected: string[], title: string, stepName: string): Promise<void> => {
        await openFromExplorer(p, file);
        await waitForLenses(p, expected, file);
        await p.locator('.codelens-decoration a', { hasText: title }).click();
        await p
          .locator('.notifications-toasts .notification-toast', { hasText: `${stepName} succeeded.` })
          .waitFor({ timeout: 2 * FIRST_LOAD_MS })
          .catch(async (error: Error) => {
            const toasts = await p
              .locator('.notifications-toasts')
              .innerText()
              .catch(() => '');
            throw new Error(
              `${stepName} did not succeed: notifications say ${JSON.stringify(toasts)}; logs: ${JSON.stringify(await panelText())}. ${error.message.split('\n')[0]}`,
            );
          });
      };

      await runLens('churn/steps/loader.py', ['▶ Run locally'], '▶ Run locally', 'load_customers');
      await waitUntil(
        async () => /loaded 20 customers from \/app\/data\/customers\.csv/.test(await panelText()),
        STEP_MS,
        () => 'the run log in the output panel',
      );
      await screenshot(p, env, 'run-logs');

      // train_model's rows come from load_customers in churn_pipeline: the last run's output is used.
      await runLens(
        'churn/steps/trainer.py',
        ['⚠ Register step operator "sagemaker"', '▶ Run locally'],
        '▶ Run locally',
        'train_model',
      );
      await waitUntil(
        async () => {
          const text = await panelText();
          return /\[stepops\] input rows <- load_customers/.test(text) && /epoch {2}299 {2}loss \d\.\d{4}/.test(text);
        },
        STEP_MS,
        () => 'the trainer log to show its input (rows <- load_customers) and its last epoch',
      );

      await openViewContainer(p, 'Step Operators');
      const runsPane = viewPane(p.locator('[id="workbench.view.extension.stepops"]'), 'Runs');
      let rows: TreeRow[] = [];
      await waitUntil(
        async () => {
          rows = await treeRows(runsPane);
          return rows.length >= 2;
        },
        STEP_MS,
        () => `the Runs view to list both runs; rows: ${JSON.stringify(rows)}`,
      );
      assert.deepEqual(
        rows.map((r) => r.label),
        ['train_model', 'load_customers'],
      );
      for (const row of rows) assert.match(row.description, /^succeeded · local-docker · [\d.]+ s · [0-9a-f]{8}$/);
      await screenshot(p, env, 'runs-view');

      // The whole pipeline: train_model asks for "sagemaker", which this stack lacks, so the
      // extension asks before running it locally.
      await openFromExplorer(p, 'churn/pipeline.py');
      await waitForLenses(p, ['▶ Run pipeline'], 'pipeline.py');
      // With the Runs view showing while the pipeline runs (focus returns to the Explorer
      // otherwise once the confirmation closes, and the Runs view would be out of sight).
      await openViewContainer(p, 'Step Operators');
      await p.locator('.codelens-decoration a', { hasText: '▶ Run pipeline' }).click();
      await p.locator('.monaco-dialog-box', { hasText: 'train_model asks for step operator "sagemaker"' }).waitFor();
      await p.locator('.monaco-dialog-box').getByRole('button', { name: 'Run Those Steps Locally' }).click();
      await p
        .locator('.notifications-toasts .notification-toast', {
          hasText: 'churn_pipeline succeeded: 4 of 4 steps ran.',
        })
        .waitFor({ timeout: 2 * FIRST_LOAD_MS });
      await waitUntil(
        async () => /accuracy 0\.950\n/.test(await panelText()),
        STEP_MS,
        () => "the report step's log, the last of the pipeline",
      );
      // The list renders only the rows that fit the pane: check the newest ones.
      await waitUntil(
        async () => {
          rows = await treeRows(runsPane);
          return (
            rows[0]?.label === 'report' &&
            rows[1]?.label === 'evaluate_model' &&
            rows[2]?.label === 'train_model' &&
            rows[3]?.label === 'load_customers'
          );
        },
        STEP_MS,
        () => `the pipeline's runs at the top of the Runs view; rows: ${JSON.stringify(rows)}`,
      );
      await screenshot(p, env, 'pipeline-run');
    }),
  );

  it(
    'registers a SageMaker step operator through the form, makes a stack with it active, and keeps it after a reload',
    { timeout: 2 * TEST_TIMEOUT },
    step('wizard', async () => {
      const p = ui();
      await pickAfterCommand(p, 'Step Operators: Register Stack Component...', quickPickRow(p, 'Step operator'));
      // The type list gives way to the flavor list; a type row's text names flavors too.
      await quickPickRow(p, 'Step operator').waitFor({ state: 'detached' });
      await p
        .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'SageMaker' })
        .first()
        .click();
      await p.locator('.tabs-container .tab[aria-label^="Register SageMaker step operator"]').waitFor();
      // The visible webview is the form (a hidden one, like the stack details, keeps no frame).
      const form = p.frameLocator('iframe.webview.ready:visible').frameLocator('iframe#active-frame');
      const type = async (field: string, text: string): Promise<void> => {
        const input = form.locator(`#field-${field} input`);
        await input.fill('');
        await input.pressSequentially(text);
      };
      await type('name', 'sagemaker');
      await type('role', 'arn:aws:iam::12345:role/oops');
      // Inline validation names the rule while typing.
      await form
        .locator('#help-role', { hasText: 'a role ARN looks like arn:aws:iam::123456789012:role/NAME' })
        .waitFor();
      await type('role', 'arn:aws:iam::123456789012:role/SageMakerExecution');
      await type('region', 'eu-west-1');
      await type('instance_type', 'ml.g5.xlarge');
      await form
        .locator('#help-role.error')
        .waitFor({ state: 'detached' })
        .catch(() => undefined);
      await screenshot(p, env, 'wizard-form');
      await form.locator('#submit').click();

      // Registered: offered to go into a new stack, which becomes active.
      const toast = p.locator('.notifications-toasts .notification-toast', {
        hasText: 'Registered step operator "sagemaker"',
      });
      await toast.waitFor();
      await toast.getByRole('button', { name: 'New Stack with It' }).click();
      const statusItem = p.locator('.part.statusbar .statusbar-item', { hasText: 'sagemaker-stack' });
      await statusItem.waitFor({ timeout: STEP_MS }).catch(async () => {
        throw new Error(
          `the status bar should name the new active stack; it shows ${JSON.stringify(await p.locator('.part.statusbar').innerText())}`,
        );
      });

      await openViewContainer(p, 'Step Operators');
      const stacksPane = viewPane(p.locator('[id="workbench.view.extension.stepops"]'), 'Stacks');
      const expectStackRows = async (when: string): Promise<void> => {
        let rows: TreeRow[] = [];
        await waitUntil(
          async () => {
            rows = await treeRows(stacksPane);
            return (
              rows.some((r) => r.label === 'sagemaker-stack' && r.description === 'active') &&
              rows.some(
                (r) =>
                  r.label === 'sagemaker' &&
                  r.description.startsWith('Step operator · sagemaker · ml.g5.xlarge · eu-west-1'),
              )
            );
          },
          STEP_MS,
          () =>
            `${when}: the Stacks tree to show the active "sagemaker-stack" with the "sagemaker" operator; rows: ${JSON.stringify(rows)}`,
        );
      };
      await expectStackRows('after registering');
      await screenshot(p, env, 'wizard-tree');

      // The trainer step names "sagemaker": its lens now runs there instead of asking to register.
      await openFromExplorer(p, 'churn/steps/trainer.py');
      await waitForLenses(
        p,
        ['▶ Run on SageMaker', '▶ Run locally'],
        'trainer.py with a registered sagemaker operator',
      );

      await p.reload();
      await p
        .locator('.monaco-workbench .part.statusbar .statusbar-item', { hasText: 'sagemaker-stack' })
        .waitFor({ timeout: FIRST_LOAD_MS });
      await openViewContainer(p, 'Step Operators', FIRST_LOAD_MS);
      await expectStackRows('after reloading the window');
      await screenshot(p, env, 'wizard-after-reload');
    }),
  );

  it(
    "tests a Vertex AI operator's connection from its form before registering it, then from the notification and the palette",
    { timeout: 2 * TEST_TIMEOUT },
    step('test-connection', async () => {
      const p = ui();
      const home = process.env.STEPOPS_HOME;
      assert.ok(home, 'scripts/e2e.sh sets STEPOPS_HOME for the extension and the tests');
      const project = 'stepops-e2e-project';
      const account = makeServiceAccount('e2e', project);
      const vertex = await startFakeVertex(
        'europe-west4',
        [{ id: project, apiEnabled: true, grants: { [account.email]: ['aiplatform.customJobs.list'] } }],
        [account],
      );
      const expected = `Vertex AI answers in europe-west4 and the credentials may list custom jobs of ${project}.`;
      try {
        const keyFile = path.join(home, 'vertex-e2e-key.json');
        await writeFile(keyFile, JSON.stringify(account.keyFile));

        // The form tries the values as typed, before anything is saved.
        await pickAfterCommand(p, 'Step Operators: Register Stack Component...', quickPickRow(p, 'Step operator'));
        // The type list gives way to the flavor list; a type row's text names flavors too.
        await quickPickRow(p, 'Step operator').waitFor({ state: 'detached' });
        await p
          .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Vertex AI' })
          .first()
          .click();
        await p.locator('.tabs-container .tab[aria-label^="Register Vertex AI step operator"]').waitFor();
        const form = p.frameLocator('iframe.webview.ready:visible').frameLocator('iframe#active-frame');
        const type = async (field: string, text: string): Promise<void> => {
          const input = form.locator(`#field-${field} input`);
          await input.fill('');
          await input.pressSequentially(text);
        };
        await type('name', 'vertex-e2e');
        await type('project', project);
        await type('region', 'europe-west4');
        await type('service_account_path', keyFile);
        await type('api_endpoint', vertex.endpoint);
        await form.locator('#test-connection').click();
        const result = form.locator('#connection-result.ok', { hasText: expected });
        await result.waitFor({ timeout: STEP_MS }).catch(async () => {
          const shown = await form
            .locator('#connection-result')
            .innerText()
            .catch(() => '');
          throw new Error(`the form should report the connection; it says ${JSON.stringify(shown)}`);
        });
        await screenshot(p, env, 'form-test-connection');
        assert.equal(vertex.requests.length, 1, 'the form test makes one ListCustomJobs call');
        await form.locator('#submit').click();
        const registered = p.locator('.notifications-toasts .notification-toast', {
          hasText: 'Registered step operator "vertex-e2e"',
        });
        await registered.waitFor();
        // The registration notification offers the test too.
        await registered.getByRole('button', { name: 'Test Connection' }).click();
        await p
          .locator('.notifications-toasts .notification-toast', { hasText: `vertex-e2e: ${expected}` })
          .first()
          .waitFor({ timeout: STEP_MS });
        await p.keyboard.press('Escape');

        // Registered: the palette's Test Connection asks which component, then reports.
        await pickAfterCommand(
          p,
          'Step Operators: Test Connection',
          p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'vertex-e2e' }).first(),
        );
        await waitUntil(
          async () => vertex.requests.length === 3,
          STEP_MS,
          () => `the palette's test to call Vertex AI a third time; calls: ${vertex.requests.length}`,
        );
        await p
          .locator('.notifications-toasts .notification-toast', { hasText: `vertex-e2e: ${expected}` })
          .first()
          .waitFor({ timeout: STEP_MS });
        await screenshot(p, env, 'test-connection');
        assert.deepEqual(
          vertex.requests.map((r) => `${r.method} ${r.path}?pageSize=${r.query.pageSize}`),
          Array(3).fill(`GET /v1/projects/${project}/locations/europe-west4/customJobs?pageSize=1`),
        );
      } finally {
        await vertex.close();
      }
    }),
  );

  it(
    // Before the SageMaker run: the report's inputs are then the local pipeline run's outputs, which
    // are copied into GCS (an S3 one would be refused). These cloud runs come after the wizard's
    // test, which found the trainer's lens stale in an editor a cloud run had left open.
    'runs the report step on the emulated Vertex AI from its lens, its inputs copied from the local runs into GCS',
    { timeout: 4 * TEST_TIMEOUT },
    step('vertex-run', () =>
      runOnEmulatedCloud(ui(), {
        stack: 'gcp-emulated',
        file: 'churn/steps/reporter.py',
        lenses: ['▶ Run on Vertex AI', '▶ Run locally'],
        stepName: 'report',
        operator: 'vertex',
        stages: ['QUEUED', 'PENDING', 'RUNNING'],
        // The report runs for a moment: RUNNING may fall between two polls, PENDING does not.
        runningStage: 'PENDING',
        console:
          /\[stepops\] console: https:\/\/console\.cloud\.google\.com\/vertex-ai\/locations\/[a-z0-9-]+\/training\//,
        line: /^accuracy 0\.950$/,
        screenshots: 'vertex',
      }),
    ),
  );

  it(
    'runs the trainer on the emulated SageMaker from its lens: the stages, the streamed log, the console link, the outcome',
    { timeout: 4 * TEST_TIMEOUT },
    step('sagemaker-run', () =>
      runOnEmulatedCloud(ui(), {
        stack: 'aws-emulated',
        file: 'churn/steps/trainer.py',
        lenses: ['▶ Run on SageMaker', '▶ Run locally'],
        stepName: 'train_model',
        operator: 'sagemaker',
        stages: ['Starting', 'Downloading', 'Training', 'Uploading'],
        runningStage: 'Training',
        console: /\[stepops\] console: https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/sagemaker\/home\?region=/,
        line: /epoch {2}\d+ {2}loss \d\.\d{4}/,
        screenshots: 'sagemaker',
      }),
    ),
  );

  it(
    'runs a step on the emulated Azure ML from its lens, signed in with the service principal whose secret the form stored',
    { timeout: 4 * TEST_TIMEOUT },
    step('azureml-run', async () => {
      const p = ui();
      // A step of the example project's kind that names the azure-emulated stack's operator.
      await writeFile(
        path.join(env.workspace, 'churn', 'steps', 'tally.py'),
        [
          '"""Counts the customers on Azure ML."""',
          '',
          'from pathlib import Path',
          '',
          'from zenml import step',
          '',
          'DATA = Path(__file__).resolve().parents[2] / "data" / "customers.csv"',
          '',
          '',
          '@step(step_operator="azureml")',
          'def tally_customers() -> int:',
          '    """How many customers the data holds."""',
          '    with open(DATA, encoding="utf-8") as f:',
          '        count = sum(1 for _ in f) - 1',
          '    print(f"tallied {count} customers")',
          '    return count',
          '',
        ].join('\n'),
      );
      await runOnEmulatedCloud(p, {
        stack: 'azure-emulated',
        file: 'churn/steps/tally.py',
        lenses: ['▶ Run on Azure ML', '▶ Run locally'],
        stepName: 'tally_customers',
        operator: 'azureml',
        stages: ['Starting', 'Preparing', 'Queued', 'Running', 'Finalizing'],
        runningStage: 'Running',
        console: /\[stepops\] console: https:\/\/ml\.azure\.com\/runs\//,
        line: /^tallied 20 customers$/,
        screenshots: 'azureml',
        // The secrets a user types into the components' forms: the Blob store's connection
        // string and the service principal's secret. code-server's environment has no Azure
        // login (scripts/e2e.sh keeps AZURE_CLIENT_SECRET from it), so the sign-in that works is
        // the service principal's, after VS Code's Microsoft account and DefaultAzureCredential
        // found none.
        prepare: async () => {
          for (const [component, field] of [
            ['azure-emulated-blob', 'connection_string'],
            ['azureml', 'service_principal_secret'],
          ] as const) {
            await enterSecret(p, component, field, secretFromEnvironment(component, field));
          }
        },
      });
      // VS Code's Microsoft account signs in to the public cloud only, so the emulated operator (a
      // local authority) never asks it. An operator of the public cloud does: testing its
      // connection asks VS Code's provider first, which has no session here and asks the user to
      // sign in from the Accounts menu. The sign-in itself needs Entra ID, which is not reachable
      // here: that is as far as code-server goes.
      const stacks = extensionStacks();
      await stacks.putComponent({
        type: 'step_operator',
        name: 'azureml-public',
        flavor: 'azureml',
        config: {
          subscription_id: '11111111-2222-3333-4444-555555555555',
          resource_group: 'ml-rg',
          workspace_name: 'ml-ws',
          compute_type: 'compute-cluster',
          compute_name: 'cpu-cluster',
        },
      });
      try {
        await runCommand(p, 'Notifications: Clear All Notifications');
        await pickAfterCommand(
          p,
          'Step Operators: Test Connection',
          p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'azureml-public' }).first(),
        );
        const refusal = p.locator('.notifications-toasts .notification-toast', { hasText: 'azureml-public: ' }).first();
        await refusal.waitFor({ timeout: 2 * STEP_MS });
        await screenshot(p, env, 'azureml-public-test');
        assert.match(
          await refusal.innerText(),
          /azureml-public: No Azure credentials found: .*sign in with Microsoft from VS Code's Accounts menu/,
        );
      } finally {
        await stacks.removeComponent('step_operator', 'azureml-public');
      }
      // The badge says a sign-in was requested; the menu says by whom.
      await p
        .locator('.part.activitybar .badge[aria-label="Accounts - Sign in requested"]')
        .click({ timeout: STEP_MS });
      await p
        .locator('.monaco-menu .action-label', { hasText: /Sign in with Microsoft to use Step Operators/ })
        .waitFor({ timeout: STEP_MS });
      await screenshot(p, env, 'azureml-accounts');
      await p.keyboard.press('Escape');
    }),
  );

  it(
    "activates in VS Code's own measure (code loading + activate(), from Running Extensions) with no vendor bundle loaded",
    { timeout: 3 * TEST_TIMEOUT },
    step('activation-times', async () => {
      const p = ui();
      // Each reload is a new extension host, so a new activation: VS Code's figure for each one.
      const samples: number[] = [];
      const reference: number[] = [];
      // The view shown now is restored by each reload, and activates the extension (onView).
      await openViewContainer(p, 'Step Operators');
      for (let run = 0; run < ACTIVATION_RUNS; run++) {
        await p.reload();
        // The restored layout activates the extension (its view, or a Python editor): the
        // extension's status bar item says it did.
        await p
          .locator('.monaco-workbench .part.statusbar .statusbar-item', { hasText: 'default' })
          .waitFor({ timeout: FIRST_LOAD_MS });
        await runCommand(p, 'Developer: Show Running Extensions');
        const row = p
          .locator('.runtime-extensions-editor .monaco-list-row')
          .filter({ has: p.locator('.name', { hasText: /^Step Operators$/ }) });
        let shown = '';
        await waitUntil(
          async () => {
            shown = await row.locator('.activation-time').innerText({ timeout: 2_000 });
            return /Activation: \d+ms/.test(shown);
          },
          FIRST_LOAD_MS,
          () => `Running Extensions to show Step Operators' activation time; it shows ${JSON.stringify(shown)}`,
        );
        samples.push(Number(/Activation: (\d+)ms/.exec(shown)![1]));
        // A built-in extension of VS Code's own in the same window, as a measure of the machine.
        const emmet = await p
          .locator('.runtime-extensions-editor .monaco-list-row')
          .filter({ has: p.locator('.name', { hasText: /^Emmet$/ }) })
          .locator('.activation-time')
          .innerText({ timeout: 2_000 })
          .catch(() => '');
        const emmetMs = /Activation: (\d+)ms/.exec(emmet)?.[1];
        if (emmetMs) reference.push(Number(emmetMs));
        if (run === ACTIVATION_RUNS - 1) await screenshot(p, env, 'activation-times');
        await p.keyboard.press('Escape'); // Running Extensions opens as a modal editor
      }
      await writeFile(
        path.join(path.dirname(env.screenshots), 'activation.json'),
        JSON.stringify({
          source: 'VS Code Running Extensions (codeLoadingTime + activateCallTime)',
          samples,
          ...(reference.length === samples.length ? { reference: { name: 'Emmet', samples: reference } } : {}),
        }),
      );
      console.log(`activation in VS Code, ms (code loading + activate()): ${samples.join(', ')}`);

      // The activation log names the vendor bundles loaded by then: none (no SDK, Docker client or parser).
      await pickAfterCommand(p, 'Output: Show Output Channels...', quickPickRow(p, 'Step Operators'));
      const lines = p.locator('.part.panel .monaco-editor .view-lines');
      let text = '';
      await waitUntil(
        async () => {
          text = (await lines.innerText()).replace(/\u00a0/g, ' ');
          return /activated in [\d.]+ ms; vendor bundles loaded: /.test(text);
        },
        STEP_MS,
        () => `the activation line in the output channel; it shows: ${JSON.stringify(text)}`,
      );
      assert.match(text, /activated in [\d.]+ ms; vendor bundles loaded: none/);
    }),
  );

  it(
    'reports a malformed stacks file in the Problems panel and keeps working',
    { timeout: TEST_TIMEOUT },
    step('problems', async () => {
      const p = ui();
      const home = process.env.STEPOPS_HOME;
      assert.ok(home, 'scripts/e2e.sh sets STEPOPS_HOME for the extension and the tests');
      const file = path.join(home, 'stacks.yaml');
      const original = await readFile(file, 'utf8');
      try {
        await writeFile(file, `${original}stacks:\n  broken: [unclosed\n`);
        // The panel is open (a run's log showed there): switch it to Problems.
        await p
          .locator('.part.panel')
          .getByRole('tab', { name: /^Problems/ })
          .click();
        const problems = p.locator('.part.panel .markers-panel');
        await problems.locator('.monaco-list-row', { hasText: 'stacks.yaml' }).waitFor({ timeout: STEP_MS });
        await screenshot(p, env, 'problems');
        // The file is left as the user wrote it, and the stacks still load.
        assert.match(await readFile(file, 'utf8'), /broken: \[unclosed/);
      } finally {
        await writeFile(file, original);
      }
    }),
  );
});

/** What a run on an emulated cloud should show, and the screenshots' name. */
interface EmulatedRun {
  readonly stack: string;
  readonly file: string;
  readonly lenses: string[];
  readonly stepName: string;
  readonly operator: string;
  /** The backend's stages, any of which the progress notification may show. */
  readonly stages: readonly string[];
  /** The stage the progress screenshot is taken at when it is seen (else at the first one seen). */
  readonly runningStage?: string;
  readonly console: RegExp;
  /** One of the container's own lines. */
  readonly line: RegExp;
  readonly screenshots: string;
  /** What a user does once the stack is there and before switching to it (entering secrets). */
  readonly prepare?: () => Promise<void>;
}

/**
 * Makes an emulated stack active, clicks the step's cloud lens and follows the run: the backend's
 * stages in the progress notification, the console link, a stage and the container's own lines
 * in the run's log, the run succeeded in the Runs view with its Open in Console action. The
 * stack is removed and the default one active again afterwards.
 */
async function runOnEmulatedCloud(p: Page, run: EmulatedRun): Promise<void> {
  const switchStack = async (name: string): Promise<void> => {
    await pickAfterCommand(
      p,
      'Step Operators: Switch Active Stack...',
      p
        .locator('.quick-input-widget .quick-input-list .monaco-list-row')
        .filter({ has: p.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) }),
    );
    await p.locator('.part.statusbar .statusbar-item', { hasText: name }).waitFor();
  };
  // scripts/e2e.sh started the emulators, which wrote their stacks into a stacks file of their own.
  const added = await addEmulatedStack(run.stack);
  const stacksPane = viewPane(p.locator('[id="workbench.view.extension.stepops"]'), 'Stacks');
  try {
    // The extension has read the stacks file the test wrote once its view lists the stack.
    await openViewContainer(p, 'Step Operators');
    await waitUntil(
      async () => (await treeRows(stacksPane)).some((r) => r.label === run.stack),
      STEP_MS,
      () => `the Stacks view to list ${run.stack}`,
    );
    await run.prepare?.();
    await switchStack(run.stack);
    await openFromExplorer(p, run.file);
    await waitForLenses(p, run.lenses, `${run.file} on the ${run.stack} stack`);
    await openViewContainer(p, 'Step Operators');
    // Earlier runs' notifications (the same step succeeded locally) would answer for this one.
    await runCommand(p, 'Notifications: Clear All Notifications');
    await p.locator('.codelens-decoration a', { hasText: run.lenses[0]! }).click();

    // What the progress notification and the run's log say while the job runs, sampled.
    const seen = { progress: new Set<string>(), log: new Set<string>() };
    const toast = (text: string) => p.locator('.notifications-toasts .notification-toast', { hasText: text });
    const [succeeded, failed] = [toast(`${run.stepName} succeeded.`), toast(`${run.stepName} failed`)];
    const stages = new RegExp(`\\b(${run.stages.join('|')}) on ${run.operator}\\b`, 'g');
    let runningShot = false;
    await waitUntil(
      async () => {
        const toasts = await p
          .locator('.notifications-toasts')
          .innerText()
          .catch(() => '');
        for (const [, stage] of toasts.matchAll(stages)) seen.progress.add(stage!);
        const log = await p
          .locator('.part.panel .monaco-editor .view-lines')
          .innerText()
          .catch(() => '');
        for (const line of log.replace(/\u00a0/g, ' ').split('\n')) seen.log.add(line.trim());
        if (!runningShot && run.runningStage && seen.progress.has(run.runningStage)) {
          runningShot = true;
          await screenshot(p, env, `${run.screenshots}-progress`);
        }
        return (await succeeded.isVisible()) || (await failed.isVisible());
      },
      4 * FIRST_LOAD_MS,
      () =>
        `${run.stepName} to succeed on ${run.operator}; progress showed ${JSON.stringify([...seen.progress])}; ` +
        `log lines ${JSON.stringify([...seen.log].slice(-15))}`,
      200,
    );
    if (await failed.isVisible()) assert.fail(`${run.stepName} failed on ${run.operator}: ${await failed.innerText()}`);
    const lines = [...seen.log];
    // Polling may miss a short stage (the emulators' fast pace), never all of them.
    const required = run.stages;
    if (!runningShot) await screenshot(p, env, `${run.screenshots}-progress`);
    assert.ok(
      required.some((stage) => seen.progress.has(stage)),
      `the backend's stages in the progress: ${[...seen.progress]}`,
    );
    // The panel wraps long lines: the link may span two of them.
    assert.match(lines.join(''), run.console, 'the console link in the log');
    assert.ok(
      lines.some((l) => required.some((stage) => l.startsWith(`[stepops] ${stage}`))),
      'the stage in the log',
    );
    assert.ok(
      lines.some((l) => run.line.test(l)),
      "the container's own lines, streamed from the cloud's log service",
    );

    const runsPane = viewPane(p.locator('[id="workbench.view.extension.stepops"]'), 'Runs');
    let rows: TreeRow[] = [];
    await waitUntil(
      async () => {
        rows = await treeRows(runsPane);
        return rows[0]?.label === run.stepName && rows[0].description.startsWith(`succeeded · ${run.operator} · `);
      },
      STEP_MS,
      () => `the ${run.operator} run at the top of the Runs view; rows: ${JSON.stringify(rows)}`,
    );
    // Its row offers the job's page in the cloud's console.
    const row = runsPane.locator('.monaco-list-row[role="treeitem"]').first();
    await row.hover();
    await row.locator('.action-label[aria-label="Open in Console"]').waitFor();
    await screenshot(p, env, `${run.screenshots}-run`);
  } finally {
    await p.keyboard.press('Escape');
    await switchStack('default').catch(() => p.keyboard.press('Escape'));
    await added.remove();
    // The next test registers components of the same names: let the extension see this stack go first.
    await waitUntil(
      async () => !(await treeRows(stacksPane)).some((r) => r.label === run.stack),
      STEP_MS,
      () => `the Stacks view to drop ${run.stack}`,
    );
  }
}

/** The built-in components a stacks file in `home` has (what the extension adds to every file). */
function builtInsOf(home: string) {
  return async () => ({ artifactRoot: path.join(home, 'artifacts'), dockerEngineAvailable: true });
}

/** The extension's own stacks file, as the test edits it behind the extension's back. */
function extensionStacks(): StackStore {
  const home = process.env.STEPOPS_HOME;
  assert.ok(home, 'scripts/e2e.sh sets STEPOPS_HOME for the extension and the tests');
  return new StackStore(path.join(home, 'stacks.yaml'), builtInsOf(home));
}

/**
 * Copies an emulated stack and its components from the emulators' stacks file into the
 * extension's, its operator given the local base image (no public registry is reachable here).
 */
async function addEmulatedStack(name: string): Promise<{ remove(): Promise<void> }> {
  const emulatorHome = process.env.STEPOPS_E2E_EMULATOR_HOME;
  const home = process.env.STEPOPS_HOME;
  assert.ok(emulatorHome && home, 'scripts/e2e.sh sets STEPOPS_HOME and STEPOPS_E2E_EMULATOR_HOME');
  const theirs = await new StackStore(path.join(emulatorHome, 'stacks.yaml'), builtInsOf(emulatorHome)).read();
  const ours = extensionStacks();
  const definition = theirs.definitions.find((d) => d.name === name);
  assert.ok(definition, `the emulators wrote no stack ${name} into ${emulatorHome}/stacks.yaml`);
  const used = new Set([definition.artifact_store, definition.container_registry, ...definition.step_operators]);
  const components = theirs.components.filter((c) => used.has(c.name) && !theirs.builtInComponents.includes(c));
  const baseImage = process.env.STEPOPS_PYTHON_IMAGE ?? 'stepops-test/python:3.11';
  // Components of the same names registered by earlier tests (the wizard's "sagemaker") come back after.
  const before = await ours.read();
  const replaced = components.flatMap((c) =>
    before.components.filter((b) => b.type === c.type && b.name === c.name && !before.builtInComponents.includes(b)),
  );
  for (const component of components) {
    const config =
      component.type === 'step_operator' ? { ...component.config, base_image: baseImage } : component.config;
    await ours.putComponent({ ...component, config });
  }
  await ours.putStack(definition);
  return {
    remove: async () => {
      await ours.removeStack(name);
      for (const component of components) {
        // One an earlier test registered (a stack may use it) is put back rather than removed.
        const earlier = replaced.find((r) => r.type === component.type && r.name === component.name);
        if (earlier) await ours.putComponent(earlier);
        else await ours.removeComponent(component.type, component.name);
      }
    },
  };
}

/** The emulator-only secret scripts/e2e.sh exported as the CLI reads it, for typing into a form. */
function secretFromEnvironment(component: string, field: string): string {
  const name = secretEnvName(component, field);
  const value = process.env[name];
  assert.ok(value, `scripts/e2e.sh exports the emulators' ${name}`);
  return value;
}

/**
 * Types a secret into a component's edit form and saves it. The form is opened from the palette
 * (which asks which component), as a keyboard user does: a row of the Stacks view may be scrolled
 * out of its pane, where the list does not render it.
 */
async function enterSecret(p: Page, component: string, field: string, value: string): Promise<void> {
  await pickAfterCommand(
    p,
    'Step Operators: Edit Component...',
    p
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: p.locator('.label-name', { hasText: new RegExp(`^${component}$`) }) })
      .first(),
  );
  const tab = p.locator('.tabs-container .tab[aria-label^="Edit "]');
  await tab.waitFor({ timeout: STEP_MS });
  const form = p.frameLocator('iframe.webview.ready:visible').frameLocator('iframe#active-frame');
  const input = form.locator(`#field-${field} input`);
  await input.waitFor({ timeout: STEP_MS });
  await input.fill(value);
  await form.locator('#submit').click();
  // Saving closes the form; the next one must not find this one's frame.
  await tab.waitFor({ state: 'detached', timeout: STEP_MS });
}

/** Waits until the visible editor shows exactly these lens titles, in document order. */
async function waitForLenses(page: Page, expected: string[], where: string): Promise<void> {
  let shown: string[] = [];
  await waitUntil(
    async () => {
      shown = (await page.locator('.monaco-editor .codelens-decoration a').allInnerTexts()).map((t) => t.trim());
      return JSON.stringify(shown) === JSON.stringify(expected);
    },
    STEP_MS,
    () => `the lenses in ${where} to be ${JSON.stringify(expected)}; shown: ${JSON.stringify(shown)}`,
  );
}
