// Image build and push for a code-only change, stepops' layered image against a conventional
// single-stage Dockerfile (COPY . . then pip install) built and pushed with the docker CLI, in the
// same run, on the same engine and registry; stepops' default daemonless push (registry API only)
// against its own Docker build + push of the same change; and the overhead of a run when the
// image exists.
//
//   npm run bench:images      (starts the services it needs)
//
// Bytes pushed are what the registry stored, measured on its disk, so both paths are counted
// the same way.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectDocker } from '../src/core/images/dockerClient';
import { ensureStepImage } from '../src/core/images/stepImage';
import { createProjectRunner } from '../src/core/orchestrator/projectRunner';
import { makeWheel } from '../test/fixtures/makeWheel';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const registry = need('STEPOPS_REGISTRY');
const registryData = need('STEPOPS_REGISTRY_DATA');
const pipImage = need('STEPOPS_PYTHON_PIP_IMAGE');
const DEPENDENCY_BYTES = 20 * 1024 * 1024;

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through "npm run bench:images"`);
  return value;
}

async function du(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath ?? entry.path, entry.name))).size;
  }
  return total;
}

async function measure<T>(action: () => Promise<T>): Promise<{ ms: number; bytes: number; result: T }> {
  const before = await du(registryData);
  const started = performance.now();
  const result = await action();
  return { ms: performance.now() - started, bytes: (await du(registryData)) - before, result };
}

async function touch(project: string, marker: string): Promise<void> {
  const file = path.join(project, 'churn', 'steps', 'trainer.py');
  await writeFile(file, `${await readFile(file, 'utf8')}\n# ${marker}\n`);
}

