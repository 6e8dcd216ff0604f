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

/** Whether `word` is an option of `cmd` whose value is the next word (`--config FILE`, not `--config=FILE`). */
function takesNextWord(cmd: Command, word: string): boolean {
  if (word.includes('=')) return false;
  const option = cmd.options.find((o) => o.long === word || o.short === word);
  return option !== undefined && (option.required || option.optional);
}

/**
 * Walk the command words of `args` (argv without node and script) down the
 * tree. Only commands with subcommands are searched; a word that is neither
 * an option nor an option's value names a command.
 */
export function findUnknownCommand(program: Command, args: readonly string[]): UnknownCommand | undefined {
  let current = program;
  const path = [program.name()];
  let skipValue = false;
  for (const word of args) {
    if (word === '--') return undefined;
    if (skipValue) {
      skipValue = false;
      continue;
    }
    if (word.startsWith('-')) {
      skipValue = takesNextWord(current, word);
      continue;
    }
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
