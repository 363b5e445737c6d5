// Log throughput: a step printing 100,000 numbered, timestamped lines as fast as Python writes
// them, followed to the end by stepops, with `docker logs -f` of the same container in the same
// run as the physical reference. Each reader checks that every line came once and in order and
// takes each line's latency from the time the container wrote it (the line says it).
//
//   npm run bench:logs      (starts the services it needs)
//
// - the CLI: `stepops run` in a process of its own (the sources, through tsx), its stdout read
//   here as a pipe; a probe inside it (support/processProbe.ts) takes its event-loop delay and
//   heap from its first log line to its exit, and counts every HTTP request it sends;
// - the editor: the same runner in this process, its log events handed to the extension's
//   RunLogChannels as RunManager hands them, on a stand-in for `vscode` (support/vscodeStub.ts)
//   whose output channels keep what they are given: this process's event-loop delay stands for
//   the extension host's. What VS Code does past OutputChannel.append is not measured;
// - each cloud emulator (SageMaker with CloudWatch Logs, Vertex AI with Cloud Logging, Azure ML
//   with its log files in Azurite), the same step through the CLI, with the API calls it made.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { stub } from './support/vscodeStub';
import { type BenchCases, type BenchRow, ratio, runStandalone } from './benchTable';
import { type BuiltCli, type CliRun, buildCli, startCliRun } from './support/cliRun';
import { bareRead } from './support/bareReaders';
import { followContainer } from './support/dockerFollow';
import { type RunningEmulators, startEmulators } from './support/emulators';
import type { ProbeReport } from './support/processProbe';
import type { EmulatorService } from '../test/fakes/emulators/ports';
import { LineCheck, type LineSummary, SPEW_STEP, deliveryWords, linesPerSecond } from './support/lineCheck';
import { RunLogChannels } from '../src/extension/runs/RunLogChannels';
import { cliStackStore } from '../src/cli/stackCommands';
import { connectDocker } from '../src/core/images/dockerClient';
import type { LogLine } from '../src/core/operators/stepOperator';
import { planStepRun } from '../src/core/orchestrator/planRun';
import { createProjectRunner } from '../src/core/orchestrator/projectRunner';
import { discoverPythonSource } from '../src/core/python/discovery';
import { loadPythonParser } from '../src/core/python/pythonParser';
import type { StackComponent } from '../src/core/stacks/model';
import { defaultArtifactRoot } from '../src/core/stacks/stackStore';

const root = path.resolve(__dirname, '..');
const LINES = Number(process.env.STEPOPS_BENCH_LOG_LINES || 100_000);
/** The cloud runs print this many (STEPOPS_BENCH_CLOUD_LOG_LINES to change it). */
const CLOUD_LINES = Number(process.env.STEPOPS_BENCH_CLOUD_LOG_LINES || 100_000);
const LOCAL_TARGET = 20_000;
/** How long the bare loop may take to read a cloud job's lines. */
const BARE_READ_MS = 180_000;
const STEP_FILE = 'bench_logs/spew.py';
const STEP = `${STEP_FILE}:spew`;

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through "npm run bench:logs" (scripts/with-services.sh)`);
  return value;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
/** A change of heap, signed: "+14.4 MB", "-2.8 MB". */
const delta = (bytes: number) => `${bytes < 0 ? '-' : '+'}${mb(Math.abs(bytes))}`;
const ms = (value: number) => `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;
/** Bytes the benchmark's log has on the wire ("BENCH n ns x*64\n"). */
const logBytes = (lines: number) => lines * (6 + String(lines).length + 1 + 19 + 1 + 64 + 1);

async function makeProject(work: string): Promise<string> {
  const project = path.join(work, 'project');
  await mkdir(path.join(project, 'bench_logs'), { recursive: true });
  await writeFile(path.join(project, 'bench_logs', '__init__.py'), '');
  await writeFile(path.join(project, STEP_FILE), SPEW_STEP);
  return project;
}

interface Followed {
  readonly ours: LineSummary;
  readonly reference: LineSummary;
}

