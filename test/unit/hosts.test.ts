import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostsBlock } from '../../src/dns/hosts.js';

test('hostsBlock: delimited block, one line per member sorted by name, zone names, invalid and duplicate names skipped', () => {
  const block = hostsBlock([
    { name: 'charlie', address: 'fd12:3456:789a:3::' },
    { name: 'alpha', address: 'fd12:3456:789a:1::' },
    { name: 'Bad Name', address: 'fd12::9' },
    { name: 'alpha', address: 'fd12::dup' },
  ], 'prod');
  assert.equal(block, [
    '# BEGIN skein prod',
    'fd12:3456:789a:1:: alpha.prod.skein',
    'fd12:3456:789a:3:: charlie.prod.skein',
    '# END skein',
    '',
  ].join('\n'));
  assert.equal(hostsBlock([], 'prod', 'prod.mesh'), '# BEGIN skein prod\n# END skein\n');
  assert.match(hostsBlock([{ name: 'a', address: 'fd00::1' }], 'prod', 'prod.mesh'), /^fd00::1 a\.prod\.mesh$/m);
});
