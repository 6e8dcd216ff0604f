import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { daemonEnv } from '../../src/lab/mesh.js';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/node/node-flags.js';

test('bin/skein.js starts node with the daemon environment and flags (an installed skein and the systemd unit run it directly)', () => {
  const shebang = readFileSync(new URL('../../bin/skein.js', import.meta.url), 'utf8').split('\n')[0]!;
  assert.match(shebang, /^#!\/usr\/bin\/env -S /);
  const words = shebang.split(/\s+/).slice(2);
  const at = words.indexOf('node');
  assert.ok(at >= 0, shebang);
  assert.deepEqual(Object.fromEntries(words.slice(0, at).map((w) => w.split('=') as [string, string])), { ...DAEMON_ENV });
  assert.deepEqual(words.slice(at + 1), [...DAEMON_NODE_FLAGS]);
});

test("the lab's daemons get the daemon environment over the caller's, and an experiment's over both", () => {
  const base = { PATH: '/bin', MALLOC_ARENA_MAX: '8' };
  assert.deepEqual(daemonEnv('n1', {}, base), { PATH: '/bin', ...DAEMON_ENV });
  assert.equal(daemonEnv('n2', { env: { n2: { MALLOC_ARENA_MAX: '2' } } }, base).MALLOC_ARENA_MAX, '2');
  assert.equal(daemonEnv('n1', { env: { n2: { MALLOC_ARENA_MAX: '2' } } }, base).MALLOC_ARENA_MAX, DAEMON_ENV.MALLOC_ARENA_MAX);
});