function throughputRow(label: string, followed: Followed, target: number | undefined, targetText: string): BenchRow {
  const { ours, reference } = followed;
  if (process.env.STEPOPS_BENCH_VERBOSE) console.error(label, JSON.stringify(followed));
  return {
    case: label,
    stepops: `${linesPerSecond(ours.linesPerSecond)} (${deliveryWords(ours)})`,
    baseline: `docker logs -f ${linesPerSecond(reference.linesPerSecond)} (${deliveryWords(reference)})`,
    // A reference that lost lines (docker logs -f can stop short when the container exits) gives no ratio.
    ratio: reference.inOrderOnce ? ratio(ours.linesPerSecond, reference.linesPerSecond) : '-',
    target: targetText,
    met: ours.inOrderOnce && (target === undefined || ours.linesPerSecond >= target),
  };
}

function latencyRow(label: string, followed: Followed): BenchRow {
  const { ours, reference } = followed;
  return {
    case: label,
    stepops: `p95 ${ms(ours.p95LatencyMs)} (p50 ${ms(ours.p50LatencyMs)}, max ${ms(ours.maxLatencyMs)})`,
    baseline: `docker logs -f p95 ${ms(reference.p95LatencyMs)}${reference.inOrderOnce ? '' : ` (of the ${reference.received.toLocaleString('en')} lines it got)`}`,
    ratio: reference.inOrderOnce ? ratio(ours.p95LatencyMs, reference.p95LatencyMs) : '-',
    target: 'p95 < 1 s',
    met: ours.p95LatencyMs < 1000,
  };
}

/** The local operator through `stepops run`, and `docker logs -f` of its container. */
async function localCli(
  cli: BuiltCli,
  project: string,
  env: NodeJS.ProcessEnv,
  baseImage: string,
): Promise<BenchRow[]> {
  const docker = await connectDocker();
  const args = [STEP, '--base-image', baseImage];
  // The image is built once, by a short run: what is measured below reuses it.
  const warm = startCliRun(cli, project, env, 10, [...args, '--param', 'count=10']);
  const warmed = await warm.done;
  if (warmed.code !== 0) throw new Error(`the warm-up run failed:\n${warmed.stderr}`);

  const run = startCliRun(cli, project, env, LINES, [...args, '--param', `count=${LINES}`]);
  const reference = followContainer(docker, { label: `stepops.run=${await run.runId}` }, LINES);
  const { code, stderr, probe } = await finished(run);
  if (code !== 0) throw new Error(`stepops run failed (${code}):\n${stderr}`);
  const followed = { ours: run.check.summary(), reference: await reference.done };
  const n = LINES.toLocaleString('en');
  return [
    throughputRow(
      `logs, local operator: ${n} lines to the CLI's stdout`,
      followed,
      LOCAL_TARGET,
      `>= ${LOCAL_TARGET.toLocaleString('en')} lines/s`,
    ),
    latencyRow('logs, local operator: line latency to the CLI', followed),
    {
      case: 'logs, local operator: CLI event-loop delay (first line to exit)',
      stepops: `max ${ms(probe.loopDelayMaxMs)} (p99 ${ms(probe.loopDelayP99Ms)})`,
      baseline: '-',
      ratio: '-',
      target: '< 50 ms',
      met: probe.loopDelayMaxMs < 50,
    },
    {
      case: 'logs, local operator: CLI heap (first line to exit)',
      stepops: `peak ${delta(probe.heapPeak - probe.heapAtFirstWrite)}, kept ${delta(probe.heapRetainedAtExit - probe.heapAtFirstWrite)}`,
      baseline: `log ${mb(logBytes(LINES))}`,
      ratio: '-',
      target: 'kept < the log',
      met: probe.heapRetainedAtExit - probe.heapAtFirstWrite < logBytes(LINES),
    },
  ];
}

/** The run's end, with the probe's report (which a CLI that was not killed always writes). */
async function finished(run: CliRun): Promise<{ code: number | null; stderr: string; probe: ProbeReport }> {
  const { code, stderr, probe } = await run.done;
  if (!probe) throw new Error(`stepops run exited ${code} without the probe's report:\n${stderr}`);
  return { code, stderr, probe };
}

/** RunManager's text for a line (its lineText). */
const lineText = (line: LogLine) => (line.source ? `[${line.source}] ${line.text}` : line.text);

