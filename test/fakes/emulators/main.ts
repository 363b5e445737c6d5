// `npm run emulators`: every strict fake of test/fakes as a local cloud emulator in one process,
// for tests, demos and anyone who wants to try a cloud stack without a cloud account. It starts
// the local services (scripts/services.sh: the registry, Azurite, Docker), the fakes on fixed
// loopback ports, adds the aws-emulated, gcp-emulated and azure-emulated stacks to the user's
// stacks file when missing, prints the shell exports that point the SDKs at the emulators (also
// written to an env file), then `ready`, and runs until SIGINT or SIGTERM, when it stops what it
// started and exits 0. Progress and notes go to stderr; stdout carries only the exports and `ready`.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../../src/core/files/atomicWrite';
import { dockerEngineAnswers } from '../../../src/core/images/dockerEngine';
import { StackStore, defaultArtifactRoot, defaultStacksFile } from '../../../src/core/stacks/stackStore';
import type { TestCertificate } from '../selfSignedCert';
import { type CloudFakes, startCloudFakes } from './cloudFakes';
import { AZURE } from './emulatedClouds';
import { type RegistrationReport, emulatedStacks, registerEmulatedStacks } from './emulatedStacks';
import { environmentLines } from './emulatorEnvironment';
import { type EmulatorIdentity, emulatorCertificate, emulatorIdentity } from './identity';
import { type LocalServices, startLocalServices } from './localServices';
import { emulatorPorts } from './ports';

const USAGE = `Usage: npm run --silent emulators [-- --exports-file PATH]

Starts local emulators of SageMaker (whose training jobs run for real on the local Docker engine),
ECR, S3, CloudWatch Logs, Vertex AI, Cloud Storage, Google's STS, Artifact Registry's and ACR's
logins, Entra ID, Azure Resource Manager and Azure ML (whose command jobs run for real on the
local Docker engine, with their data and log files in Azurite) on 127.0.0.1 (not the real clouds),
with the registry and Azurite of scripts/services.sh, and adds the stacks aws-emulated,
gcp-emulated and azure-emulated to $STEPOPS_HOME/stacks.yaml when they are missing.
Prints the shell exports that point the SDKs and stepops at them, then "ready", and runs until
Ctrl+C (SIGINT) or SIGTERM.

  --exports-file PATH   also write the exports to PATH (they are always in STATE/env.sh);
                        not --env-file, which Node 20 takes for its own option

Environment: STEPOPS_HOME (stacks file), STEPOPS_EMULATOR_STATE (default: emulators/ beside the
stacks file), STEPOPS_EMULATOR_PORT (first of fourteen ports, default 18470; 0: any free ones),
STEPOPS_FAULTS (fault rules every emulator starts with; see test/fakes/README.md),
STEPOPS_EMULATOR_SAGEMAKER_PACE (fast: a second or so per training job stage, the default;
lifelike: tens of seconds per stage and 120 s from SIGTERM to SIGKILL, for demos),
STEPOPS_EMULATOR_VERTEX_PACE (fast: under a second per custom job state, the default;
lifelike: tens of seconds PENDING and Cloud Logging entries seconds late, for demos),
STEPOPS_EMULATOR_AZUREML_PACE (fast: under a second per job status, the default; lifelike: tens
of seconds Preparing and Queued, log files appended every 5 s, for demos).
`;

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const log = (line: string) => process.stderr.write(`emulators: ${line}\n`);

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'exports-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const stacksFile = defaultStacksFile();
  const stateDir = path.resolve(process.env.STEPOPS_EMULATOR_STATE || path.join(path.dirname(stacksFile), 'emulators'));
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const running = await startAll(stateDir, stop.signal, cleanups);
    reportStacks(await registerEmulatedStacks(stackStore(stacksFile), emulatedStacks(running)), stacksFile);
    await publishEnvironment(running, stacksFile, values['exports-file']);
    log('ready: local emulators on 127.0.0.1, not the real clouds; Ctrl+C stops them');
    if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve));
    log('stopping the local emulators');
    return 0;
  } catch (error) {
    if (stop.signal.aborted) return 0;
    log(`${(error as Error).message}`);
    return 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: Error) => log(`while stopping: ${e.message}`));
  }
}

