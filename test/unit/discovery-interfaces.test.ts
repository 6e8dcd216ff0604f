import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diffInterfaces, matchesInterfacePattern, selectInterfaces, type InterfaceInfo,
} from '../../src/discovery/interface-selection.js';
import { resolveDiscoveryConfig, DEFAULT_DISCOVERY_CONFIG } from '../../src/discovery/config.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

function iface(name: string, over: Partial<InterfaceInfo> = {}): InterfaceInfo {
  return { name, index: name.length, up: true, multicast: true, loopback: false, linkLocal: `fe80::${name.length}`, ...over };
}

const all = [
  iface('eth0'), iface('eth1'), iface('wlan0'), iface('docker0'), iface('veth-a1'),
  iface('lo', { loopback: true, multicast: false }),
  iface('down0', { up: false }),
  iface('nomc0', { multicast: false }),
  iface('noll0', { linkLocal: undefined }),
];
const names = (sel: { interfaces?: string[]; ignoreInterfaces?: string[] }) =>
  selectInterfaces(all, { interfaces: sel.interfaces ?? [], ignoreInterfaces: sel.ignoreInterfaces ?? [] }).map((i) => i.name);

test('default: every up, multicast-capable, non-loopback interface with a link-local address, sorted', () => {
  assert.deepEqual(names({}), ['docker0', 'eth0', 'eth1', 'veth-a1', 'wlan0']);
});

test('interfaces narrows by names and globs; ignoreInterfaces wins; ineligible ones stay out', () => {
  assert.deepEqual(names({ interfaces: ['eth*'] }), ['eth0', 'eth1']);
  assert.deepEqual(names({ interfaces: ['eth?', 'wlan0'], ignoreInterfaces: ['eth1'] }), ['eth0', 'wlan0']);
  assert.deepEqual(names({ ignoreInterfaces: ['docker*', 'veth-*'] }), ['eth0', 'eth1', 'wlan0']);
  assert.deepEqual(names({ interfaces: ['lo', 'down0', 'nomc0', 'noll0'] }), []);
});

test('globs: * any run, ? one character, the rest literal', () => {
  assert.equal(matchesInterfacePattern('eth0', 'eth*'), true);
  assert.equal(matchesInterfacePattern('eth', 'eth*'), true);
  assert.equal(matchesInterfacePattern('xeth0', 'eth*'), false);
  assert.equal(matchesInterfacePattern('eth10', 'eth?'), false);
  assert.equal(matchesInterfacePattern('br.10', 'br.10'), true);
  assert.equal(matchesInterfacePattern('brx10', 'br.10'), false);
});

test('diff: appeared, vanished, and re-created with a new index (removed and added)', () => {
  const a = { name: 'a', index: 2, linkLocal: 'fe80::a' };
  const b = { name: 'b', index: 3, linkLocal: 'fe80::b' };
  const b2 = { ...b, index: 9 };
  const c = { name: 'c', index: 4, linkLocal: 'fe80::c' };
  assert.deepEqual(diffInterfaces([a, b], [a, b]), { added: [], removed: [] });
  assert.deepEqual(diffInterfaces([a, b], [a, b2, c]), { added: [b2, c], removed: [b] });
  assert.deepEqual(diffInterfaces([a, b], []), { added: [], removed: [a, b] });
});

test('config: defaults resolved once, bad values refused naming the key', () => {
  const c = resolveDiscoveryConfig({ intervalMs: 500, interfaces: ['eth*'] });
  assert.equal(c.intervalMs, 500);
  assert.equal(c.group, DEFAULT_DISCOVERY_CONFIG.group);
  assert.equal(c.port, 7460);
  const bad = (over: Parameters<typeof resolveDiscoveryConfig>[0], key: RegExp) =>
    assert.throws(() => resolveDiscoveryConfig(over), (e: unknown) => isSkeinError(e, ErrorCodes.CONFIG) && key.test(e.message));
  bad({ intervalMs: 10 }, /discovery\.intervalMs/);
  bad({ port: 0 }, /discovery\.port/);
  bad({ group: 'ff05::114' }, /discovery\.group/);
  bad({ jitter: 0.9 }, /discovery\.jitter/);
  bad({ interfaces: ['eth 0'] }, /discovery\.interfaces/);
  bad({ ignoreInterfaces: [''] }, /discovery\.ignoreInterfaces/);
  bad({ sourceRate: { perSecond: 0, burst: 1 } }, /discovery\.sourceRate\.perSecond/);
  bad({ maxKeys: 0 }, /discovery\.maxKeys/);
});
