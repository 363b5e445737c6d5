// Helpers for the end-to-end tier: a real Chromium (Debian's, driven by playwright-core) on a
// real VS Code served by code-server. scripts/e2e.sh starts code-server and passes its
// coordinates in the environment; nothing here downloads anything.
import { mkdirSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { type Browser, type Locator, type Page, chromium } from 'playwright-core';

export interface E2eEnv {
  /** code-server's base URL, e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** The workspace folder code-server opens (a throwaway copy of examples/). */
  readonly workspace: string;
  readonly screenshots: string;
  /** Where browser console output goes; kept by scripts/e2e.sh when a test fails. */
  readonly logDir: string;
}

export function e2eEnv(): E2eEnv {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run the end-to-end tier with "npm run test:e2e"`);
    return value;
  };
  const screenshots = process.env.STEPOPS_E2E_SCREENSHOTS ?? path.resolve('test-output/e2e/screenshots');
  mkdirSync(screenshots, { recursive: true });
  return {
    url: need('STEPOPS_E2E_URL'),
    workspace: need('STEPOPS_E2E_WORKSPACE'),
    screenshots,
    logDir: process.env.STEPOPS_E2E_LOG_DIR ?? screenshots,
  };
}

/** First load of the workbench on a small machine can take a while: extension host, fonts, etc. */
export const FIRST_LOAD_MS = 60_000;
export const STEP_MS = 30_000;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.STEPOPS_E2E_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Opens the workbench on the workspace folder and waits until it is usable. */
export async function openWorkbench(browser: Browser, env: E2eEnv): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(STEP_MS);
  const consoleLog = path.join(env.logDir, 'browser-console.log');
  page.on('console', (m) => void appendFile(consoleLog, `[${m.type()}] ${m.text()}\n`).catch(() => {}));
  page.on('pageerror', (e) => void appendFile(consoleLog, `[pageerror] ${e.stack ?? e.message}\n`).catch(() => {}));
  await page.goto(`${env.url}/?folder=${encodeURIComponent(env.workspace)}`);
  try {
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: FIRST_LOAD_MS });
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: FIRST_LOAD_MS });
    // The Explorer opens by default and lists the workspace once the remote file system answers.
    await explorerRow(page, 'churn').waitFor({ timeout: FIRST_LOAD_MS });
  } catch (error) {
    await screenshot(page, env, 'failure-workbench');
    throw new Error(`The VS Code workbench did not load from ${env.url}: ${(error as Error).message}`);
  }
  return page;
}

export async function screenshot(page: Page, env: E2eEnv, name: string): Promise<string> {
  const file = path.join(env.screenshots, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Runs one test's body; on failure saves a screenshot and names it in the error. */
export async function withFailureScreenshot(
  page: () => Page | undefined,
  env: E2eEnv,
  name: string,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    const current = page();
    let shot = '(no page to screenshot)';
    if (current)
      shot = await screenshot(current, env, `failure-${name}`).catch((e: Error) => `(screenshot failed: ${e.message})`);
    if (error instanceof Error) error.message += `\n  screenshot: ${shot}`;
    throw error;
  }
}

const CONTAINER_IDS: Record<string, string> = {
  'Step Operators': 'workbench.view.extension.stepops',
  Explorer: 'workbench.view.explorer',
};

/**
 * Shows a view container from the activity bar. Clicking the entry of the container that is
 * already showing would hide the side bar, so this clicks only when it is not selected.
 */
export async function openViewContainer(page: Page, title: string, timeout = STEP_MS): Promise<void> {
  const entry = activityBarEntry(page, title);
  await entry.waitFor({ timeout });
  // The entry's aria-selected can lag behind what the side bar shows (after a modal dialog, for
  // one), so the container's own element decides when we know it.
  const containerId = CONTAINER_IDS[title];
  const showing = containerId
    ? await page.locator(`[id="${containerId}"]`).isVisible()
    : (await entry.getAttribute('aria-selected')) === 'true' && (await page.locator('.part.sidebar').isVisible());
  if (!showing) await entry.click();
  if (containerId) await page.locator(`[id="${containerId}"]`).waitFor({ timeout });
  await waitUntil(
    async () => (await entry.getAttribute('aria-selected')) === 'true',
    timeout,
    () => `"${title}" to be selected in the activity bar`,
  );
  await page.locator('.part.sidebar').waitFor({ timeout });
}

/** The activity bar entry (a `li[role=tab]`) whose link is labelled `title`. */
export function activityBarEntry(page: Page, title: string): Locator {
  return page.locator('.part.activitybar li.action-item[role="tab"]').filter({
    has: page.locator(`a.action-label[aria-label="${title}"], a.action-label[aria-label^="${title} ("]`),
  });
}

export function explorerRow(page: Page, name: string, level?: number): Locator {
  const levelSelector = level === undefined ? '' : `[aria-level="${level}"]`;
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]${levelSelector}`);
}

