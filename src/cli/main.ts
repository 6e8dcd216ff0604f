/**
 * The `skein` command line. Each area registers its own commands; this file
 * owns parsing, the error policy (one line naming the file and the problem,
 * no stack trace unless --debug) and exit codes (docs/cli-exit.md).
 */
import { Command, CommanderError } from 'commander';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { buildInfo } from '../util/build-info.js';
import { exitGuard } from './exit-guard.js';
import { CliExit, printJson } from './output.js';
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
  { names: ['peers'], load: async () => (await import('./commands/peers.js')).registerPeersCommands },
  { names: ['hosts', 'nodes', 'routes', 'sessions', 'ping', 'trace'], load: async () => (await import('./commands/mesh.js')).registerMeshCommands },
  { names: ['firewall'], load: async () => (await import('./commands/firewall.js')).registerFirewallCommands },
  { names: ['lab'], load: async () => (await import('./commands/lab.js')).registerLabCommands },
  { names: ['sim'], load: async () => (await import('./commands/sim.js')).registerSimCommands },
  { names: ['demo'], load: async () => (await import('./commands/demo.js')).registerDemoCommands },
  { names: ['web'], load: async () => (await import('./commands/web.js')).registerWebCommands },
  { names: ['bench'], load: async () => (await import('./commands/bench.js')).registerBenchCommands },
  { names: ['config'], load: async () => (await import('./commands/config.js')).registerConfigCommands },
  { names: ['completion'], load: async () => (await import('./commands/completion.js')).registerCompletionCommands },
  { names: ['version'], load: async () => (await import('./commands/version.js')).registerVersionCommands },
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
  // `completion` describes every command, so it needs them all.
  if (command === 'completion') return COMMAND_AREAS;
  const area = COMMAND_AREAS.find((a) => a.names.includes(command));
  return area ? [area] : COMMAND_AREAS;
}

/** Whether the command line asks for JSON (`--json` before any `--`): then errors are JSON too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** A usage error commander reported, kept to be printed as JSON instead. */
export interface UsageCapture {
  message?: string;
}

/**
 * The program with the commands `argv` needs (default: every command). With
 * `capture`, commander's usage errors are kept there instead of printed (set
 * here, before the commands are made: each command copies the setting).
 */
export async function buildProgram(argv?: readonly string[], capture?: UsageCapture): Promise<Command> {
  const program = new Command();
  if (capture) {
    program.configureOutput({
      writeErr: () => {},
      outputError: (text) => { capture.message ??= text.trim().replace(/^error: /, ''); },
    });
  }
  program
    .name('skein')
    .description('Zero-configuration, secure mesh overlay network for Linux')
    .version(buildInfo().version)
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

/** Printed instead of the one-line error when --json is given (docs/cli.md): on stdout, so a script reads one JSON document either way. */
export interface JsonError {
  error: { code: string; message: string };
}

/** What code an error that is not a SkeinError carries: the daemon's own (AdminCallError), else a generic one. */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SKEIN_ERR_') ? code : 'SKEIN_ERR_FAILED';
}

async function runCommandLine(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const json = wantsJson(argv);
  const capture: UsageCapture = {};
  const fail = (exitCode: number, code: string, message: string, line: string): number => {
    if (json) printJson({ error: { code, message } } satisfies JsonError);
    else if (line) process.stderr.write(line);
    return exitCode;
  };
  try {
    const program = await buildProgram(argv, json ? capture : undefined);
    const unknown = findUnknownCommand(program, argv.slice(2));
    if (unknown) {
      const message = describeUnknownCommand(unknown);
      return fail(EXIT_USAGE, ErrorCodes.USAGE, message, `${message}\n`);
    }
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    // Output to a closed pipe ends a command as quietly as it ends a coreutils tool.
    if (exitGuard().cause?.kind === 'closed-pipe') return EXIT_FAILURE;
    if (err instanceof CliExit) {
      // A CliExit without a message has said what it had to (cert verify's verdict, ping's summary).
      if (!err.message) return err.exitCode;
      return fail(err.exitCode, err.exitCode === EXIT_USAGE ? ErrorCodes.USAGE : 'SKEIN_ERR_FAILED', err.message.replace(/^skein[^:]*: /, ''), `${err.message}\n`);
    }
    if (err instanceof CommanderError) {
      // Help and version end "successfully"; usage errors were already printed by commander (or captured for --json).
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      const exitCode = err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      return json && exitCode !== EXIT_OK ? fail(exitCode, ErrorCodes.USAGE, capture.message ?? err.message.replace(/^error: /, ''), '') : exitCode;
    }
    if (err instanceof SkeinError) {
      return fail(EXIT_FAILURE, err.code, err.message, `skein: ${err.message}${debug ? ` [${err.code}]\n${err.stack ?? ''}` : ''}\n`);
    }
    const e = err as Error;
    const message = e?.message ?? String(err);
    return fail(EXIT_FAILURE, codeOf(err), message, `skein: ${message}\n${debug && e?.stack ? `${e.stack}\n` : ''}`);
  }
}