/**
 * The editor's path: the runner in this process, each log event handed to RunLogChannels as
 * RunManager.onEvent hands it, the lines checked as the channel is given them.
 */
async function localEditor(project: string, baseImage: string): Promise<BenchRow[]> {
  const docker = await connectDocker();
  const { runner } = createProjectRunner({
    projectRoot: project,
    artifactRoot: defaultArtifactRoot(),
    runtimeRoot: path.join(root, 'runtime'),
  });
  const { stacks } = await cliStackStore().read();
  const stack = stacks[0]!;
  const model = discoverPythonSource(await loadPythonParser(), SPEW_STEP);
  const request = planStepRun({
    projectRoot: project,
    file: STEP_FILE,
    step: model.steps[0]!,
    stack,
    allStacks: stacks,
    parameters: { count: LINES },
  });
  const channels = new RunLogChannels();
  const check = new LineCheck(LINES);
  stub.onAppend = (text) => {
    const now = Date.now();
    for (const line of text.split('\n')) check.line(line, now);
  };
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let reference: ReturnType<typeof followContainer> | undefined;
  let heapAtFirst = 0;
  let heapPeak = 0;
  let sampler: ReturnType<typeof setInterval> | undefined;
  let runId: string | undefined;
  const record = await runner.run(
    { ...request, baseImage },
    {
      onEvent: (event) => {
        if (event.type === 'state' && !runId) {
          runId = event.record.id;
          channels.open(event.record);
          reference = followContainer(docker, { label: `stepops.run=${runId}` }, LINES);
        }
        if (event.type === 'logs' && runId) {
          if (!sampler) {
            gc();
            heapAtFirst = heapPeak = process.memoryUsage().heapUsed;
            delay.enable();
            sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 20);
          }
          channels.append(runId, event.lines.map(lineText));
        }
      },
    },
  );
  delay.disable();
  clearInterval(sampler);
  if (record.state !== 'succeeded') throw new Error(`the editor-path run failed: ${JSON.stringify(record.failure)}`);
  gc();
  const kept = process.memoryUsage().heapUsed - heapAtFirst;
  const channel = stub.channels.at(-1)!;
  const followed = { ours: check.summary(), reference: await reference!.done };
  channels.dispose();
  const n = LINES.toLocaleString('en');
  return [
    throughputRow(
      `logs, local operator: ${n} lines to the editor's log view (RunLogChannels; VS Code's side not measured)`,
      followed,
      LOCAL_TARGET,
      `>= ${LOCAL_TARGET.toLocaleString('en')} lines/s`,
    ),
    latencyRow("logs, local operator: line latency to the editor's log view", followed),
    {
      case: 'logs, local operator: extension-side event-loop delay (first line to end)',
      stepops: `max ${ms(delay.max / 1e6)} (p99 ${ms(delay.percentile(99) / 1e6)})`,
      baseline: '-',
      ratio: '-',
      target: '< 50 ms',
      met: delay.max / 1e6 < 50,
    },
    {
      case: `logs, local operator: editor memory (line cap ${stub.maxLines.toLocaleString('en')})`,
      stepops: `channel held <= ${channel.maxHeldLines.toLocaleString('en')} lines; heap peak ${delta(heapPeak - heapAtFirst)}, kept ${delta(kept)}`,
      baseline: `log ${mb(logBytes(LINES))}`,
      ratio: '-',
      target: 'held <= cap, kept < the log',
      met: channel.maxHeldLines <= stub.maxLines && kept < logBytes(LINES),
    },
  ];
}

interface EmulatedCloud {
  readonly label: string;
  readonly stack: string;
  readonly operator: string;
  /** The label the emulator puts on a job's containers. */
  readonly containerLabel: string;
  /** The emulators a log tail reads from. */
  readonly logServices: readonly EmulatorService[];
  /** The operator's log poll interval (its default). */
  readonly pollMs: number;
}

