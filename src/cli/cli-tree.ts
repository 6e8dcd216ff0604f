/**
 * The command line as data, read from commander's own tree: every command
 * (its path, description, arguments, options and subcommands). Shell
 * completion (completion.ts) and the man page (man-page.ts) are generated
 * from it, so neither can drift from what `skein` actually accepts.
 */
import type { Command } from 'commander';

export interface CliOption {
  flags: string;
  long: string | undefined;
  short: string | undefined;
  description: string;
  /** The option takes the next word as its value. */
  takesValue: boolean;
  defaultText: string | undefined;
  mandatory: boolean;
}

export interface CliArgument {
  name: string;
  required: boolean;
  variadic: boolean;
  description: string;
}

export interface CliCommand {
  /** `skein`, `skein ca sign`. */
  path: string;
  name: string;
  aliases: string[];
  description: string;
  arguments: CliArgument[];
  options: CliOption[];
  subcommands: CliCommand[];
}

function optionOf(o: Command['options'][number]): CliOption {
  const defaultText = o.defaultValueDescription ?? (o.defaultValue === undefined || typeof o.defaultValue === 'boolean' ? undefined : JSON.stringify(o.defaultValue));
  return {
    flags: o.flags, long: o.long, short: o.short, description: o.description,
    takesValue: o.required || o.optional, defaultText, mandatory: o.mandatory,
  };
}

/** The tree under `cmd` (hidden commands and options left out; commander's implicit `help` too). */
export function cliTree(cmd: Command, parentPath = ''): CliCommand {
  const path = parentPath ? `${parentPath} ${cmd.name()}` : cmd.name();
  const hidden = (c: Command) => (c as unknown as { _hidden?: boolean })._hidden === true;
  return {
    path,
    name: cmd.name(),
    aliases: cmd.aliases(),
    description: cmd.description(),
    arguments: cmd.registeredArguments.map((a) => ({ name: a.name(), required: a.required, variadic: a.variadic, description: a.description })),
    options: cmd.options.filter((o) => !o.hidden).map(optionOf),
    subcommands: cmd.commands.filter((c) => !hidden(c)).map((c) => cliTree(c, path)),
  };
}

/** Every command of the tree, depth first, the root included. */
export function allCommands(root: CliCommand): CliCommand[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** `<target>`, `[file]`, `<command...>`. */
export function argumentText(a: CliArgument): string {
  const inner = `${a.name}${a.variadic ? '...' : ''}`;
  return a.required ? `<${inner}>` : `[${inner}]`;
}
