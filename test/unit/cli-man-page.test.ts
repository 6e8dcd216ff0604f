/** The checked-in man page is the one the command definitions generate now (regenerate: node --import tsx scripts/gen-man.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generatedManPage, MAN_PAGE_PATH } from '../../src/cli/man-source.js';
import { allCommands, cliTree } from '../../src/cli/cli-tree.js';
import { buildProgram } from '../../src/cli/main.js';

test('man/skein.1 equals a fresh generation from the command tree (run: node --import tsx scripts/gen-man.ts)', async () => {
  assert.equal(readFileSync(MAN_PAGE_PATH, 'utf8'), await generatedManPage());
});

test('the man page has a section for every command, with its options', async () => {
  const page = await generatedManPage();
  const commands = allCommands(cliTree(await buildProgram())).slice(1);
  assert.ok(commands.length > 40, `${commands.length} commands`);
  for (const c of commands) assert.ok(page.includes(`.SS \\fB${c.path.replace(/-/g, '\\-')}\\fR`), `a section for ${c.path}`);
  assert.match(page, /\\fB\\-\\-json\\fR/);
  assert.match(page, /"error": \{"code"/);
});
