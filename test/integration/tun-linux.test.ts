/**
 * The Linux TUN device for real, in a fresh namespace per test (root): the
 * shared compliance suite, the interface configuration the kernel ends up
 * with, removal on close, and a typed error for a name that is taken.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { TunNamespace } from '../../src/lab/tun-namespace.js';
import { ipv6FromText } from '../../src/util/ipv6-text.js';
import { openLinuxTun } from '../../src/dataplane/tun-linux.js';
import { addonBackend } from '../../src/dataplane/tun-addon.js';
import { isSkeinError, ErrorCodes } from '../../src/util/errors.js';
import { tunComplianceCases, type TunHarness } from '../unit/tun-compliance.js';
import { capabilitylessWrapper } from '../helpers/unprivileged.js';

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root (network namespaces, /dev/net/tun)';
const PREFIX = 'fd7e:5a11:0b0e::/48';
const OWN = 'fd7e:5a11:b0e::1';
const PEER = 'fd7e:5a11:b0e::2';
const MTU = 9000;
const PING_DEADLINE_S = 5;
/** Echoes in flight at once: enough to fill several read batches, few enough that ping's socket buffer never overflows on a loaded machine. */
const PING_PRELOAD = 32;

const live = new Set<TunNamespace>();
const destroyAll = async () => { await Promise.all([...live].map((ns) => ns.destroy())); live.clear(); };
after(destroyAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void destroyAll().then(() => process.exit(130)));

let serial = 0;
async function linuxHarness(): Promise<TunHarness & { ns: TunNamespace }> {
  const ns = await TunNamespace.create(`tl${serial}`);
  live.add(ns);
  const name = `sktl${process.pid % 10_000}${serial++}`;
  const device = await openLinuxTun({ name, mtu: MTU, address: ipv6FromText(OWN), prefix: PREFIX, runStep: ns.stepRunner(name) });
  return {
    ns,
    device,
    expectedName: name,
    expectedMtu: MTU,
    async exchange(count) {
      const r = await ns.exec(['ping', '-6', '-q', '-f', '-l', String(Math.min(count, PING_PRELOAD)), '-c', String(count), '-w', String(PING_DEADLINE_S), PEER], (PING_DEADLINE_S + 5) * 1000);
      // -w: ping waits for the replies (up to the deadline) instead of two round trips after the last
      // request, which a busy moment of the responder outlasts; in flood mode it may send a few more.
      const m = /(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?/.exec(r.stdout);
      return { sent: Number(m?.[1] ?? 0), answered: Number(m?.[2] ?? 0), duplicates: Number(m?.[3] ?? 0) };
    },
    async dispose() {
      await device.close();
      await ns.destroy();
      live.delete(ns);
    },
  };
}

for (const [name, run] of tunComplianceCases) {
  test(`TunDevice compliance (Linux TUN): ${name}`, { skip }, async () => {
    const h = await linuxHarness();
    try {
      await run(h);
    } finally {
      await h.dispose();
    }
  });
}

test('the configured interface: address (nodad), MTU, up, one route for the cluster /48, no link-local; gone after close', { skip }, async () => {
  const h = await linuxHarness();
  try {
    const name = h.device.name;
    const link = await h.ns.check(['ip', '-d', 'link', 'show', 'dev', name]);
    assert.match(link, new RegExp(`mtu ${MTU} `));
    assert.match(link, /[<,]UP[,>]/);
    assert.match(link, /tun type tun pi off/);
    const addrs = await h.ns.check(['ip', '-6', 'addr', 'show', 'dev', name]);
    assert.match(addrs, new RegExp(`inet6 ${OWN}/48 scope global nodad noprefixroute`));
    assert.doesNotMatch(addrs, /fe80:/, 'addr_gen_mode=1 must prevent a link-local address');
    const mode = await h.ns.check(['cat', `/proc/sys/net/ipv6/conf/${name}/addr_gen_mode`]);
    assert.equal(mode.trim(), '1');
    const routes = (await h.ns.check(['ip', '-6', 'route', 'show', 'dev', name])).trim().split('\n');
    assert.deepEqual(routes.filter((r) => r.startsWith('fd7e:5a11:b0e::/48')).length, 1);
    await h.device.close();
    const after = await h.ns.exec(['ip', 'link', 'show', 'dev', name]);
    assert.notEqual(after.code, 0, 'the interface is removed when the device closes');
  } finally {
    await h.dispose();
  }
});

test('opening a name that is already a live TUN is SKEIN_ERR_TUN_UNAVAILABLE with a one-line reason', { skip }, async () => {
  const backend = addonBackend();
  const name = `skbusy${process.pid % 10_000}`;
  const first = backend.open(name);
  try {
    await assert.rejects(openLinuxTun({ name, address: ipv6FromText(OWN), prefix: PREFIX }), (err: unknown) => {
      assert.ok(isSkeinError(err, ErrorCodes.TUN_UNAVAILABLE));
      assert.match(err.message, new RegExp(`^TUN ${name} unavailable: .*in use`));
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  } finally {
    backend.close(first.fd);
  }
  await assert.rejects(readFile(`/sys/class/net/${name}/mtu`), 'closing the fd removed the device');
});

test('without CAP_NET_ADMIN (an unprivileged child): SKEIN_ERR_TUN_UNAVAILABLE saying it needs root', { skip }, async (t) => {
  const module = new URL('../../src/dataplane/tun-linux.ts', import.meta.url).href;
  const unprivileged = await capabilitylessWrapper();
  if ('why' in unprivileged) {
    t.skip(unprivileged.why);
    return;
  }
  const script = `import { openLinuxTun } from ${JSON.stringify(module)};
    try { await openLinuxTun({ name: 'sknobody0', address: new Uint8Array(16), prefix: '${PREFIX}' }); console.log('OPENED'); }
    catch (e) { console.log(e.code + ' ' + e.message); }`;
  const [setpriv, ...dropCapabilities] = unprivileged.wrapper;
  const { stdout } = await promisify(execFile)(setpriv!, [
    ...dropCapabilities, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script,
  ], { timeout: 30_000, cwd: new URL('../..', import.meta.url).pathname });
  assert.equal(stdout.trim(), 'SKEIN_ERR_TUN_UNAVAILABLE TUN sknobody0 unavailable: not permitted: creating a TUN interface needs root (CAP_NET_ADMIN)');
});