const CLOUDS: readonly EmulatedCloud[] = [
  {
    label: 'SageMaker emulator (CloudWatch Logs)',
    stack: 'aws-emulated',
    operator: 'sagemaker',
    containerLabel: 'stepops.emulator.sagemaker.training-job',
    logServices: ['logs'],
    pollMs: 2000,
  },
  {
    label: 'Vertex AI emulator (Cloud Logging)',
    stack: 'gcp-emulated',
    operator: 'vertex',
    containerLabel: 'stepops.emulator.vertex.custom-job',
    logServices: ['logging'],
    pollMs: 3000,
  },
  {
    label: 'Azure ML emulator (run history, log file in Azurite)',
    stack: 'azure-emulated',
    operator: 'azureml',
    containerLabel: 'stepops.emulator.azureml.job',
    logServices: ['azureml', 'azureml-storage'],
    pollMs: 2000,
  },
];

/** "GetLogEvents 11, DescribeLogStreams 6" for the given emulators, and every request to any emulator. */
function apiCalls(
  requests: ProbeReport['requests'],
  emulators: RunningEmulators,
  services: readonly EmulatorService[],
): { log: string; logCalls: number; all: number } {
  const log = new Map<string, number>();
  let all = 0;
  for (const [key, count] of Object.entries(requests)) {
    const space = key.indexOf(' ');
    const service = emulators.serviceOf(key.slice(0, space));
    if (!service) continue;
    all += count;
    if (!services.includes(service)) continue;
    const operation = key.slice(space + 1).replace(/^(GET|POST|PUT|HEAD) .*\//, '$1 ');
    log.set(operation, (log.get(operation) ?? 0) + count);
  }
  const sorted = [...log].sort((a, b) => b[1] - a[1]);
  return {
    log: sorted.map(([operation, count]) => `${operation} ${count}`).join(', '),
    logCalls: sorted.reduce((sum, [, count]) => sum + count, 0),
    all,
  };
}

/** Each cloud emulator: the same step through `stepops run --stack <cloud>-emulated`, with docker logs -f of its job's container. */
/** The cloud operator of a cloud's emulated stack, as the emulators registered it. */
async function operatorsOf(emulators: RunningEmulators): Promise<Record<string, StackComponent>> {
  const { stacks } = await cliStackStore(emulators.env).read();
  const found: Record<string, StackComponent> = {};
  for (const cloud of CLOUDS) {
    const operator = stacks.find((s) => s.name === cloud.stack)?.stepOperators.find((o) => o.name === cloud.operator);
    if (!operator) throw new Error(`the emulators registered no ${cloud.operator} operator in ${cloud.stack}`);
    found[cloud.stack] = operator;
  }
  return found;
}

const cloudArgs = (cloud: EmulatedCloud, baseImage: string) => [
  STEP,
  '--stack',
  cloud.stack,
  '--operator',
  cloud.operator,
  '--base-image',
  baseImage,
  '--param',
  `count=${CLOUD_LINES}`,
];

/**
 * The emulators' limits: on emulators of their own, each cloud's job is read by a bare SDK loop
 * and nothing else; the CLI that submits it is killed once the emulator has accepted it.
 */
async function emulatorLimits(
  clouds: readonly EmulatedCloud[],
  cli: BuiltCli,
  project: string,
  baseImage: string,
  home: string,
): Promise<Map<string, LineSummary>> {
  const emulators = await startEmulators(home);
  const limits = new Map<string, LineSummary>();
  try {
    const operators = await operatorsOf(emulators);
    for (const cloud of clouds) {
      const submitter = startCliRun(cli, project, emulators.env, CLOUD_LINES, cloudArgs(cloud, baseImage));
      await submitter.said(/stepops: pending/);
      submitter.kill();
      const operator = operators[cloud.stack]!;
      const bare = bareRead({
        flavor: operator.flavor,
        runId: await submitter.runId,
        project,
        operator,
        env: emulators.env,
        logsEndpoint: emulators.urls.logs,
        expected: CLOUD_LINES,
      });
      await Promise.race([bare.done, new Promise((resolve) => setTimeout(resolve, BARE_READ_MS))]);
      bare.stop();
      await submitter.done;
      limits.set(cloud.stack, bare.check.summary());
    }
  } finally {
    await emulators.stop();
  }
  return limits;
}

/**
 * Each cloud emulator: the same step through `stepops run --stack <cloud>-emulated`, with docker
 * logs -f of its job's container, on fresh emulators (an emulator's log store holds every job's
 * lines, and some answer each page by going through all of them: the limit's job must not weigh
 * on ours, nor ours on the limit's), against the emulator's limit measured first.
 */
async function emulatedClouds(cli: BuiltCli, project: string, baseImage: string, work: string): Promise<BenchRow[]> {
  const docker = await connectDocker();
  const only = process.env.STEPOPS_BENCH_CLOUDS?.split(',');
  const clouds = CLOUDS.filter((c) => !only || only.includes(c.stack));
  const limits = await emulatorLimits(clouds, cli, project, baseImage, path.join(work, 'emulators-for-limits'));
  const emulators = await startEmulators(path.join(work, 'emulators'));
  const rows: BenchRow[] = [];
  const n = CLOUD_LINES.toLocaleString('en');
  try {
    for (const cloud of clouds) {
      const run = startCliRun(cli, project, emulators.env, CLOUD_LINES, cloudArgs(cloud, baseImage));
      const reference = followContainer(
        docker,
        { label: cloud.containerLabel, env: `STEPOPS_RUN_ID=${await run.runId}` },
        CLOUD_LINES,
      );
      const { code, stderr, probe } = await finished(run);
      if (code !== 0) throw new Error(`stepops run on ${cloud.stack} failed (${code}):\n${stderr}`);
      const followed = { ours: run.check.summary(), reference: await reference.done };
      const calls = apiCalls(probe.requests, emulators, cloud.logServices);
      // A tail that polls can trail the emulator's limit (support/bareReaders.ts) by one poll
      // interval at most.
      const limit = limits.get(cloud.stack)!;
      const target = limit.inOrderOnce
        ? (CLOUD_LINES * 1000) / ((CLOUD_LINES * 1000) / limit.linesPerSecond + cloud.pollMs)
        : undefined;
      const row = throughputRow(
        `logs, ${cloud.label}: ${n} lines to the CLI's stdout`,
        followed,
        target ?? Infinity,
        target
          ? `>= ${linesPerSecond(target)}: the emulator's limit (a bare SDK loop, ${linesPerSecond(limit.linesPerSecond)}) less one ${cloud.pollMs / 1000} s poll`
          : `the emulator's limit: its bare SDK loop got ${deliveryWords(limit)}`,
      );
      rows.push(
        {
          ...row,
          stepops: `${row.stepops}; log calls ${calls.logCalls} (${calls.log}), ${Math.round(CLOUD_LINES / Math.max(1, calls.logCalls)).toLocaleString('en')} lines/call; all API calls ${calls.all}`,
        },
        latencyRow(`logs, ${cloud.label}: line latency to the CLI`, followed),
        {
          case: `logs, ${cloud.label}: CLI event-loop delay and heap (first line to exit)`,
          stepops: `max ${ms(probe.loopDelayMaxMs)} (p99 ${ms(probe.loopDelayP99Ms)}); heap peak ${delta(probe.heapPeak - probe.heapAtFirstWrite)}, kept ${delta(probe.heapRetainedAtExit - probe.heapAtFirstWrite)}`,
          baseline: '-',
          ratio: '-',
          target: '< 50 ms; kept < the log',
          met: probe.loopDelayMaxMs < 50 && probe.heapRetainedAtExit - probe.heapAtFirstWrite < logBytes(CLOUD_LINES),
        },
      );
    }
  } finally {
    await emulators.stop();
  }
  return rows;
}

export const cases: BenchCases = async () => {
  const baseImage = need('STEPOPS_PYTHON_IMAGE');
  const work = await mkdtemp(path.join(tmpdir(), 'stepops-bench-logs-'));
  const savedHome = process.env.STEPOPS_HOME;
  try {
    const project = await makeProject(work);
    const home = path.join(work, 'home');
    await mkdir(home);
    process.env.STEPOPS_HOME = home;
    const env = { ...process.env, STEPOPS_HOME: home };
    const cli = await buildCli(path.join(work, 'cli'));
    return [
      ...(await localCli(cli, project, env, baseImage)),
      ...(await localEditor(project, baseImage)),
      ...(await emulatedClouds(cli, project, baseImage, work)),
    ];
  } finally {
    if (savedHome === undefined) delete process.env.STEPOPS_HOME;
    else process.env.STEPOPS_HOME = savedHome;
    await rm(work, { recursive: true, force: true });
  }
};

if (require.main === module) runStandalone(cases);
