// `stepops`: the same engine as the extension, from a terminal. Exit codes: 0 done, 1 failed
// (for runs: the step failed), 2 the command line is wrong, 130 cancelled or detached.
import { STEPOPS_VERSION } from '../core/version';
import { COMPONENTS, componentsCommand } from './componentsCommand';
import { DOCTOR, doctorCommand } from './doctorCommand';
import { RUN, runCommand } from './runCommand';
import { CANCEL, LOGS, RUNS, cancelCommand, logsCommand, runsCommand } from './runHistoryCommands';
import { STACKS, stacksCommand } from './stackCommands';
import { STEPS, stepsCommand } from './stepsCommand';
import {
  type CommandGroupSpec,
  type CommandSpec,
  UsageError,
  asksForHelp,
  columns,
  formatCommandHelp,
  formatGroupHelp,
} from './usage';

export const EXIT_USAGE = 2;

interface Command {
  readonly spec: CommandSpec | CommandGroupSpec;
  run(args: string[], out: NodeJS.WritableStream): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  doctor: { spec: DOCTOR, run: doctorCommand },
  steps: { spec: STEPS, run: stepsCommand },
  run: { spec: RUN, run: runCommand },
  runs: { spec: RUNS, run: runsCommand },
  logs: { spec: LOGS, run: logsCommand },
  cancel: { spec: CANCEL, run: cancelCommand },
  stacks: { spec: STACKS, run: stacksCommand },
  components: { spec: COMPONENTS, run: componentsCommand },
};

function usage(): string {
  return [
    'Usage: stepops <command> [options]',
    '',
    'Run single steps of ZenML-style pipelines on step operators.',
    '',
    'Commands:',
    ...columns(Object.entries(COMMANDS).map(([name, c]) => [name, c.spec.summary])),
    '',
    'Options:',
    "  -h, --help     Show this help (or, after a command, that command's)",
    '  -v, --version  Show the version',
    '',
    'Run "stepops help COMMAND" or "stepops COMMAND --help" for a command\'s options and examples.',
    '',
  ].join('\n');
}

/** The help for `stepops NAME [SUBCOMMAND]`: a subcommand's own when it names one. */
function helpText(command: Command, args: readonly string[]): string {
  const spec = command.spec;
  if (!('subcommands' in spec)) return formatCommandHelp(spec);
  const sub = spec.subcommands.find((s) => s.name === `${spec.name} ${args[0] ?? ''}`);
  return sub ? formatCommandHelp(sub) : formatGroupHelp(spec);
}

function unknownCommand(name: string): number {
  process.stderr.write(`stepops: unknown command "${name}". Run "stepops --help" for the list.\n`);
  return EXIT_USAGE;
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || (first === 'help' && rest.length === 0)) {
    process.stdout.write(usage());
    return first === undefined ? EXIT_USAGE : 0;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`${STEPOPS_VERSION}\n`);
    return 0;
  }
  if (first === 'help') {
    const [name, ...sub] = rest as [string, ...string[]];
    const command = COMMANDS[name];
    if (!command) return unknownCommand(name);
    process.stdout.write(helpText(command, sub));
    return 0;
  }
  const command = COMMANDS[first];
  if (!command) return unknownCommand(first);
  if (asksForHelp(rest)) {
    process.stdout.write(helpText(command, rest));
    return 0;
  }
  try {
    return await command.run(rest, process.stdout);
  } catch (error) {
    if (error instanceof UsageError) {
      const name = error.command ?? first;
      process.stderr.write(`stepops ${name}: ${error.message}\nRun "stepops ${name} --help" for usage.\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`stepops ${first}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/**
 * A reader that stops early (`stepops runs | head -1`) closes the pipe: the output was enough,
 * so stop at once without a stack trace, with status 0 as most CLIs do. Closed stderr alone is
 * no reason to stop: the work goes on, and the exit code still tells how it went.
 */
function endQuietlyOnClosedPipes(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

if (require.main === module) {
  endQuietlyOnClosedPipes();
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
