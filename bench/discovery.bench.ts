// Step discovery against the reference a Python tool would use, CPython's `ast.parse` plus a walk
// for decorated functions over the same files, measured in the same run; the pathological file of
// the performance issue (an unclosed `x = (` at line 3 of 1 MB and 5 MB files) against the same
// file without the error; keystrokes in an open 1,000- and 20,000-line file; and how long the
// extension host's event loop is held while a file is discovered in slices.
//
//   npm run bench:discovery
//
// Prints a table (bench/benchTable.ts); nothing here is a pass/fail test. An event-loop stall is
// the longest gap between the ticks of a 1 ms timer: it counts garbage collection and time the OS
// gave other processes as well as discovery's own slices (shown beside it). Peak memory is the
// maximum resident set of a fresh Node process that discovers one file (this file, run with
// STEPOPS_BENCH_DISCOVER_FILE), so that one case's garbage never counts in another's.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { discoverPythonSource, discoverPythonSourceInSlices } from '../src/core/python/discovery';
import { IncrementalDocument } from '../src/core/python/incrementalDocument';
import { type PythonParser, loadPythonParser } from '../src/core/python/pythonParser';
import { StepIndex } from '../src/core/python/stepIndex';
import { type BenchCases, type BenchRow, ratio, runStandalone } from './benchTable';

const PYTHON_REFERENCE = String.raw`
import ast, json, os, sys, time

def steps_in(tree):
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                target = d.func if isinstance(d, ast.Call) else d
                if isinstance(target, ast.Name) and target.id == "step":
                    found.append(node.name)
    return found

def time_file(path, repeats):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        count = len(steps_in(ast.parse(text)))
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"median_ms": samples[len(samples) // 2], "steps": count}

def time_tree(root):
    start = time.perf_counter()
    files = steps = 0
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    steps += len(steps_in(ast.parse(f.read())))
                files += 1
    return {"ms": (time.perf_counter() - start) * 1000, "files": files, "steps": steps}

mode, target, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
print(json.dumps(time_file(target, repeats) if mode == "file" else time_tree(target)))
`;

/** The targets. */
const KEYSTROKE_TARGET_MS = 10;
const BROKEN_FILE_TARGET_RATIO = 2;
const EVENT_LOOP_TARGET_MS = 50;

function stepSource(index: number, bodyLines: number): string[] {
  const lines = [`@step(step_operator="op${index % 3}", settings={"step_operator": {"instance_type": "ml.m5.large"}})`];
  lines.push(`def step_${index}(rows: list, epochs: int = ${index}, rate: float = 0.1) -> dict:`);
  lines.push(`    """Step number ${index}."""`);
  for (let i = 0; i < bodyLines; i++) lines.push(`    total_${i} = sum(r * ${i} for r in rows)  # work`);
  lines.push('    return {"epochs": epochs}', '');
  return lines;
}

function pythonFile(steps: number, targetLines: number): string {
  const header = ['from zenml import step', 'import math', ''];
  const perStep = Math.max(1, Math.floor((targetLines - header.length) / steps) - 5);
  const lines = [...header];
  for (let i = 0; i < steps; i++) lines.push(...stepSource(i, perStep));
  return `${lines.join('\n')}\n`;
}