/** Opens a file from the Explorer by expanding each folder of `relativePath` and clicking the file. */
export async function openFromExplorer(page: Page, relativePath: string): Promise<void> {
  await openViewContainer(page, 'Explorer');
  const parts = relativePath.split('/');
  for (const [index, folder] of parts.slice(0, -1).entries()) {
    const row = explorerRow(page, folder, index + 1);
    await row.waitFor();
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    await waitUntil(
      async () => (await row.getAttribute('aria-expanded')) === 'true',
      STEP_MS,
      () => `folder "${folder}" to expand in the Explorer`,
    );
  }
  const file = parts[parts.length - 1]!;
  await explorerRow(page, file, parts.length).click();
  await page.locator(`.tabs-container .tab[aria-label^="${file}"]`).waitFor();
}

/** One view's pane inside a view container, found by the view's title in its header. */
export function viewPane(container: Locator, title: string): Locator {
  return container
    .locator('.split-view-view')
    .filter({ has: container.page().locator(`.pane-header[aria-label^="${title} "]`) });
}

export interface TreeRow {
  readonly level: number;
  readonly label: string;
  readonly description: string;
}

/** The rows a tree view shows right now (label, description, depth), read from the DOM. */
export async function treeRows(container: Locator): Promise<TreeRow[]> {
  return container.locator('.monaco-list-row[role="treeitem"]').evaluateAll((rows) =>
    rows.map((row) => ({
      level: Number(row.getAttribute('aria-level')),
      label: (row.querySelector('.label-name')?.textContent ?? '').trim(),
      description: (row.querySelector('.label-description')?.textContent ?? '').trim(),
    })),
  );
}

/** Polls `condition` until it holds; fails with what it waited for. */
export async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what: () => string,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Runs a command from the Command Palette (F1: Ctrl+Shift+P and Ctrl+P belong to the browser). */
export async function runCommand(page: Page, title: string): Promise<void> {
  // Right after a window reload the palette can open before it knows every command, and a window
  // that takes the focus as it opens (a notification's, a run's output) closes it again: once the
  // palette or the row does not come, it is closed and opened again.
  for (let attempt = 1; ; attempt++) {
    const timeout = attempt < 3 ? 10_000 : STEP_MS;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input[type="text"]');
    // A command run before is labelled "TITLE, recently used": match the title at the start.
    const row = page.locator(`.quick-input-widget .quick-input-list .monaco-list-row[aria-label^="${title}"]`).first();
    try {
      await input.fill(`>${title}`, { timeout });
      await row.click({ timeout });
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      console.log(`e2e: the palette took no "${title}" (attempt ${attempt}): opening it again`);
      await page.keyboard.press('Escape');
    }
  }
}

/**
 * Runs a command whose first act is to show a pick, and clicks `row` in it. The pick can be closed
 * before its rows come for the reason runCommand gives (a window taking the focus, typically the
 * run output a just-finished step opened): then the command is run again, which is safe for the
 * commands this is used with, as they change nothing before a row is picked.
 */
export async function pickAfterCommand(page: Page, title: string, row: Locator): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, title);
    try {
      await row.click({ timeout: attempt < 3 ? 10_000 : STEP_MS });
      return;
    } catch (error) {
      if (attempt >= 3) {
        const shown = await page
          .locator('.quick-input-widget .quick-input-list .monaco-list-row')
          .allInnerTexts()
          .catch(() => []);
        throw new Error(
          `"${title}" showed no row to pick; rows shown: ${JSON.stringify(shown)}. ${(error as Error).message.split('\n')[0]}`,
        );
      }
      console.log(`e2e: "${title}" showed no row to pick (attempt ${attempt}): running it again`);
      await page.keyboard.press('Escape');
    }
  }
}

export function quickPickRow(page: Page, label: string): Locator {
  return page.locator(`.quick-input-widget .quick-input-list .monaco-list-row[aria-label="${label}"]`);
}

/** Whether a Docker engine answers `GET /_ping` on its socket: checked here, not by the extension's code. */
export function dockerAnswers(socketPath = '/var/run/docker.sock', timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
