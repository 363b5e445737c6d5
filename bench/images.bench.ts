// Images and click to running, each against a reference measured in the same run:
// - a code-only change: stepops' layered image (pushed through the registry API alone, the
//   daemonless path) against a conventional single-stage Dockerfile (COPY . . then pip install)
//   built and pushed with the docker CLI, against stepops' own Docker build + push of the same
//   change, and against uploading the compressed code layer alone (POST + PUT of its bytes);
// - click to running with an unchanged image: from the run's start to the backend accepting the
//   job (the local container started; each cloud emulator's create call answered), with where
//   the time went (record, hash and registry HEAD; staging the job file, the API calls) and the
//   create call alone as the reference.
//
//   npm run bench:images      (starts the services it needs)
//
// Bytes pushed are what the registry stored, measured on its disk, so both paths are counted
// the same way.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type BenchCases, type BenchRow, ratio, runStandalone } from './benchTable';
import { type RunningEmulators, startEmulators } from './support/emulators';
import { type RequestLog, type TimedRequest, logRequests } from './support/requestTiming';
import { assembleBuildContext, codeLayerFiles } from '../src/core/images/buildContext';
import { type DockerClient, connectDocker } from '../src/core/images/dockerClient';
import { deterministicLayer } from '../src/core/images/ociLayer';
import { ensureStepImage } from '../src/core/images/stepImage';
import { planStepRun, withRegistryCredentials } from '../src/core/orchestrator/planRun';
import { createProjectRunner } from '../src/core/orchestrator/projectRunner';
import type { StepRunRequest } from '../src/core/orchestrator/stepRunner';
import { discoverPythonSource } from '../src/core/python/discovery';
import { loadPythonParser } from '../src/core/python/pythonParser';
import { cliStackStore, secretEnvName } from '../src/cli/stackCommands';
import { defaultArtifactRoot } from '../src/core/stacks/stackStore';
import { makeWheel } from '../test/fixtures/makeWheel';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const DEPENDENCY_BYTES = 20 * 1024 * 1024;
const CODE_CHANGES = 3;
const CLICKS = 5;
const LOCAL_CLICK_TARGET_MS = 150;
const CLOUD_CLICK_TARGET_MS = 500;

interface Setup {
  readonly docker: DockerClient;
  readonly registry: string;
  readonly registryData: string;
  readonly pipImage: string;
  readonly work: string;
  readonly project: string;
  readonly tag: string;
}

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through "npm run bench:images" (scripts/with-services.sh)`);
  return value;
}

async function du(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath ?? entry.path, entry.name))).size;
  }
  return total;
}

async function measure<T>(
  registryData: string,
  action: () => Promise<T>,
): Promise<{ ms: number; bytes: number; result: T; started: number }> {
  const before = await du(registryData);
  const started = performance.now();
  const result = await action();
  return { ms: performance.now() - started, bytes: (await du(registryData)) - before, result, started };
}

async function touch(project: string, marker: string): Promise<void> {
  const file = path.join(project, 'churn', 'steps', 'trainer.py');
  await writeFile(file, `${await readFile(file, 'utf8')}\n# ${marker}\n`);
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(0)} ms`;

function kb(bytes: number): string {
  return bytes > 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The example project with a 20 MiB dependency wheel, and the naive Dockerfile beside it. */
async function makeProject(work: string, pipImage: string): Promise<string> {
  const project = path.join(work, 'project');
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
  return project;
}

/** The compressed code layer of the project as it is now, uploaded alone (POST, then PUT of its bytes) to a new repository. */
async function uploadCodeLayerAlone(setup: Setup, repository: string): Promise<number> {
  const context = await assembleBuildContext({
    projectRoot: setup.project,
    runtimeRoot: path.join(root, 'runtime'),
    baseImage: setup.pipImage,
    requirementsFile: 'requirements.txt',
    findLinks: 'wheels',
  });
  const layer = await deterministicLayer(await codeLayerFiles(context.entries));
  const base = `http://${setup.registry}`;
  const started = performance.now();
  const opened = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await opened.body?.cancel();
  const location = new URL(opened.headers.get('location')!, base);
  location.searchParams.set('digest', layer.digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(layer.compressed),
  });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`uploading the code layer alone answered ${put.status}`);
  return performance.now() - started;
}

