/**
 * A word where a command belongs that names no command. Checked before
 * commander parses, because commander answers `skein nosuch --help` with the
 * top-level help and status 0, and a plain `skein nosuch` with two lines.
 */
import type { Command } from 'commander';

export interface UnknownCommand {
  /** The command path the word was given to: "skein", "skein lab". */
  parent: string;
  word: string;
}

/** The implicit `help` command commander adds to every command that has subcommands. */
const HELP_COMMAND = 'help';

/**
 * Walk the command words of `args` (argv without node and script) down the
 * tree. Only commands with subcommands are searched, and none of them takes
 * an option with a value, so every word that is not an option names a command.
 */
export function findUnknownCommand(program: Command, args: readonly string[]): UnknownCommand | undefined {
  let current = program;
  const path = [program.name()];
  for (const word of args) {
    if (word === '--') return undefined;
    if (word.startsWith('-')) continue;
    if (current.commands.length === 0 || word === HELP_COMMAND) return undefined;
    const next = current.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) return { parent: path.join(' '), word };
    current = next;
    path.push(word);
  }
  return undefined;
}

export function describeUnknownCommand(u: UnknownCommand): string {
  return `${u.parent}: unknown command '${u.word}' (${u.parent} --help lists the commands)`;
}
