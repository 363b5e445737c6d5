// The stepops CLI from its sources in a process of its own, as a user runs it: in the test's
// project folder, with the test's environment. tsx is named by path because the processes do
// not run in this repository.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
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