async function codeOnlyChange(setup: Setup, log: RequestLog): Promise<BenchRow[]> {
  const { docker, project, registry, registryData, pipImage, tag } = setup;
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

  // Warm all three: the first build and push of each is not what is measured.
  await ours();
  await oursWithDocker();
  await naive('v0');
  type Sample = { ms: number; bytes: number };
  const breakdowns: string[] = [];
  const samples = { ours: [] as Sample[], docker: [] as Sample[], naive: [] as Sample[], upload: [] as number[] };
  for (let i = 1; i <= CODE_CHANGES; i++) {
    await touch(project, `change ${i} ${tag}`);
    const daemonless = await measure(registryData, () => ours());
    if (!daemonless.result.daemonless) throw new Error('the code-only change did not take the daemonless path');
    samples.ours.push(daemonless);
    breakdowns.push(
      pushBreakdown(
        log.between(daemonless.started, daemonless.started + daemonless.ms),
        daemonless.started,
        daemonless.started + daemonless.ms,
      ),
    );
    samples.upload.push(await uploadCodeLayerAlone(setup, `bench/layer-alone-${tag}-${i}`));
    samples.docker.push(await measure(registryData, oursWithDocker));
    samples.naive.push(await measure(registryData, () => naive(`v${i}`)));
  }
  // The same with 4 MiB more code (a data file that does not compress), where the upload is no
  // longer a few round trips; the file goes away again afterwards.
  const blob = path.join(project, 'churn', 'bench-data.bin');
  await writeFile(blob, randomBytes(4 * 1024 * 1024));
  await ours();
  const big = { ours: [] as number[], upload: [] as number[] };
  const bigBreakdowns: string[] = [];
  for (let i = 1; i <= CODE_CHANGES; i++) {
    await touch(project, `big change ${i} ${tag}`);
    const daemonless = await measure(registryData, () => ours());
    if (!daemonless.result.daemonless) throw new Error('the code-only change did not take the daemonless path');
    big.ours.push(daemonless.ms);
    bigBreakdowns.push(
      pushBreakdown(
        log.between(daemonless.started, daemonless.started + daemonless.ms),
        daemonless.started,
        daemonless.started + daemonless.ms,
      ),
    );
    big.upload.push(await uploadCodeLayerAlone(setup, `bench/layer-alone-big-${tag}-${i}`));
  }
  await rm(blob);
  await ours(); // the project as it was: what "unchanged" below measures
  const oursMs = median(samples.ours.map((s) => s.ms));
  const naiveMs = median(samples.naive.map((s) => s.ms));
  const dockerMs = median(samples.docker.map((s) => s.ms));
  const uploadMs = median(samples.upload);
  const oursBytes = median(samples.ours.map((s) => s.bytes));
  const naiveBytes = median(samples.naive.map((s) => s.bytes));
  const unchanged = await measure(registryData, () => ours());
  const changes = `median of ${CODE_CHANGES}, ${kb(DEPENDENCY_BYTES)} dependency wheel`;
  return [
    {
      case: `images: code-only change, build + push (${changes})`,
      stepops: `${ms(oursMs)} (daemonless)`,
      baseline: `naive Dockerfile, docker build + push ${ms(naiveMs)}`,
      ratio: ratio(oursMs, naiveMs),
      target: '-',
    },
    {
      case: 'images: code-only change, daemonless vs stepops through Docker',
      stepops: ms(oursMs),
      baseline: `stepops' Docker build + push ${ms(dockerMs)}`,
      ratio: ratio(oursMs, dockerMs),
      target: '-',
    },
    {
      case: 'images: code-only change, daemonless vs uploading the code layer alone',
      stepops: `${ms(oursMs)} (the last: ${breakdowns.at(-1)})`,
      baseline: `POST + PUT of the compressed code layer ${ms(uploadMs)}`,
      ratio: ratio(oursMs, uploadMs),
      target: 'within 2x',
      met: oursMs <= 2 * uploadMs,
    },
    {
      case: 'images: code-only change with 4 MiB more code, daemonless vs uploading the code layer alone',
      stepops: `${ms(median(big.ours))} (the last: ${bigBreakdowns.at(-1)})`,
      baseline: `POST + PUT of the compressed code layer ${ms(median(big.upload))}`,
      ratio: ratio(median(big.ours), median(big.upload)),
      target: 'within 2x',
      met: median(big.ours) <= 2 * median(big.upload),
    },
    {
      case: 'images: code-only change, bytes the registry stored',
      stepops: kb(oursBytes),
      baseline: `naive ${kb(naiveBytes)}`,
      ratio: ratio(oursBytes, naiveBytes),
      target: '-',
    },
    {
      case: 'images: unchanged project (hash + registry HEAD)',
      stepops: `${ms(unchanged.ms)}, ${unchanged.result.built || unchanged.result.pushed ? 'built or pushed (unexpected)' : 'nothing built or pushed'}`,
      baseline: '-',
      ratio: '-',
      target: '-',
    },
  ];
}