/** About `bytes` of steps whose line 3 is `x = (` (unclosed) or `x = ()`: the pathological file. */
function fileOfSize(bytes: number, broken: boolean): string {
  const lines = ['from zenml import step', 'import math', broken ? 'x = (' : 'x = ()', ''];
  let size = lines.join('\n').length;
  for (let i = 0; size < bytes; i++) {
    const step = stepSource(i, 30);
    lines.push(...step);
    size += step.join('\n').length + 1;
  }
  return `${lines.join('\n')}\n`;
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const ms = (value: number): string => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;

const CPYTHON = `CPython ${execFileSync('python3', ['--version'], { encoding: 'utf8' })
  .replace(/^Python\s+/, '')
  .trim()}`;

function python(
  mode: 'file' | 'tree',
  target: string,
  repeats = 1,
): { median_ms?: number; ms?: number; steps: number } {
  return JSON.parse(
    execFileSync('python3', ['-c', PYTHON_REFERENCE, mode, target, String(repeats)], { encoding: 'utf8' }),
  );
}

/** Runs `work` while a 1 ms timer watches the event loop; the longest gap between its ticks. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 1);
  try {
    last = performance.now();
    const result = await work();
    stallMs = Math.max(stallMs, performance.now() - last);
    return { result, stallMs };
  } finally {
    clearInterval(timer);
  }
}

/** Whole-file discovery, ours and CPython's, and re-discovery after a keystroke. */
async function fileCases(parser: PythonParser, dir: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, steps, lines, repeats] of [
    ['1,000-line file, 25 steps', 25, 1_000, 50],
    ['20,000-line file, 500 steps', 500, 20_000, 10],
  ] as const) {
    const text = pythonFile(steps, lines);
    const file = path.join(dir, `${steps}.py`);
    await writeFile(file, text);
    for (let i = 0; i < 3; i++) discoverPythonSource(parser, text); // warm up the JIT
    const samples: number[] = [];
    let found = 0;
    for (let i = 0; i < repeats; i++) {
      const start = performance.now();
      found = discoverPythonSource(parser, text).steps.length;
      samples.push(performance.now() - start);
    }
    const reference = python('file', file, repeats);
    rows.push({
      case: `discovery, ${label}`,
      stepops: `${ms(median(samples))} (${found} steps)`,
      baseline: `${CPYTHON} ast ${ms(reference.median_ms!)} (${reference.steps} steps)`,
      ratio: ratio(median(samples), reference.median_ms!),
      target: '-',
    });

    // Typing: one character inserted at a time in the bodies of steps spread over the file,
    // re-discovered incrementally as the lenses are.
    const document = new IncrementalDocument(parser);
    let edited = text;
    document.update(edited);
    const editSamples: number[] = [];
    for (let i = 0; i < 40; i++) {
      const at = edited.indexOf('total_1 =', Math.floor((edited.length / 40) * i));
      if (at < 0) break;
      edited = `${edited.slice(0, at)}x${edited.slice(at)}`;
      const start = performance.now();
      document.update(edited);
      editSamples.push(performance.now() - start);
    }
    document.dispose();
    const editMs = median(editSamples);
    rows.push({
      case: `keystroke re-discovery, ${label}`,
      stepops: `${ms(editMs)} (median of ${editSamples.length})`,
      baseline: `from scratch ${ms(median(samples))}`,
      ratio: ratio(editMs, median(samples)),
      target: `< ${KEYSTROKE_TARGET_MS} ms`,
      met: editMs < KEYSTROKE_TARGET_MS,
    });
  }
  return rows;
}

/** One discovery of `file` in a fresh process: its time and the process's peak resident memory. */
function discoverInChild(file: string): { ms: number; peakMB: number; steps: number; problems: number } {
  const output = execFileSync(process.execPath, ['--import', 'tsx', __filename], {
    encoding: 'utf8',
    env: { ...process.env, STEPOPS_BENCH_DISCOVER_FILE: file },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.trim().split('\n').pop()!);
}

async function childMain(file: string): Promise<void> {
  const parser = await loadPythonParser();
  discoverPythonSource(parser, pythonFile(25, 1_000)); // the grammar's first use, out of the figure
  const text = readFileSync(file, 'utf8');
  const start = performance.now();
  const model = discoverPythonSource(parser, text);
  const elapsed = performance.now() - start;
  const peakMB = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({ ms: elapsed, peakMB, steps: model.steps.length, problems: model.syntaxProblems.length }),
  );
}

