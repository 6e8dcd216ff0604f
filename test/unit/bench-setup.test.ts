import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withNativeLinks, withTunMtu } from '../../src/bench/config-edit.js';
import { BASELINE_PREFIX, baselineAddress, kernelRoutingPlan } from '../../src/bench/kernel-routing.js';
import { layoutLab } from '../../src/lab/layout.js';
import { generateTopology } from '../../src/lab/topology.js';
import { parseConfigText, renderConfig } from '../../src/node/config.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

const routesOf = (plan: ReturnType<typeof kernelRoutingPlan>, ns: string) =>
  plan.commands.filter((c) => c.args[0] === '-n' && c.args[1] === ns && c.args.includes('route')).map((c) => `${c.args[5]} via ${c.args[7]} dev ${c.args[9]}`);

test('kernel baseline on a 4-node line: forwarding, one /64 per link, routes toward the far links', () => {
  const layout = layoutLab('bl', generateTopology({ kind: 'line', nodes: 4 }));
  const plan = kernelRoutingPlan(layout);
  assert.deepEqual(plan.addresses.get('n1'), [`${BASELINE_PREFIX}:1::1`]);
  assert.deepEqual(plan.addresses.get('n2'), [`${BASELINE_PREFIX}:1::2`, `${BASELINE_PREFIX}:2::2`]);
  assert.deepEqual(plan.addresses.get('n4'), [`${BASELINE_PREFIX}:3::4`]);
  const forwarding = plan.commands.filter((c) => c.args.includes('tee'));
  assert.equal(forwarding.length, 4);
  assert.ok(forwarding.every((c) => c.input === '1\n' && c.args.at(-1) === '/proc/sys/net/ipv6/conf/all/forwarding' && c.args[2]?.startsWith('skein-bl-')));
  assert.deepEqual(routesOf(plan, 'skein-bl-n1'), ['fdbe:1ab:0:2::/64 via fdbe:1ab:0:1::2 dev bl-n2', 'fdbe:1ab:0:3::/64 via fdbe:1ab:0:1::2 dev bl-n2']);
  assert.deepEqual(routesOf(plan, 'skein-bl-n2'), ['fdbe:1ab:0:3::/64 via fdbe:1ab:0:2::3 dev bl-n3']);
  assert.deepEqual(routesOf(plan, 'skein-bl-n4'), ['fdbe:1ab:0:1::/64 via fdbe:1ab:0:3::3 dev bl-n3', 'fdbe:1ab:0:2::/64 via fdbe:1ab:0:3::3 dev bl-n3']);
  const addrAdds = plan.commands.filter((c) => c.args.includes('addr'));
  assert.equal(addrAdds.length, 6);
  assert.ok(addrAdds.every((c) => c.file === 'ip' && c.args[0] === '-n' && c.args.at(-1) === 'nodad'), 'every command names a lab namespace: nothing on the host');
});

test('kernel baseline on a ring: shortest way round; a bridge lab is refused', () => {
  const layout = layoutLab('br', generateTopology({ kind: 'ring', nodes: 6 }));
  const plan = kernelRoutingPlan(layout);
  // links in sorted order: 1 n1-n2, 2 n1-n6, 3 n2-n3, 4 n3-n4, 5 n4-n5, 6 n5-n6
  const viaN2 = `via ${baselineAddress(1, 'n2')} dev br-n2`;
  const viaN6 = `via ${baselineAddress(2, 'n6')} dev br-n6`;
  assert.deepEqual(routesOf(plan, 'skein-br-n1'), [
    `${BASELINE_PREFIX}:3::/64 ${viaN2}`,
    `${BASELINE_PREFIX}:4::/64 ${viaN2}`, // n3 is 1 hop past n2; n4 is 2 hops past n6
    `${BASELINE_PREFIX}:5::/64 ${viaN6}`,
    `${BASELINE_PREFIX}:6::/64 ${viaN6}`,
  ]);
  assert.throws(() => kernelRoutingPlan(layoutLab('bb', generateTopology({ kind: 'bridge', nodes: 3 }))), /point-to-point/);
});

test('[tun] mtu appended to a generated config is valid and read back; a second [tun] is refused', () => {
  const base = renderConfig({ name: 'n1', key: 'node.key', certificate: 'node.crt', ca: ['ca.crt'] });
  const edited = withTunMtu(base, 1400);
  assert.equal(parseConfigText(edited, '/tmp/skein.toml').tun.mtu, 1400);
  assert.equal(parseConfigText(base, '/tmp/skein.toml').tun.mtu, 64000);
  assert.throws(() => withTunMtu(edited, 1500), (e: unknown) => isSkeinError(e, ErrorCodes.CONFIG));
  assert.equal(parseConfigText(withTunMtu(base.trimEnd(), 9000), '/tmp/skein.toml').tun.mtu, 9000);
});

test('[links] native set in a generated config is read back, set again without a duplicate key, and kept beside [tun]', () => {
  const base = renderConfig({ name: 'n1', key: 'node.key', certificate: 'node.crt', ca: ['ca.crt'] });
  assert.equal(parseConfigText(base, '/tmp/skein.toml').links.native, true);
  const off = withNativeLinks(base, false);
  assert.equal(parseConfigText(off, '/tmp/skein.toml').links.native, false);
  const on = withNativeLinks(withTunMtu(off, 1400), true);
  const parsed = parseConfigText(on, '/tmp/skein.toml');
  assert.equal(parsed.links.native, true);
  assert.equal(parsed.tun.mtu, 1400);
  assert.equal(on.match(/^native = /gm)?.length, 1);
  assert.throws(() => withNativeLinks('name = "n1"\n', true), (e: unknown) => isSkeinError(e, ErrorCodes.CONFIG));
});