interface Click {
  /** From the run's start to the backend's create call answered: the job accepted. */
  readonly total: number;
  /** Start to "submitting": the record written, the project hashed, the registry asked. */
  readonly toSubmitting: number;
  /** "submitting" to the create call answered: the job file staged, the operator made, the job submitted. */
  readonly submitting: number;
  /** The create call alone. */
  readonly create: number;
  readonly requests: readonly TimedRequest[];
}

/** A first run, followed to its end, that leaves the image built and pushed and the SDK loaded. */
async function warmUp(
  runner: ReturnType<typeof createProjectRunner>['runner'],
  request: StepRunRequest,
): Promise<void> {
  const record = await runner.run(request, { signal: AbortSignal.timeout(600_000) });
  if (record.state !== 'succeeded') throw new Error(`the warm-up run failed: ${JSON.stringify(record.failure)}`);
}

/**
 * Runs the request and stops following once the backend has accepted the job (its record is
 * "pending"); the job was accepted when the backend answered its create call.
 */
async function click(
  runner: ReturnType<typeof createProjectRunner>['runner'],
  request: StepRunRequest,
  log: RequestLog,
  createCall: RegExp,
): Promise<Click> {
  const detach = new AbortController();
  const started = performance.now();
  let submitting = 0;
  let pending = 0;
  const record = await runner.run(request, {
    signal: detach.signal,
    onEvent: (e) => {
      if (e.type !== 'state') return;
      if (e.record.state === 'submitting' && !submitting) submitting = performance.now();
      if (e.record.state === 'pending' && !pending) {
        pending = performance.now();
        detach.abort(); // stop following: the job goes on
      }
    },
  });
  if (!pending) throw new Error(`the run did not reach pending: ${record.state} ${JSON.stringify(record.failure)}`);
  if (record.image?.built || record.image?.pushed) throw new Error('the image was not unchanged');
  const requests = log.between(started, pending);
  const create = requests.filter((r) => createCall.test(r.operation) && r.end).at(-1);
  if (!create)
    throw new Error(`no ${createCall} call answered in the run: ${requests.map((r) => r.operation).join(', ')}`);
  return {
    total: create.end! - started,
    toSubmitting: submitting - started,
    submitting: create.end! - submitting,
    create: create.end! - create.start,
    requests: requests.filter((r) => r.start <= create.start),
  };
}

/** "PutObject 12, ListTrainingJobs 8, CreateTrainingJob 31" for the requests to the given origins (the engine's too). */
function callsText(requests: readonly TimedRequest[], registry: string, emulators?: RunningEmulators): string {
  return requests
    .filter((r) => r.origin !== 'docker.sock' || !emulators)
    .map((r) => {
      const service =
        emulators?.serviceOf(r.origin) ??
        (r.origin === 'docker.sock' ? 'docker' : r.origin.endsWith(`//${registry}`) ? 'registry' : r.origin);
      return `${service} ${r.operation} ${r.end ? ms(r.end - r.start) : '?'}`;
    })
    .join(', ');
}

/** Where a push's time went: before its first registry request, waiting on the registry (overlaps counted once), and the rest. */
function pushBreakdown(requests: readonly TimedRequest[], start: number, end: number): string {
  const registry = requests.filter((r) => r.origin !== 'docker.sock' && r.end !== undefined);
  const first = registry[0]?.start ?? end;
  let waiting = 0;
  let reach = -Infinity;
  for (const r of [...registry].sort((a, b) => a.start - b.start)) {
    const from = Math.max(r.start, reach);
    if (r.end! > from) waiting += r.end! - from;
    reach = Math.max(reach, r.end!);
  }
  return `hash + engine ${ms(first - start)}, ${registry.length} registry requests ${ms(waiting)}, the rest (code layer, config) ${ms(end - first - waiting)}`;
}

function clickRow(label: string, clicks: readonly Click[], target: number, calls: string): BenchRow {
  const total = median(clicks.map((c) => c.total));
  const create = median(clicks.map((c) => c.create));
  return {
    case: `click to running, ${label} (image unchanged, median of ${clicks.length})`,
    stepops: `${ms(total)}: record + hash + registry HEAD ${ms(median(clicks.map((c) => c.toSubmitting)))}, staging + submit ${ms(median(clicks.map((c) => c.submitting)))} (${calls})`,
    baseline: `the create call alone ${ms(create)}`,
    ratio: ratio(total, create),
    target: `< ${target} ms`,
    met: total < target,
  };
}

