/**
 * The `skein` command line. Each area registers its own commands; this file
 * owns parsing, the error policy (one line naming the file and the problem,
 * no stack trace unless --debug) and exit codes (docs/cli-exit.md).
 */
import { Command, CommanderError } from 'commander';
import { SkeinError } from '../util/errors.js';
import { exitGuard } from './exit-guard.js';
import { CliExit } from './output.js';
import { describeUnknownCommand, findUnknownCommand } from './unknown-command.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

type Register = (program: Command) => void;

/**
 * Each area's top-level command names and how to load its module. A
 * command loads only its own area: loading every command's code would cost
 * every start (the daemon's included) CPU it never uses. Listed in
 * help order; test/unit/cli-lazy.test.ts checks the names against what each
 * area registers.
 */
export const COMMAND_AREAS: ReadonlyArray<{ names: readonly string[]; load: () => Promise<Register> }> = [
  { names: ['keygen', 'ca', 'cert'], load: async () => (await import('./commands/identity.js')).registerIdentityCommands },
  { names: ['init', 'up', 'status', 'neighbors', 'neighbours', 'reload', 'events'], load: async () => (await import('./commands/node.js')).registerNodeCommands },
  { names: ['hosts', 'nodes', 'routes', 'sessions', 'ping', 'trace'], load: async () => (await import('./commands/mesh.js')).registerMeshCommands },
  { names: ['firewall'], load: async () => (await import('./commands/firewall.js')).registerFirewallCommands },
  { names: ['lab'], load: async () => (await import('./commands/lab.js')).registerLabCommands },
  { names: ['sim'], load: async () => (await import('./commands/sim.js')).registerSimCommands },
  { names: ['demo'], load: async () => (await import('./commands/demo.js')).registerDemoCommands },
  { names: ['web'], load: async () => (await import('./commands/web.js')).registerWebCommands },
  { names: ['bench'], load: async () => (await import('./commands/bench.js')).registerBenchCommands },
];

/** Options of the program itself; none takes a value, so the first other word names the command. */
const HELP_FLAGS = new Set(['-h', '--help']);
const VERSION_FLAGS = new Set(['-V', '--version']);

/**
 * The areas a command line needs: the one owning its command; none for
 * `--version` alone; every area for help, no command or an unknown one (so
 * commander lists them all or suggests the nearest).
 */
export function areasFor(argv: readonly string[]): typeof COMMAND_AREAS {
  const args = argv.slice(2);
  const command = args.find((a) => !a.startsWith('-'));
  if (command === undefined) {
    const versionOnly = args.some((a) => VERSION_FLAGS.has(a)) && !args.some((a) => HELP_FLAGS.has(a));
    return versionOnly ? [] : COMMAND_AREAS;
  }
  const area = COMMAND_AREAS.find((a) => a.names.includes(command));
  return area ? [area] : COMMAND_AREAS;
}

/** The program with the commands `argv` needs (default: every command). */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command();
  program
    .name('skein')
    .description('Zero-configuration, secure mesh overlay network for Linux')
    .version('0.1.0')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions()
    .exitOverride();
  const areas = argv === undefined ? COMMAND_AREAS : areasFor(argv);
  const registers = await Promise.all(areas.map((a) => a.load()));
  for (const register of registers) register(program);
  return program;
}

/**
 * Evaluate every module `skein COMMAND` loads, without running the command:
 * the build calls this (scripts/train-code-cache.cjs) so that V8's code cache
 * of the daemon holds its modules' code before the first `skein up`.
 */
export async function warmUp(command: string): Promise<void> {
  await Promise.all(areasFor(['node', 'skein', command]).map((a) => a.load()));
  if (command === 'up') await import('../node/daemon.js');
}

/**
 * Run one command line; the exit guard (exit-guard.ts) owns every other way
 * out: signals, a closed output pipe, a crash.
 */
export function main(argv: string[]): Promise<number> {
  return exitGuard().main(() => runCommandLine(argv));
}

async function runCommandLine(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const program = await buildProgram(argv);
    const unknown = findUnknownCommand(program, argv.slice(2));
    if (unknown) {
      process.stderr.write(`${describeUnknownCommand(unknown)}\n`);
      return EXIT_USAGE;
    }
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    // Output to a closed pipe ends a command as quietly as it ends a coreutils tool.
    if (exitGuard().cause?.kind === 'closed-pipe') return EXIT_FAILURE;
    if (err instanceof CliExit) {
      if (err.message) process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof CommanderError) {
      // Help and version end "successfully"; usage errors were already printed by commander.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof SkeinError) {
      process.stderr.write(`skein: ${err.message}${debug ? ` [${err.code}]\n${err.stack ?? ''}` : ''}\n`);
      return EXIT_FAILURE;
    }
    const e = err as Error;
    process.stderr.write(`skein: ${e?.message ?? String(err)}\n${debug && e?.stack ? `${e.stack}\n` : ''}`);
    return EXIT_FAILURE;
  }
}
