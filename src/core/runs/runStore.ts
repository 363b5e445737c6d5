import { appendFile, mkdir, readFile, readdir, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite';
import type { LogLine } from '../operators/stepOperator';
import type { RunRecord } from './runRecord';

/**
 * Run records and their logs in a folder (the workspace's .stepops/runs): RUN.json, replaced
 * atomically on every transition, and RUN.jsonl, one JSON line per log line (text, and the
 * source, stream and time when the backend gave them), appended batch by batch. Runs recorded
 * before that kept plain text in RUN.log, which is still read. The folder ignores itself for
 * git, since runs are local history, not project configuration.
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
    const file = await this.logFile(id);
    const serialise = file.endsWith('.jsonl') ? serialiseLine : (l: LogLine) => l.text;
    if (lines.length > 0) await appendFile(file, lines.map((l) => `${serialise(l)}\n`).join(''));
    return (await stat(file).catch(() => ({ size: 0 }))).size;
  }

  /**
   * Cuts the log back to the size recorded with the last saved cursor: lines written after it
   * (by a process that died before saving the record) are fetched again, so keeping them would
   * duplicate them.
   */
  async rewindLogs(id: string, size: number): Promise<void> {
    const file = await this.logFile(id);
    const current = (await stat(file).catch(() => undefined))?.size;
    if (current !== undefined && current > size) await truncate(file, size);
  }

  /** The log as text, or its first `upToBytes` bytes' worth (the record's cursor counts bytes). */
  async readLogs(id: string, upToBytes?: number): Promise<string> {
    return formatLogLines(await this.readLogLines(id, upToBytes));
  }

  /** The stored lines, or those in the first `upToBytes` bytes of the log. */
  async readLogLines(id: string, upToBytes?: number): Promise<LogLine[]> {
    const file = await this.logFile(id);
    const bytes = await readFile(file).catch(() => Buffer.alloc(0));
    const text = (upToBytes === undefined ? bytes : bytes.subarray(0, upToBytes)).toString('utf8');
    const lines = text.split('\n');
    lines.pop(); // after the last newline: nothing, or a line cut by upToBytes
    return file.endsWith('.jsonl') ? lines.map(parseLine) : lines.map((line) => ({ text: line }));
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
    for (const suffix of ['.cancel', '.json', '.jsonl', '.log']) {
      await rm(path.join(this.folder, `${id}${suffix}`), { force: true });
    }
  }

  /** RUN.jsonl, unless the run was recorded with a plain-text RUN.log. */
  private async logFile(id: string): Promise<string> {
    const legacy = path.join(this.folder, `${id}.log`);
    return (await stat(legacy).catch(() => undefined)) ? legacy : path.join(this.folder, `${id}.jsonl`);
  }

  private async ensureFolder(): Promise<void> {
    if (this.prepared) return;
    await mkdir(this.folder, { recursive: true });
    const ignoreFile = path.join(this.folder, '.gitignore');
    if (!(await stat(ignoreFile).catch(() => undefined))) await writeFileAtomic(ignoreFile, '*\n');
    this.prepared = true;
  }
}

function serialiseLine(line: LogLine): string {
  return JSON.stringify({
    text: line.text,
    ...(line.source !== undefined ? { source: line.source } : {}),
    ...(line.stream !== undefined ? { stream: line.stream } : {}),
    ...(line.timestamp !== undefined ? { timestamp: line.timestamp } : {}),
  });
}

function parseLine(json: string): LogLine {
  try {
    const value = JSON.parse(json) as Partial<LogLine>;
    if (typeof value.text === 'string') return value as LogLine;
  } catch {
    // a line some other writer damaged: shown as it is rather than lost
  }
  return { text: json };
}

/** Lines as text, each prefixed with its source when it has one (operators name sources only for jobs with several). */
export function formatLogLines(lines: readonly LogLine[]): string {
  return lines.map((l) => `${l.source ? `[${l.source}] ` : ''}${l.text}\n`).join('');
}
