/**
 * openLinuxTun without a kernel: a fake backend and a recording step runner
 * show the configuration plan, its order, and that every way of failing is
 * SKEIN_ERR_TUN_UNAVAILABLE with a one-line reason (what the daemon logs once).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TunBackend } from '../../src/dataplane/tun-backend.js';
import { batchLine, type TunConfigStep, tunConfigPlan } from '../../src/dataplane/tun-config.js';
import { ipv6FromText } from '../../src/util/ipv6-text.js';
import { openLinuxTun } from '../../src/dataplane/tun-linux.js';
import { DEFAULT_TUN_MTU } from '../../src/dataplane/mtu.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

const ADDRESS = ipv6FromText('fd12:3456:789a:1:2:3:4:5');
const PREFIX = 'fd12:3456:789a::/48';

function fakeBackend(openError?: { errno: number }): TunBackend & { closed: number[]; opened: string[] } {
  const closed: number[] = [];
  const opened: string[] = [];
  return {
    kind: 'fake',
    closed,
    opened,
    open(name) {
      if (openError) throw Object.assign(new Error(`ioctl TUNSETIFF: errno ${openError.errno}`), openError);
      opened.push(name);
      return { fd: 42, name };
    },
    startReader: () => () => Promise.resolve(),
    write: (_fd, packets) => packets.length,
    lastWriteErrno: () => 0,
    close: (fd) => { closed.push(fd); },
  };
}

test('the plan: addr_gen_mode=1 before up, MTU, address with nodad/noprefixroute, up, one prefix route', () => {
  const plan = tunConfigPlan({ name: 'skein0', mtu: 64_000, address: ADDRESS, prefix: PREFIX });
  assert.deepEqual(plan, [
    { kind: 'sysctl', path: '/proc/sys/net/ipv6/conf/skein0/addr_gen_mode', value: '1' },
    { kind: 'ip', args: ['link', 'set', 'dev', 'skein0', 'mtu', '64000'] },
    { kind: 'ip', args: ['-6', 'addr', 'add', 'fd12:3456:789a:1:2:3:4:5/48', 'dev', 'skein0', 'nodad', 'noprefixroute'] },
    { kind: 'ip', args: ['link', 'set', 'dev', 'skein0', 'up'] },
    { kind: 'ip', args: ['-6', 'route', 'replace', PREFIX, 'dev', 'skein0'] },
  ]);
});

test('openLinuxTun: default name skein0 and default MTU, every step run in order', async () => {
  const steps: TunConfigStep[] = [];
  const backend = fakeBackend();
  const tun = await openLinuxTun({ address: ADDRESS, prefix: PREFIX, backend, runStep: async (s) => { steps.push(s); } });
  assert.equal(tun.name, 'skein0');
  assert.equal(tun.mtu, DEFAULT_TUN_MTU);
  assert.equal(steps.length, 5);
  assert.equal(tun.write([new Uint8Array(40)]), 1);
  await tun.close();
  await tun.close();
  assert.deepEqual(backend.closed, [42]);
});

for (const [errno, pattern] of [[1, /needs root/], [2, /\/dev\/net\/tun does not exist/], [16, /already in use/], [99, /errno 99/]] as const) {
  test(`open failing with errno ${errno} is TUN_UNAVAILABLE: ${pattern}`, async () => {
    await assert.rejects(openLinuxTun({ name: 'sk1', address: ADDRESS, prefix: PREFIX, backend: fakeBackend({ errno }) }), (err: unknown) => {
      assert.ok(isSkeinError(err, ErrorCodes.TUN_UNAVAILABLE));
      assert.match(err.message, /^TUN sk1 unavailable: /);
      assert.match(err.message, pattern);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  });
}

test('a failing configuration step closes the fd and names the step and the reason', async () => {
  const backend = fakeBackend();
  const runStep = async (s: TunConfigStep) => {
    if (s.kind === 'ip' && s.args[1] === 'addr') throw Object.assign(new Error('exit 2'), { stderr: 'RTNETLINK answers: Permission denied\n' });
  };
  await assert.rejects(openLinuxTun({ name: 'sk2', address: ADDRESS, prefix: PREFIX, backend, runStep }), (err: unknown) => {
    assert.ok(isSkeinError(err, ErrorCodes.TUN_UNAVAILABLE));
    assert.equal(err.message, 'configuring sk2: ip -6 addr add fd12:3456:789a:1:2:3:4:5/48 dev sk2 nodad noprefixroute failed: RTNETLINK answers: Permission denied');
    return true;
  });
  assert.deepEqual(backend.closed, [42]);
});

test('bad names and MTUs are configuration errors naming the key', async () => {
  for (const name of ['', 'a'.repeat(16), 'has space', '..', 'a/b']) {
    await assert.rejects(openLinuxTun({ name, address: ADDRESS, prefix: PREFIX, backend: fakeBackend() }), (e: unknown) => isSkeinError(e, ErrorCodes.CONFIG));
  }
  await assert.rejects(openLinuxTun({ mtu: 1000, address: ADDRESS, prefix: PREFIX, backend: fakeBackend() }), (e: unknown) => isSkeinError(e, ErrorCodes.CONFIG));
});

test('every ip step of the plan is batchable (one ip process): -6 becomes the batch family; odd arguments are not batched', () => {
  const plan = tunConfigPlan({ name: 'skein0', mtu: 64_000, address: ADDRESS, prefix: PREFIX });
  const lines = plan.flatMap((s) => (s.kind === 'ip' ? [batchLine(s)] : []));
  assert.deepEqual(lines, [
    'link set dev skein0 mtu 64000',
    'addr add fd12:3456:789a:1:2:3:4:5/48 dev skein0 nodad noprefixroute',
    'link set dev skein0 up',
    'route replace fd12:3456:789a::/48 dev skein0',
  ]);
  assert.equal(batchLine({ kind: 'ip', args: ['-4', 'addr', 'show'] }), undefined);
  assert.equal(batchLine({ kind: 'ip', args: ['link', 'set', 'dev', 'a b', 'up'] }), undefined);
  assert.equal(batchLine({ kind: 'ip', args: ['link', 'set', 'dev', '', 'up'] }), undefined);
});
