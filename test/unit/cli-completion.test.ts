/**
 * Shell completion generated from the command tree: bash's script is run in
 * a real bash with COMP_WORDS set as bash sets them; zsh's and fish's are
 * checked for the same tables (those shells need not be installed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cliTree } from '../../src/cli/cli-tree.js';
import { completionScript } from '../../src/cli/completion.js';
import { buildProgram } from '../../src/cli/main.js';

async function bashComplete(words: string[]): Promise<string[]> {
  const script = completionScript('bash', cliTree(await buildProgram()));
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _skein; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8', cwd: '/' });
  return out.split('\n').filter(Boolean);
}

test('bash: commands, subcommands, options of the command typed so far, nothing after --', async () => {
  const top = await bashComplete(['skein', '']);
  for (const c of ['keygen', 'ca', 'peers', 'config', 'version', 'completion', 'lab']) assert.ok(top.includes(c), `top level offers ${c}`);
  assert.deepEqual(await bashComplete(['skein', 'pe']), ['peers']);
  assert.deepEqual((await bashComplete(['skein', 'peers', ''])).sort(), ['add', 'remove']);
  assert.ok((await bashComplete(['skein', 'ca', 'sign', '--'])).includes('--pub'));
  // --config takes a value: the word after it is not a command, and the next one still completes peers' subcommands.
  assert.deepEqual((await bashComplete(['skein', 'peers', '--config', 'x.toml', 'a'])), ['add']);
  assert.ok((await bashComplete(['skein', 'status', '--j'])).includes('--json'));
  assert.deepEqual(await bashComplete(['skein', 'lab', 'exec', 'n1', '--', 'ls', '--']), []);
});

test('zsh and fish scripts hold the same command tables', async () => {
  const tree = cliTree(await buildProgram());
  const zsh = completionScript('zsh', tree);
  const fish = completionScript('fish', tree);
  assert.match(zsh, /^#compdef skein/);
  assert.match(zsh, /'skein peers'\) echo 'add remove'/);
  assert.match(fish, /case 'skein peers'\n\s+printf '%s\\n' 'add' 'remove'/);
  assert.match(fish, /complete -c skein -f -a '\(__skein_complete\)'/);
});
