/** `skein lab exec NODE …`: which words are exec's options and which are the command. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execArguments } from '../../src/cli/commands/lab.js';

test('lab exec: --name after the node is the lab, the command follows --; without -- every word is the command', () => {
  assert.deepEqual(execArguments(['--name', 'LAB', '--', 'true'], undefined), { name: 'LAB', argv: ['true'] });
  assert.deepEqual(execArguments(['--name=LAB', '--', 'ip', '-br', 'link'], 'other'), { name: 'LAB', argv: ['ip', '-br', 'link'] });
  assert.deepEqual(execArguments(['--', 'sh', '-c', 'exit 3'], 'L'), { name: 'L', argv: ['sh', '-c', 'exit 3'] });
  assert.deepEqual(execArguments(['ip', '-br', 'link'], 'L'), { name: 'L', argv: ['ip', '-br', 'link'] });
  assert.deepEqual(execArguments(['sh', '--', 'x'], 'L'), { name: 'L', argv: ['sh', '--', 'x'] }, 'a command that starts with a word keeps its own --');
  assert.throws(() => execArguments(['--nmae', 'LAB', '--', 'true'], undefined), /'--nmae' is not an option of lab exec/);
});
