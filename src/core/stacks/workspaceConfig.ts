// A workspace's own stepops settings, in .stepops/config.yaml: which stack is active. It holds
// no secrets and no machine-specific paths, so it is safe to commit and share with a team.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite';
import { loadYaml } from './loadYaml';
import type { FileDiagnostic } from './stackFile';

export const WORKSPACE_CONFIG = path.join('.stepops', 'config.yaml');

export interface WorkspaceConfig {
  readonly activeStack?: string;
  readonly diagnostics: readonly FileDiagnostic[];
}

export async function readWorkspaceConfig(folder: string): Promise<WorkspaceConfig> {
  const text = await readFile(path.join(folder, WORKSPACE_CONFIG), 'utf8').catch(() => undefined);
  if (text === undefined) return { diagnostics: [] };
  const { parseDocument } = await loadYaml();
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    return {
      diagnostics: document.errors.map((e) => ({
        message: e.message.split('\n')[0]!,
        line: e.linePos?.[0]?.line ?? 1,
        column: e.linePos?.[0]?.col ?? 1,
        severity: 'error' as const,
      })),
    };
  }
  const active = document.get('active_stack');
  if (active !== undefined && typeof active !== 'string') {
    return { diagnostics: [{ message: 'active_stack must be a stack name', line: 1, column: 1, severity: 'error' }] };
  }
  return { ...(active ? { activeStack: active } : {}), diagnostics: [] };
}

/** Sets the active stack, keeping the rest of the file (comments, other keys) as it is. */
export async function writeActiveStack(folder: string, stackName: string): Promise<void> {
  const file = path.join(folder, WORKSPACE_CONFIG);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const { parseDocument } = await loadYaml();
  const document = parseDocument(text ?? '# stepops workspace settings (safe to commit: no secrets here)\n');
  if (document.errors.length > 0) {
    throw new Error(`${file} has syntax errors; fix them first (nothing was changed).`);
  }
  document.set('active_stack', stackName);
  await writeFileAtomic(file, document.toString());
}
