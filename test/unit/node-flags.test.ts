import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DAEMON_NODE_FLAGS } from '../../src/node/node-flags.js';

test('bin/skein.js starts node with the daemon flags (an installed skein and the systemd unit run it directly)', () => {
  const shebang = readFileSync(new URL('../../bin/skein.js', import.meta.url), 'utf8').split('\n')[0]!;
  assert.match(shebang, /^#!\/usr\/bin\/env -S node( |$)/);
  const flags = shebang.split(/\s+/).slice(3);
  assert.deepEqual(flags, [...DAEMON_NODE_FLAGS]);
});
