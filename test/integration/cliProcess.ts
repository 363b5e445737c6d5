// The stepops CLI from its sources in a process of its own, as a user runs it: in the test's
// project folder, with the test's environment. tsx is named by path because the processes do
// not run in this repository.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../..');
const TSX = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const MAIN = path.join(root, 'src', 'cli', 'main.ts');

export interface CliContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `stepops ARGS` to its end. */
export async function runCli(context: CliContext, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', TSX, MAIN, ...args], context);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts `stepops ARGS` and returns the process (to read as it goes, or to kill). */
export function startCli(context: CliContext, ...args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, MAIN, ...args], { ...context, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface CliProject {
  /** The project folder, with jobs/__init__.py and jobs/work.py. */
  readonly project: string;
  /** STEPOPS_HOME of the test: its own stacks file and artifacts. */
  readonly home: string;
  readonly context: () => CliContext;
  /** Runs `stepops ARGS` in the project. */
  readonly cli: (...args: string[]) => Promise<CliResult>;
  readonly remove: () => Promise<void>;
}

/** A throwaway project whose jobs/work.py holds `steps`, and a STEPOPS_HOME of its own. */
export async function makeCliProject(prefix: string, steps: string): Promise<CliProject> {
  const project = await mkdtemp(path.join(tmpdir(), `${prefix}-project-`));
  const home = await mkdtemp(path.join(tmpdir(), `${prefix}-home-`));
  await mkdir(path.join(project, 'jobs'));
  await writeFile(path.join(project, 'jobs', '__init__.py'), '');
  await writeFile(path.join(project, 'jobs', 'work.py'), steps);
  const context = (): CliContext => ({ cwd: project, env: { ...process.env, STEPOPS_HOME: home } });
  return {
    project,
    home,
    context,
    cli: (...args) => runCli(context(), ...args),
    remove: async () => {
      await rm(project, { recursive: true, force: true });
      await rm(home, { recursive: true, force: true });
    },
  };
}
