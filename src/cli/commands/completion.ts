/** `skein completion bash|zsh|fish`: the shell's completion script, generated from the command tree. */
import type { Command } from 'commander';
import { cliTree } from '../cli-tree.js';
import { SHELLS, completionScript, type Shell } from '../completion.js';
import { ErrorCodes, SkeinError } from '../../util/errors.js';

export function registerCompletionCommands(program: Command): void {
  program.command('completion')
    .description('print the shell completion script for bash, zsh or fish')
    .argument('<shell>', SHELLS.join(', '))
    .addHelpText('after', '\nInstall:\n  skein completion bash | sudo tee /etc/bash_completion.d/skein\n  skein completion zsh > "${fpath[1]}/_skein"\n  skein completion fish > ~/.config/fish/completions/skein.fish')
    .action((shell: string, _opts: unknown, cmd: Command) => {
      if (!(SHELLS as readonly string[]).includes(shell)) throw new SkeinError(ErrorCodes.USAGE, `completion: unknown shell '${shell}' (known: ${SHELLS.join(', ')})`);
      // The program holds every command for `completion` (main.ts areasFor loads them all for it).
      const root = cmd.parent ?? cmd;
      process.stdout.write(completionScript(shell as Shell, cliTree(root)));
    });
}
