// Discovery speed against the reference a Python tool would use: CPython's `ast.parse` plus a
// walk for decorated functions, over the same files, measured in the same run.
//
//   npm run bench:discovery
//
// Prints a table; nothing here is a pass/fail test.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { discoverPythonSource } from '../src/core/python/discovery';
import { IncrementalDocument } from '../src/core/python/incrementalDocument';
import { loadPythonParser } from '../src/core/python/pythonParser';
import { StepIndex } from '../src/core/python/stepIndex';

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

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function python(
  mode: 'file' | 'tree',
  target: string,
  repeats = 1,
): { median_ms?: number; ms?: number; steps: number } {
  return JSON.parse(
    execFileSync('python3', ['-c', PYTHON_REFERENCE, mode, target, String(repeats)], { encoding: 'utf8' }),
  );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'stepops-bench-'));
  try {
    const parser = await loadPythonParser();
    const rows: string[][] = [];

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
      // Typing: one character inserted at a time, re-discovered incrementally as the lenses are.
      const document = new IncrementalDocument(parser);
      let edited = text;
      document.update(edited);
      const editSamples: number[] = [];
      for (let i = 0; i < 20; i++) {
        const at = edited.indexOf('total_1 =', Math.floor((edited.length / 20) * i));
        if (at < 0) break;
        edited = `${edited.slice(0, at)}x${edited.slice(at)}`;
        const editStart = performance.now();
        document.update(edited);
        editSamples.push(performance.now() - editStart);
      }
      document.dispose();
      const editMs = median(editSamples);
      const reference = python('file', file, repeats);
      rows.push([
        label,
        `${text.split('\n').length - 1}`,
        `${found}/${reference.steps}`,
        median(samples).toFixed(2),
        editMs.toFixed(2),
        reference.median_ms!.toFixed(2),
        (median(samples) / reference.median_ms!).toFixed(2),
      ]);
    }

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
    rows.push([
      '2,000-file workspace (500 with steps)',
      '-',
      `${index.steps().length}/${reference.steps}`,
      scan.milliseconds.toFixed(0),
      `slice ${scan.longestSliceMs.toFixed(1)}`,
      reference.ms!.toFixed(0),
      (scan.milliseconds / reference.ms!).toFixed(2),
    ]);

    const header = ['case', 'lines', 'steps (ours/ast)', 'stepops ms', 'edit ms', 'CPython ast ms', 'ratio'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const print = (cells: string[]): void =>
      console.log(`| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`);
    console.log(`node ${process.version}, ${execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim()}`);
    print(header);
    console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
    for (const row of rows) print(row);
    console.log('\nstepops ms: median whole-file discovery (files) or full scan incl. reads (workspace).');
    console.log(
      'edit ms: median incremental re-discovery after typing one character. ratio: stepops / CPython (lower is better).',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