interface Running {
  readonly stateDir: string;
  readonly services: LocalServices;
  readonly identity: EmulatorIdentity;
  readonly certificate: TestCertificate;
  readonly fakes: CloudFakes;
  readonly azuriteConnectionString: string;
  /** For the emulated stacks. */
  readonly urls: CloudFakes['urls'];
  readonly registry: string;
  readonly serviceAccountKeyFile: string;
}

/** The local services, then the fakes; each one's stop is added to `cleanups` once it runs. */
async function startAll(stateDir: string, signal: AbortSignal, cleanups: (() => Promise<void>)[]): Promise<Running> {
  const ports = emulatorPorts();
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const services = await startLocalServices(repoRoot, signal);
  cleanups.push(() => services.stop());
  if (services.startedHere.length > 0) log(`started ${services.startedHere.join(', ')} (stopped on exit)`);
  const identity = await emulatorIdentity(stateDir);
  const certificate = await emulatorCertificate(stateDir);
  const fakes = await startCloudFakes({
    stateDir,
    identity,
    certificate,
    ports,
    registry: services.registry,
    azurite: services.azurite,
  });
  cleanups.push(() => fakes.close());
  signal.throwIfAborted();
  return {
    stateDir,
    services,
    identity,
    certificate,
    fakes,
    azuriteConnectionString: await azuriteContainer(services.azurite),
    urls: fakes.urls,
    registry: services.registry,
    serviceAccountKeyFile: fakes.serviceAccountKeyFile,
  };
}

/** The stacks file as the CLI reads it (the local Docker operator exists when an engine answers). */
function stackStore(stacksFile: string): StackStore {
  return new StackStore(stacksFile, async () => ({
    artifactRoot: defaultArtifactRoot(),
    dockerEngineAvailable: await dockerEngineAnswers(),
  }));
}

/** Writes the exports to STATE/env.sh (and the --exports-file), then prints them and `ready`. */
async function publishEnvironment(running: Running, stacksFile: string, exportsFile?: string): Promise<void> {
  const lines = environmentLines({
    urls: running.urls,
    identity: running.identity,
    stateDir: running.stateDir,
    stacksFile,
    ...(process.env.STEPOPS_HOME ? { stepopsHome: path.resolve(process.env.STEPOPS_HOME) } : {}),
    registry: running.registry,
    caFile: running.certificate.caFile,
    googleCredentialFile: running.fakes.googleCredentialFile,
    azuriteConnectionString: running.azuriteConnectionString,
  });
  const files = [path.join(running.stateDir, 'env.sh'), ...(exportsFile ? [path.resolve(exportsFile)] : [])];
  // The exports hold the emulator-only credentials: files only the user can read.
  for (const file of files) await writeFileAtomic(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  lines.push(`# The same lines, for another terminal: source ${files.at(-1)}  (local emulators)`);
  process.stdout.write(`${lines.join('\n')}\nready\n`);
}

/** Azurite keeps containers in memory: the Azure stack's container is made on every start. */
async function azuriteContainer(azurite: LocalServices['azurite']): Promise<string> {
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${azurite.account};AccountKey=${azurite.key};` +
    `BlobEndpoint=${azurite.blobEndpoint};`;
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(connectionString)
    .getContainerClient(AZURE.container)
    .createIfNotExists();
  return connectionString;
}

function reportStacks(report: RegistrationReport, stacksFile: string): void {
  if (report.added.length > 0) log(`added the stacks ${report.added.join(', ')} to ${stacksFile}`);
  if (report.kept.length > 0) log(`kept the stacks ${report.kept.join(', ')} in ${stacksFile} as they are`);
  for (const { stack, reason } of report.skipped) log(`did not add the stack ${stack}: ${reason}`);
  for (const note of report.notes) log(`note: ${note}`);
  log(
    'the SageMaker, Vertex AI and Azure ML emulators run each job on the local Docker engine: pick an emulated ' +
      'stack and run a step that names its operator (or a pipeline with --local-fallback)',
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`unexpected failure: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
