import { appendFile, mkdir, readFile, readdir, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite';
import type { LogLine } from '../operators/stepOperator';
import type { RunRecord } from './runRecord';

/**
 * Run records and their logs in a folder (the workspace's .stepops/runs): RUN.json, replaced
 * atomically on every transition, and RUN.log, appended batch by batch. The folder ignores
 * itself for git, since runs are local history, not project configuration.
 */
export class RunStore {
  private prepared = false;

  constructor(readonly folder: string) {}

  async save(record: RunRecord): Promise<void> {
    await this.ensureFolder();
    await writeFileAtomic(path.join(this.folder, `${record.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    if (!/^[\w.-]+$/.test(id)) return undefined;
    const text = await readFile(path.join(this.folder, `${id}.json`), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as RunRecord);
  }

  /** Newest first. Unreadable records are skipped, not fatal. */
  async list(): Promise<RunRecord[]> {
    const names = await readdir(this.folder).catch(() => [] as string[]);
    const records = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => this.get(n.slice(0, -'.json'.length)).catch(() => undefined)),
    );
    const started = (r: RunRecord): string => r.transitions[0]?.at ?? '';
    return records
      .filter((r): r is RunRecord => r !== undefined)
      .sort((a, b) => (started(a) === started(b) ? (a.id < b.id ? 1 : -1) : started(a) < started(b) ? 1 : -1));
  }

  /** Appends lines and returns the log's new size, which the record keeps with its cursor. */
  async appendLogs(id: string, lines: readonly LogLine[]): Promise<number> {
    await this.ensureFolder();
    const file = path.join(this.folder, `${id}.log`);
    if (lines.length > 0) await appendFile(file, lines.map((l) => `${l.text}\n`).join(''));
    return (await stat(file).catch(() => ({ size: 0 }))).size;
  }

  /**
   * Cuts the log back to the size recorded with the last saved cursor: lines written after it
   * (by a process that died before saving the record) are fetched again, so keeping them would
   * duplicate them.
   */
  async rewindLogs(id: string, size: number): Promise<void> {
    const file = path.join(this.folder, `${id}.log`);
    const current = (await stat(file).catch(() => undefined))?.size;
    if (current !== undefined && current > size) await truncate(file, size);
  }

  /** The log, or its first `upToBytes` bytes (cut as bytes: the record's cursor counts bytes). */
  async readLogs(id: string, upToBytes?: number): Promise<string> {
    const bytes = await readFile(path.join(this.folder, `${id}.log`)).catch(() => Buffer.alloc(0));
    return (upToBytes === undefined ? bytes : bytes.subarray(0, upToBytes)).toString('utf8');
  }

  /**
   * Records that a run should stop. A marker file of its own, not a field of the record, so that
   * a process following the run (which rewrites the record with every log batch) cannot lose it.
   */
  async requestCancel(id: string): Promise<void> {
    await this.ensureFolder();
    await writeFileAtomic(path.join(this.folder, `${id}.cancel`), new Date().toISOString());
  }

  async cancelRequested(id: string): Promise<boolean> {
    return (await stat(path.join(this.folder, `${id}.cancel`)).catch(() => undefined)) !== undefined;
  }

  async delete(id: string): Promise<void> {
    await rm(path.join(this.folder, `${id}.cancel`), { force: true });
    await rm(path.join(this.folder, `${id}.json`), { force: true });
    await rm(path.join(this.folder, `${id}.log`), { force: true });
  }

  private async ensureFolder(): Promise<void> {
    if (this.prepared) return;
    await mkdir(this.folder, { recursive: true });
    const ignoreFile = path.join(this.folder, '.gitignore');
    if (!(await stat(ignoreFile).catch(() => undefined))) await writeFileAtomic(ignoreFile, '*\n');
    this.prepared = true;
  }
}
