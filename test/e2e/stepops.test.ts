// The packaged extension in a real VS Code (code-server) in a real Chromium, asserted through the
// UI a user sees. Run with `npm run test:e2e` (scripts/e2e.sh), which installs dist/stepops.vsix
// into a fresh code-server and opens a copy of examples/.
//
// The tests share one page and run in order; each opens what it needs itself, so a failure in one
// does not hide the others' results.
import assert from 'node:assert/strict';
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
  quickPickRow,
  runCommand,
  screenshot,
  treeRows,
  viewPane,
  waitUntil,
  withFailureScreenshot,
} from './workbench';

const env = e2eEnv();
const TEST_TIMEOUT = 3 * FIRST_LOAD_MS;

describe('Step Operators in VS Code (code-server + Chromium)', { timeout: 10 * FIRST_LOAD_MS }, () => {
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
        { level: 2, label: 'local', description: 'Artifact store · local' },
        ...(docker ? [{ level: 2, label: 'local-docker', description: 'Step operator · local_docker' }] : []),
      ];
      // The rows come from the extension's TreeDataProvider: they exist only if it activated. The
      // stack and its components arrive together (the stack row is expanded), so wait for the rows
      // every default stack has, then compare all of them.
      let rows: TreeRow[] = [];
      await waitUntil(
        async () => {
          rows = await treeRows(stacksPane);
          return rows.length >= 3;
        },
        FIRST_LOAD_MS,
        () => `the Stacks tree to list the default stack and its components; it shows ${JSON.stringify(rows)}`,
      ).catch(async (error: Error) => {
        const viewText = (await stacksPane.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
        throw new Error(`${error.message}. The view says: "${viewText}". Did the extension fail to activate?`);
      });
      await screenshot(p, env, 'stacks-view');
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
        '\n\n@step(step_operator="vertex")\ndef report(accuracy: float) -> str:\n    return f"{accuracy:.2f}"\n',
      );
      await waitForLenses(
        p,
        ['▶ Run locally', '⚠ Register step operator "vertex"', '▶ Run locally'],
        'evaluator.py after typing a new step',
      );
      await screenshot(p, env, 'codelens-typing');

      // Running is honest until the orchestrator lands: it says so instead of pretending.
      await p.locator('.codelens-decoration a', { hasText: '▶ Run locally' }).first().click();
      await p
        .locator('.notifications-toasts .notification-toast', { hasText: 'not available in this version yet' })
        .waitFor({ timeout: STEP_MS });
      await p.keyboard.press('Escape');
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
      await runCommand(p, 'Output: Show Output Channels...');
      await quickPickRow(p, 'Step Operators')
        .click({ timeout: STEP_MS })
        .catch(async (error: Error) => {
          const channels = await p.locator('.quick-input-widget .quick-input-list .monaco-list-row').allInnerTexts();
          await p.keyboard.press('Escape');
          throw new Error(
            `No "Step Operators" output channel (the extension creates it on activation); channels: ` +
              `${JSON.stringify(channels)}. ${error.message.split('\n')[0]}`,
          );
        });
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
});

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