async function clickToRunningLocal(setup: Setup, log: RequestLog): Promise<BenchRow> {
  const { project, registry, pipImage } = setup;
  const artifactRoot = path.join(setup.work, 'artifacts');
  const { runner } = createProjectRunner({
    projectRoot: project,
    artifactRoot,
    runtimeRoot: path.join(root, 'runtime'),
  });
  const local = {
    name: 'local-docker',
    type: 'step_operator' as const,
    flavor: 'local_docker',
    config: { network_mode: 'none' },
  };
  const request: StepRunRequest = {
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
  };
  // The first run builds the image into this engine and the registry: not measured.
  await warmUp(runner, request);
  const clicks: Click[] = [];
  for (let i = 0; i < CLICKS; i++) clicks.push(await click(runner, request, log, DOCKER_CREATE));
  const last = clicks.at(-1)!;
  return clickRow(
    'local operator (the container created)',
    clicks,
    LOCAL_CLICK_TARGET_MS,
    `the last: ${callsText(last.requests, registry)}`,
  );
}

const DOCKER_CREATE = /^POST create$/;
const CREATE_CALLS: Record<string, RegExp> = {
  sagemaker: /^CreateTrainingJob$/,
  vertex: /^POST customJobs$/,
  azureml: /^PUT jobs$/,
};

async function clickToRunningEmulated(setup: Setup, log: RequestLog): Promise<BenchRow[]> {
  const emulators = await startEmulators(path.join(setup.work, 'emulators-home'));
  const saved = process.env;
  // The SDKs' credential chains and endpoints read the environment the emulators printed.
  process.env = { ...saved, ...emulators.env };
  const rows: BenchRow[] = [];
  try {
    const { runner } = createProjectRunner({
      projectRoot: setup.project,
      artifactRoot: defaultArtifactRoot(),
      runtimeRoot: path.join(root, 'runtime'),
      secret: async (_type, name, field) => process.env[secretEnvName(name, field)],
    });
    const { stacks } = await cliStackStore().read();
    const model = discoverPythonSource(
      await loadPythonParser(),
      await readFile(path.join(setup.project, 'churn', 'steps', 'loader.py'), 'utf8'),
    );
    const clouds = [
      { label: 'SageMaker emulator', stack: 'aws-emulated', operator: 'sagemaker' },
      { label: 'Vertex AI emulator', stack: 'gcp-emulated', operator: 'vertex' },
      { label: 'Azure ML emulator', stack: 'azure-emulated', operator: 'azureml' },
    ];
    for (const cloud of clouds) {
      const stack = stacks.find((s) => s.name === cloud.stack)!;
      const planned = planStepRun({
        projectRoot: setup.project,
        file: 'churn/steps/loader.py',
        step: model.steps.find((s) => s.name === 'load_customers')!,
        stack,
        allStacks: stacks,
        operatorName: cloud.operator,
      });
      const request = {
        ...(await withRegistryCredentials(
          planned,
          stack,
          async (name, field) => process.env[secretEnvName(name, field)],
        )),
        baseImage: setup.pipImage,
        findLinks: 'wheels',
      };
      // The first run builds and pushes the image (and loads the cloud's SDK): not measured.
      await warmUp(runner, request);
      const flavor = stack.stepOperators.find((o) => o.name === cloud.operator)!.flavor;
      const clicks: Click[] = [];
      for (let i = 0; i < CLICKS; i++) clicks.push(await click(runner, request, log, CREATE_CALLS[flavor]!));
      const last = clicks.at(-1)!;
      rows.push(
        clickRow(
          `${cloud.label} (its create call answered)`,
          clicks,
          CLOUD_CLICK_TARGET_MS,
          `the last: ${callsText(last.requests, setup.registry, emulators)}`,
        ),
      );
    }
  } finally {
    process.env = saved;
    await emulators.stop();
  }
  return rows;
}

export const cases: BenchCases = async () => {
  const work = await mkdtemp(path.join(tmpdir(), 'stepops-bench-images-'));
  const pipImage = need('STEPOPS_PYTHON_PIP_IMAGE');
  const setup: Setup = {
    docker: await connectDocker(),
    registry: need('STEPOPS_REGISTRY'),
    registryData: need('STEPOPS_REGISTRY_DATA'),
    pipImage,
    work,
    project: await makeProject(work, pipImage),
    tag: Date.now().toString(36),
  };
  const log = logRequests();
  try {
    return [
      ...(await codeOnlyChange(setup, log)),
      await clickToRunningLocal(setup, log),
      ...(await clickToRunningEmulated(setup, log)),
    ];
  } finally {
    log.stop();
    await rm(work, { recursive: true, force: true });
  }
};

if (require.main === module) runStandalone(cases);
