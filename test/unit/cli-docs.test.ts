/** docs/cli.md lists every command the CLI defines, and each row names a command that exists. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allCommands, cliTree } from '../../src/cli/cli-tree.js';
import { buildProgram } from '../../src/cli/main.js';

test('docs/cli.md has a table row for every command that runs (groups such as `skein ca` are covered by their subcommands)', async () => {
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  const commands = allCommands(cliTree(await buildProgram()));
  const known = new Set(commands.flatMap((c) => [c.path, ...c.aliases.map((a) => `${c.path.replace(/ [^ ]+$/, '')} ${a}`)]));
  /** The longest known command path at the start of `skein …` text. */
  const commandOf = (text: string): string | undefined => {
    const words = text.split(' ');
    for (let n = words.length; n >= 2; n--) if (known.has(words.slice(0, n).join(' '))) return words.slice(0, n).join(' ');
    return undefined;
  };
  const cells = doc.split('\n').filter((l) => l.startsWith('| `skein ')).map((r) => r.split(' | ')[0] ?? '');
  const named = cells.flatMap((cell) => [...cell.matchAll(/`(skein [^`]+)`/g)].map((m) => m[1] ?? ''));
  const unknown = named.filter((t) => commandOf(t) === undefined);
  assert.deepEqual(unknown, [], 'rows naming no command');
  const documented = new Set(named.map(commandOf));
  // `skein peers` and `skein bench` run on their own and have subcommands too.
  const runsAlone = new Set(['skein peers', 'skein bench']);
  const runnable = commands.slice(1).filter((c) => c.subcommands.length === 0 || runsAlone.has(c.path));
  assert.deepEqual(runnable.map((c) => c.path).filter((p) => !documented.has(p)), [], 'commands without a row in docs/cli.md');
});