async function main(): Promise<void> {
  const docker = await connectDocker();
  const work = await mkdtemp(path.join(tmpdir(), 'stepops-bench-images-'));
  const project = path.join(work, 'project');
  try {
    await cp(path.join(root, 'examples'), project, { recursive: true });
    await mkdir(path.join(project, 'wheels'));
    await makeWheel(path.join(project, 'wheels'), 'stepops_bench_dep', '1.0', DEPENDENCY_BYTES);
    await writeFile(path.join(project, 'requirements.txt'), 'stepops-bench-dep==1.0\n');
    await writeFile(
      path.join(project, 'Dockerfile.naive'),
      [
        `FROM ${pipImage}`,
        'WORKDIR /app',
        'COPY . .',
        'RUN PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --no-cache-dir --no-index --find-links wheels -r requirements.txt',
        'ENTRYPOINT ["python3"]',
        '',
      ].join('\n'),
    );
    const tag = Date.now().toString(36);
    const ours = (overrides: { daemonless?: boolean; repository?: string; runsOnThisEngine?: boolean } = {}) =>
      ensureStepImage(docker, {
        projectRoot: project,
        runtimeRoot: path.join(root, 'runtime'),
        baseImage: pipImage,
        requirementsFile: 'requirements.txt',
        findLinks: 'wheels',
        registry,
        repository: `bench/ours-${tag}`,
        ...overrides,
      });
    const oursWithDocker = () => ours({ daemonless: false, repository: `bench/ours-docker-${tag}` });
    const naive = async (version: string) => {
      const reference = `${registry}/bench/naive-${tag}:${version}`;
      await run('docker', ['build', '--network', 'host', '-q', '-f', 'Dockerfile.naive', '-t', reference, '.'], {
        cwd: project,
      });
      await run('docker', ['push', '-q', reference]);
    };

    // Warm both: the first build and push of each is not what is measured.
    await ours();
    await oursWithDocker();
    await naive('v0');
    const rows: string[][] = [];
    type Sample = { ms: number; bytes: number };
    const samples = { ours: [] as Sample[], docker: [] as Sample[], naive: [] as Sample[] };
    for (let i = 1; i <= 3; i++) {
      await touch(project, `change ${i} ${tag}`);
      const daemonless = await measure(() => ours());
      if (!daemonless.result.daemonless) throw new Error('the code-only change did not take the daemonless path');
      samples.ours.push(daemonless);
      samples.docker.push(await measure(oursWithDocker));
      samples.naive.push(await measure(() => naive(`v${i}`)));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const oursMs = median(samples.ours.map((s) => s.ms));
    const naiveMs = median(samples.naive.map((s) => s.ms));
    const oursBytes = median(samples.ours.map((s) => s.bytes));
    const naiveBytes = median(samples.naive.map((s) => s.bytes));
    const dockerMs = median(samples.docker.map((s) => s.ms));
    rows.push([
      'code-only change: build + push',
      `${oursMs.toFixed(0)} ms`,
      `${naiveMs.toFixed(0)} ms`,
      `${(naiveMs / oursMs).toFixed(1)}x faster`,
    ]);
    rows.push([
      'code-only change: daemonless vs docker',
      `${oursMs.toFixed(0)} ms`,
      `${dockerMs.toFixed(0)} ms stepops docker build+push`,
      `${(dockerMs / oursMs).toFixed(1)}x faster`,
    ]);
    rows.push([
      'code-only change: bytes pushed',
      kb(oursBytes),
      kb(naiveBytes),
      `${((100 * oursBytes) / naiveBytes).toFixed(2)} % of naive`,
    ]);

    const unchanged = await measure(() => ours());
    rows.push([
      'unchanged project: build + push',
      `${unchanged.ms.toFixed(0)} ms`,
      '-',
      unchanged.result.built ? 'built (unexpected)' : 'nothing built or pushed',
    ]);

    // Click to running when the image exists, against a bare create + start of the same image.
    // In this engine (pulled when only the registry has it) for the bare create + start below.
    const image = (await ours({ runsOnThisEngine: true })).reference;
    const artifactRoot = path.join(work, 'artifacts');
    const { runner } = createProjectRunner({
      projectRoot: work,
      artifactRoot,
      runtimeRoot: path.join(root, 'runtime'),
    });
    const local = {
      name: 'local-docker',
      type: 'step_operator' as const,
      flavor: 'local_docker',
      config: { network_mode: 'none' },
    };
    const toSubmit: number[] = [];
    const toRunning: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      let submitting = 0;
      let running = 0;
      const record = await runner.run(
        {
          projectRoot: project,
          file: 'churn/steps/loader.py',
          stepName: 'load_customers',
          stackName: 'default',
          operator: local,
          settings: local.config,
          artifactStore: { name: 'local', type: 'artifact_store', flavor: 'local', config: { path: artifactRoot } },
          baseImage: pipImage,
          requirementsFile: 'requirements.txt',
          findLinks: 'wheels',
          registry: { uri: registry },
        },
        {
          onEvent: (e) => {
            if (e.type !== 'state') return;
            // The first time each state is entered (a state event also announces a new backend stage).
            if (e.record.state === 'submitting' && !submitting) submitting = performance.now() - started;
            if (e.record.state === 'running' && !running) running = performance.now() - started;
          },
        },
      );
      if (record.state !== 'succeeded') throw new Error(`the benchmark run failed: ${JSON.stringify(record.failure)}`);
      toSubmit.push(submitting);
      toRunning.push(running);
      const bareStart = performance.now();
      const container = await docker.createContainer({
        Image: image,
        Cmd: ['--version'],
        HostConfig: { NetworkMode: 'none' },
      });
      await container.start();
      bare.push(performance.now() - bareStart);
      await container.wait();
      await container.remove();
    }
    rows.push(['click to job submitted (image exists)', `${median(toSubmit).toFixed(0)} ms`, '-', 'target < 500 ms']);
    rows.push([
      'click to container running',
      `${median(toRunning).toFixed(0)} ms`,
      `${median(bare).toFixed(0)} ms bare create+start`,
      `overhead ${(median(toRunning) - median(bare)).toFixed(0)} ms`,
    ]);

    const header = ['case', 'stepops', 'naive / baseline', 'comparison'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    console.log(
      `dependency wheel ${kb(DEPENDENCY_BYTES)}, median of 3 code-only changes and 5 runs; ${(await run('docker', ['version', '-f', '{{.Server.Version}}'])).stdout.trim()} engine`,
    );
    console.log(line(header));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const row of rows) console.log(line(row));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function kb(bytes: number): string {
  return bytes > 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

void main();
