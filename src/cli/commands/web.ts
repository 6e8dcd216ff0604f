/**
 * `skein web`: the URL of the node's live topology page (token included),
 * from the admin API method `web`. The page is opt-in: a node without a
 * [web] section answers with how to turn it on.
 */
import type { Command } from 'commander';
import { adminQuery } from '../../control/client.js';
import { addTargetOptions, resolveAdminSocket, type TargetOptions } from '../daemon-target.js';
import { printJson } from '../output.js';

async function web(opts: TargetOptions & { json?: boolean }): Promise<void> {
  const info = await adminQuery(resolveAdminSocket(opts), 'web');
  if (opts.json) return printJson(info);
  process.stdout.write(`${info.url}\n`);
}

export function registerWebCommands(program: Command): void {
  addTargetOptions(program.command('web').description('print the URL of the live topology page (it carries the access token: keep it private)'))
    .option('--json', 'machine-readable ({url})')
    .addHelpText('after', '\nThe page is off unless the config has a [web] section:\n  [web]\n  listen = "127.0.0.1:9465"\n\nExample:\n  skein web --config n1/skein.toml\n  skein lab exec n1 -- skein web')
    .action(web);
}