/** The pathological file: an unclosed parenthesis at line 3, against the same file without it. */
async function brokenFileCases(parser: PythonParser, dir: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const megabytes of [1, 5]) {
    const files = { broken: path.join(dir, `broken-${megabytes}.py`), clean: path.join(dir, `clean-${megabytes}.py`) };
    await writeFile(files.broken, fileOfSize(megabytes * 1024 * 1024, true));
    await writeFile(files.clean, fileOfSize(megabytes * 1024 * 1024, false));
    const runs = {
      broken: [] as ReturnType<typeof discoverInChild>[],
      clean: [] as ReturnType<typeof discoverInChild>[],
    };
    for (let i = 0; i < 3; i++) {
      runs.broken.push(discoverInChild(files.broken));
      runs.clean.push(discoverInChild(files.clean));
    }
    const time = { broken: median(runs.broken.map((r) => r.ms)), clean: median(runs.clean.map((r) => r.ms)) };
    const peak = { broken: median(runs.broken.map((r) => r.peakMB)), clean: median(runs.clean.map((r) => r.peakMB)) };
    const found = `${runs.broken[0]!.steps}/${runs.clean[0]!.steps} steps`;
    rows.push(
      {
        case: `${megabytes} MB file, unclosed ( at line 3: time`,
        stepops: `${ms(time.broken)} (${found})`,
        baseline: `without the error ${ms(time.clean)}`,
        ratio: ratio(time.broken, time.clean),
        target: `within ${BROKEN_FILE_TARGET_RATIO}x`,
        met: time.broken <= BROKEN_FILE_TARGET_RATIO * time.clean,
      },
      {
        case: `${megabytes} MB file, unclosed ( at line 3: peak memory`,
        stepops: `${peak.broken.toFixed(0)} MB`,
        baseline: `without the error ${peak.clean.toFixed(0)} MB`,
        ratio: ratio(peak.broken, peak.clean),
        target: `within ${BROKEN_FILE_TARGET_RATIO}x`,
        met: peak.broken <= BROKEN_FILE_TARGET_RATIO * peak.clean,
      },
    );
  }

  // The same 5 MB broken file as the extension host meets it: read from disk by the index, and
  // opened, then typed in, in an editor. Discovery runs in slices; the event loop is never held long.
  const text = fileOfSize(5 * 1024 * 1024, true);
  const atOnceStart = performance.now();
  discoverPythonSource(parser, text);
  const atOnce = performance.now() - atOnceStart;
  const diskSlices = { longestSliceMs: 0 };
  const fromDisk = await longestStall(() => discoverPythonSourceInSlices(parser, text, { stats: diskSlices }));
  rows.push({
    case: '5 MB file with the error, discovered in slices: longest event-loop stall',
    stepops: `${ms(fromDisk.stallMs)} (longest slice ${ms(diskSlices.longestSliceMs)}, ${fromDisk.result.steps.length} steps)`,
    baseline: `at once ${ms(atOnce)}`,
    ratio: ratio(fromDisk.stallMs, atOnce),
    target: `<= ${EVENT_LOOP_TARGET_MS} ms`,
    met: fromDisk.stallMs <= EVENT_LOOP_TARGET_MS,
  });
  const document = new IncrementalDocument(parser);
  try {
    const editorSlices = { longestSliceMs: 0 };
    const opened = await longestStall(() => document.updateInSlices(text, { stats: editorSlices }));
    let edited = text;
    const typed = await longestStall(async () => {
      for (let i = 0; i < 20; i++) {
        const at = edited.indexOf('total_1 =', Math.floor((edited.length / 20) * i));
        edited = `${edited.slice(0, at)}x${edited.slice(at)}`;
        await document.updateInSlices(edited, { stats: editorSlices });
      }
    });
    rows.push({
      case: '5 MB file with the error, opened and typed in: longest event-loop stall',
      stepops:
        `${ms(Math.max(opened.stallMs, typed.stallMs))} (open ${ms(opened.stallMs)}, 20 keystrokes ` +
        `${ms(typed.stallMs)}; longest slice ${ms(editorSlices.longestSliceMs)})`,
      baseline: `at once ${ms(atOnce)}`,
      ratio: ratio(Math.max(opened.stallMs, typed.stallMs), atOnce),
      target: `<= ${EVENT_LOOP_TARGET_MS} ms`,
      met: Math.max(opened.stallMs, typed.stallMs) <= EVENT_LOOP_TARGET_MS,
    });
  } finally {
    document.dispose();
  }
  return rows;
}

