/** A word where a command belongs that names none is found before commander parses, at any depth. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram } from '../../src/cli/main.js';
import { describeUnknownCommand, findUnknownCommand } from '../../src/cli/unknown-command.js';

test('unknown commands are found with or without --help, at the top and under a group', async () => {
  const program = await buildProgram();
  const find = (...args: string[]) => findUnknownCommand(program, args);
  assert.deepEqual(find('nosuch'), { parent: 'skein', word: 'nosuch' });
  assert.deepEqual(find('nosuch', '--help'), { parent: 'skein', word: 'nosuch' });
  assert.deepEqual(find('--debug', 'nosuch'), { parent: 'skein', word: 'nosuch' });
  assert.deepEqual(find('lab', 'nosuch', '--help'), { parent: 'skein lab', word: 'nosuch' });
  assert.deepEqual(find('ca', 'nosuch'), { parent: 'skein ca', word: 'nosuch' });
  assert.equal(describeUnknownCommand({ parent: 'skein lab', word: 'nosuch' }), "skein lab: unknown command 'nosuch' (skein lab --help lists the commands)");
});

test('known commands, their arguments, help and the command after -- are not mistaken for unknown ones', async () => {
  const program = await buildProgram();
  const find = (...args: string[]) => findUnknownCommand(program, args);
  for (const args of [[], ['--help'], ['--version'], ['ping', 'n2', '--help'], ['lab', 'up', '--name', 'x'], ['lab', 'exec', 'n1', '--', 'nosuch'], ['help', 'lab'], ['lab', 'help', 'up'], ['neighbours'], ['ca', 'init', '--name', 'c']]) {
    assert.equal(find(...args), undefined, args.join(' '));
  }
});
