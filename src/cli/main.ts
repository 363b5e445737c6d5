// `stepops`: the same engine as the extension, from a terminal.
import { parseArgs } from 'node:util';
import { connectDocker } from '../core/images/dockerClient';
import { describeDockerEndpoint } from '../core/images/dockerEngine';
import { STEPOPS_VERSION } from '../core/version';
import { cancelCommand, logsCommand, runCommand, runsCommand } from './runCommands';
import { componentsCommand, stacksCommand } from './stackCommands';
import { stepsCommand } from './stepsCommand';

interface Command {
  readonly summary: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  doctor: {
    summary: 'Check what running steps needs on this machine (Docker engine)',
    async run(args) {
      parseArgs({ args, options: {} });
      const where = describeDockerEndpoint();
      try {
        const docker = await connectDocker();
        const version = await docker.version();
        process.stdout.write(`Docker engine: ${version.Version} (API ${version.ApiVersion}) at ${where}\n`);
        return 0;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        process.stdout.write(
          `Docker engine: not reachable at ${where} (${reason}). Start Docker, or set DOCKER_HOST to its socket.\n`,
        );
        return 1;
      }
    },
  },
  steps: {
    summary: 'List the ZenML steps and pipelines in files or folders (--json for data)',
    run: (args) => stepsCommand(args, process.stdout),
  },
  run: {
    summary: 'Run a step in a container: run FILE:STEP [--operator NAME] [--param k=v]',
    run: (args) => runCommand(args, process.stdout),
  },
  runs: {
    summary: 'List the runs of the project in this folder',
    run: (args) => runsCommand(args, process.stdout),
  },
  logs: {
    summary: "Print a run's logs; --follow reattaches to a running job",
    run: (args) => logsCommand(args, process.stdout),
  },
  cancel: {
    summary: 'Cancel a running job: cancel RUN',
    run: (args) => cancelCommand(args, process.stdout),
  },
  stacks: {
    summary: 'List stacks, or: use NAME | register NAME | delete NAME | import FILE | export NAME',
    run: (args) => stacksCommand(args, process.stdout),
  },
  components: {
    summary: 'List components, or: flavors | register TYPE FLAVOR NAME --set k=v | delete | test',
    run: (args) => componentsCommand(args, process.stdout),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: stepops <command> [options]',
    '',
    'Run single steps of ZenML-style pipelines on step operators.',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help     Show this help',
    '  -v, --version  Show the version',
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(usage());
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`${STEPOPS_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[first];
  if (!command) {
    process.stderr.write(`stepops: unknown command "${first}". Run "stepops --help" for the list.\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    process.stderr.write(`stepops ${first}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