/** Loading the grammar and the first parse, in a fresh process, as on the extension host's first Python file. */
function grammarLoadCase(): BenchRow {
  const code = `
    const { loadPythonParser } = require(${JSON.stringify(path.join(__dirname, '../src/core/python/pythonParser'))});
    let last = performance.now(), stall = 0;
    const timer = setInterval(() => { const now = performance.now(); stall = Math.max(stall, now - last); last = now; }, 1);
    const start = performance.now();
    loadPythonParser().then((parser) => {
      parser.parse('from zenml import step\\n@step\\ndef f(): ...\\n').delete();
      const total = performance.now() - start;
      stall = Math.max(stall, performance.now() - last);
      clearInterval(timer);
      console.log(JSON.stringify({ total, stall }));
    });`;
  const samples = [0, 1, 2].map(
    () =>
      JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8' })) as {
        total: number;
        stall: number;
      },
  );
  const stall = median(samples.map((s) => s.stall));
  return {
    case: 'grammar load + first parse: longest event-loop stall',
    stepops: ms(stall),
    baseline: `whole load ${ms(median(samples.map((s) => s.total)))}`,
    ratio: ratio(stall, median(samples.map((s) => s.total))),
    target: `<= ${EVENT_LOOP_TARGET_MS} ms`,
    met: stall <= EVENT_LOOP_TARGET_MS,
  };
}

async function workspaceCases(parser: PythonParser, dir: string): Promise<BenchRow[]> {
  const workspace = path.join(dir, 'workspace');
  const small = pythonFile(5, 120);
  const plain = 'import os\n\n\ndef helper(x):\n    return os.path.join(x, "y")\n'.repeat(20);
  for (let i = 0; i < 2_000; i++) {
    const folder = path.join(workspace, `pkg${i % 40}`);
    await mkdir(folder, { recursive: true });
    // A realistic mix: one file in four defines steps, the rest are ordinary modules.
    await writeFile(path.join(folder, `m${i}.py`), i % 4 === 0 ? small : plain);
  }
  const index = new StepIndex(parser);
  const scan = await index.scan(workspace);
  const reference = python('tree', workspace);
  return [
    {
      case: 'workspace scan, 2,000 files (500 with steps)',
      stepops: `${ms(scan.milliseconds)} (${index.steps().length} steps)`,
      baseline: `${CPYTHON} ast ${ms(reference.ms!)} (${reference.steps} steps)`,
      ratio: ratio(scan.milliseconds, reference.ms!),
      target: '-',
    },
    {
      case: 'workspace scan, 2,000 files: longest slice',
      stepops: ms(scan.longestSliceMs),
      baseline: '-',
      ratio: '-',
      target: `<= ${EVENT_LOOP_TARGET_MS} ms`,
      met: scan.longestSliceMs <= EVENT_LOOP_TARGET_MS,
    },
  ];
}

export const cases: BenchCases = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stepops-bench-discovery-'));
  try {
    const parser = await loadPythonParser();
    return [
      ...(await fileCases(parser, dir)),
      ...(await brokenFileCases(parser, dir)),
      grammarLoadCase(),
      ...(await workspaceCases(parser, dir)),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  const file = process.env.STEPOPS_BENCH_DISCOVER_FILE;
  if (file) void childMain(file);
  else runStandalone(cases);
}
