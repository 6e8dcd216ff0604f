/**
 * The `skein` command line. Each area registers its own commands; this file
 * owns parsing, the error policy (one line naming the file and the problem,
 * no stack trace unless --debug) and exit codes.
 */
import { Command, CommanderError } from 'commander';
import { SkeinError } from '../util/errors.js';
import { CliExit } from './output.js';
import { registerIdentityCommands } from './commands/identity.js';
import { registerLabCommands } from './commands/lab.js';
import { registerNodeCommands } from './commands/node.js';
import { registerMeshCommands } from './commands/mesh.js';
import { registerDemoCommands } from './commands/demo.js';
import { registerSimCommands } from './commands/sim.js';
import { registerWebCommands } from './commands/web.js';
import { registerBenchCommands } from './commands/bench.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('skein')
    .description('Zero-configuration, secure mesh overlay network for Linux')
    .version('0.1.0')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions()
    .exitOverride();
  registerIdentityCommands(program);
  registerNodeCommands(program);
  registerMeshCommands(program);
  registerLabCommands(program);
  registerSimCommands(program);
  registerDemoCommands(program);
  registerWebCommands(program);
  registerBenchCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
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
