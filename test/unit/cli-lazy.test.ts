/**
 * The CLI loads only the command area a command line needs: the table of
 * names in main.ts must match what each area's module registers, or a
 * command would be missing when it is run by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { COMMAND_AREAS, areasFor, buildProgram } from '../../src/cli/main.js';

const argv = (...args: string[]) => ['node', 'skein', ...args];

test('each area lists exactly the top-level commands (and aliases) its module registers', async () => {
  for (const area of COMMAND_AREAS) {
    const program = new Command();
    (await area.load())(program);
    const registered = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    assert.deepEqual([...area.names].sort(), registered.sort());
  }
});

test('the full program (help) has every command, in the areas\' order', async () => {
  const program = await buildProgram();
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  assert.deepEqual(names, COMMAND_AREAS.flatMap((a) => a.names));
});

test('a command line loads only its own area; help, no command or an unknown one load all; --version none', () => {
  const only = (a: typeof COMMAND_AREAS) => a.map((x) => x.names[0]);
  assert.deepEqual(only(areasFor(argv('up', '--config', 'x.toml'))), ['init']);
  assert.deepEqual(only(areasFor(argv('--debug', 'neighbours'))), ['init']);
  assert.deepEqual(only(areasFor(argv('lab', 'up', '--nodes', '4'))), ['lab']);
  assert.deepEqual(only(areasFor(argv('ping', 'n2'))), ['hosts']);
  assert.equal(areasFor(argv()).length, COMMAND_AREAS.length);
  assert.equal(areasFor(argv('--help')).length, COMMAND_AREAS.length);
  assert.equal(areasFor(argv('help', 'up')).length, COMMAND_AREAS.length);
  assert.equal(areasFor(argv('upp')).length, COMMAND_AREAS.length);
  assert.deepEqual(areasFor(argv('--version')), []);
  assert.equal(areasFor(argv('--version', '--help')).length, COMMAND_AREAS.length);
});
