import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYggdrasilAddress, parseYggdrasilVersion, yggdrasilConfig, yggdrasilPlans, YGGDRASIL_PORT } from '../../src/bench/yggdrasil-config.js';
import { layoutLab } from '../../src/lab/layout.js';
import { generateTopology } from '../../src/lab/topology.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

/** What `yggdrasil -genconf -json` (0.4.7) prints, keys shortened. */
const GENCONF = JSON.stringify({
  Peers: [], InterfacePeers: {}, Listen: [], AdminListen: 'unix:///var/run/yggdrasil/yggdrasil.sock',
  MulticastInterfaces: [{ Regex: '.*', Beacon: true, Listen: true, Port: 0, Priority: 0 }],
  AllowedPublicKeys: [], PublicKey: 'ab12', PrivateKey: 'cd34ab12', IfName: 'auto', IfMTU: 65535, NodeInfoPrivacy: false, NodeInfo: null,
}, null, 2);

test('peering on a 4-node line: each node listens on its veth addresses and dials its neighbours\' ends', () => {
  const plans = yggdrasilPlans(layoutLab('blab12cd', generateTopology({ kind: 'line', nodes: 4 })));
  const uri = (link: number, node: number) => `tcp://[fdbe:1ab:0:${link}::${node}]:${YGGDRASIL_PORT}`;
  assert.deepEqual(plans.get('n1'), { listen: [uri(1, 1)], peers: [uri(1, 2)], ifName: 'yblab12cdn1' });
  assert.deepEqual(plans.get('n2'), { listen: [uri(1, 2), uri(2, 2)], peers: [uri(1, 1), uri(2, 3)], ifName: 'yblab12cdn2' });
  assert.deepEqual(plans.get('n4')?.peers, [uri(3, 3)]);
  const names = [...plans.values()].map((p) => p.ifName);
  assert.equal(new Set(names).size, 4);
  assert.ok(names.every((n) => n.length <= 15), 'within IFNAMSIZ');
  assert.throws(() => yggdrasilPlans(layoutLab('bb', generateTopology({ kind: 'bridge', nodes: 3 }))), /point-to-point/);
});

test('the config keeps the generated keys and replaces discovery, listeners, admin socket and TUN name', () => {
  const plan = { listen: ['tcp://[fdbe:1ab:0:1::2]:7995'], peers: ['tcp://[fdbe:1ab:0:1::1]:7995'], ifName: 'yblabn2' };
  const config = JSON.parse(yggdrasilConfig(GENCONF, plan)) as Record<string, unknown>;
  assert.equal(config.PrivateKey, 'cd34ab12');
  assert.equal(config.PublicKey, 'ab12');
  assert.deepEqual(config.Peers, plan.peers);
  assert.deepEqual(config.Listen, plan.listen);
  assert.deepEqual(config.MulticastInterfaces, []);
  assert.equal(config.AdminListen, 'none');
  assert.equal(config.IfName, 'yblabn2');
  assert.equal(config.IfMTU, 65535, 'the default MTU is left as it is');
  assert.equal(config.NodeInfoPrivacy, true);
  const fail = (text: string) => assert.throws(() => yggdrasilConfig(text, plan), (e: unknown) => isSkeinError(e, ErrorCodes.LAB));
  fail('not json');
  fail('[1, 2]');
  fail(JSON.stringify({ PublicKey: 'ab' }));
});

test('the address -address prints: an IPv6 address in 200::/7, anything else refused', () => {
  assert.equal(parseYggdrasilAddress('201:ebc4:37b:714e:74c7:6cc0:ad65:cf8d\n'), '201:ebc4:37b:714e:74c7:6cc0:ad65:cf8d');
  assert.equal(parseYggdrasilAddress('200:9e52:ceb4:edf3:ce4:52d:56a9:48a3'), '200:9e52:ceb4:edf3:ce4:52d:56a9:48a3');
  assert.equal(parseYggdrasilAddress('3ff::1'), '3ff::1');
  for (const bad of ['', 'fdbe:1ab:0:1::1', '400::1', '1ff::1', 'Error: no config', '201:zz::1']) {
    assert.throws(() => parseYggdrasilAddress(bad), /no 200::\/7 address/, bad);
  }
});

test('the version: the build\'s own, or null when it does not know it', () => {
  assert.equal(parseYggdrasilVersion('Build name: yggdrasil\nBuild version: 0.4.7\n'), '0.4.7');
  assert.equal(parseYggdrasilVersion('Build name: unknown\nBuild version: unknown\n'), null);
  assert.equal(parseYggdrasilVersion(''), null);
});
