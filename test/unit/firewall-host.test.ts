/**
 * The firewall in the node: drop events rate-limited on the monotonic
 * clock, the admin method, and the library's datagram ports under the same
 * inbound rules (two in-process daemons over loopback, no root): a member
 * without the group is dropped and counted, a reload that removes the rule
 * cuts the flow of the member that had it, and metrics count drops by rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNode, type SkeinNode } from '../../src/api.js';
import { FirewallHost, DROP_EVENT_RATE, CONNTRACK_SWEEP_INTERVAL_MS } from '../../src/node/firewall-host.js';
import type { NodeEvent } from '../../src/control/protocol.js';
import type { Daemon } from '../../src/node/daemon.js';
import { NodeMetrics } from '../../src/control/metrics.js';
import { formatFirewallStatus } from '../../src/cli/commands/firewall.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import { makeStaticNode, makeTestCa } from '../helpers/static-nodes.js';
import { DB, PLAIN, WEB, from, lookupPeer, settings } from './firewall-fixtures.js';
import { tcp, TcpFlag } from '../helpers/packets.js';

function host(clock: ManualClock, events: NodeEvent[]) {
  return new FirewallHost({
    settings: settings({ inbound: [{ proto: 'tcp', port: 5432, group: 'web', label: 'postgres' }] }),
    clock, log: silentLogger(), events: { publish: (e) => events.push(e) },
    member: lookupPeer, resolveName: (name) => { const p = [WEB, DB, PLAIN].find((x) => x.name === name); return p ? { id: p.idText } : undefined; },
  });
}

test('firewallDrop events: a burst, then a steady rate on the monotonic clock; the rest are counted as suppressed', () => {
  const clock = new ManualClock(0);
  const events: NodeEvent[] = [];
  const fw = host(clock, events);
  for (let i = 0; i < 100; i++) assert.equal(fw.admitInbound(PLAIN, tcp(from(PLAIN), 1000 + i, 5432, TcpFlag.SYN)), false);
  assert.equal(events.length, DROP_EVENT_RATE.burst);
  assert.deepEqual({ ...events[0], suppressed: 0 }, { type: 'firewallDrop', direction: 'inbound', peer: 'plain', id: PLAIN.idText, proto: 'tcp', port: 5432, rule: 'inbound-default', suppressed: 0 });
  clock.advance(1_000);
  fw.admitInbound(PLAIN, tcp(from(PLAIN), 1, 5432, TcpFlag.SYN));
  assert.equal(events.length, DROP_EVENT_RATE.burst + 1);
  assert.equal(events.at(-1)?.suppressed, 100 - DROP_EVENT_RATE.burst, 'the drops not published since the last event');
  clock.stepWallClock(-3_600_000); // a wall-clock step changes nothing
  for (let i = 0; i < 10; i++) fw.admitInbound(PLAIN, tcp(from(PLAIN), 1, 5432, TcpFlag.SYN));
  assert.equal(events.length, DROP_EVENT_RATE.burst + 1 + DROP_EVENT_RATE.perSecond - 1);
  const s = fw.status();
  assert.equal(s.drops.inbound.default, 111);
  assert.equal(s.rules[0]?.rule, 'allow tcp 5432 from group web');
  assert.match(formatFirewallStatus(s), /default: inbound deny, outbound allow/);
  assert.match(formatFirewallStatus(s), /allow tcp 5432 from group web\s+postgres\s+0/);
});

test('idle flows are swept on the host timer', () => {
  const clock = new ManualClock(0);
  const fw = host(clock, []);
  fw.start();
  try {
    assert.equal(fw.admitInbound(WEB, tcp(from(WEB), 1, 5432, TcpFlag.SYN)), true);
    assert.equal(fw.status().flows.tracked, 1);
    clock.advance(settings({}).conntrack.tcpTimeoutMs + CONNTRACK_SWEEP_INTERVAL_MS);
    assert.equal(fw.status().flows.tracked, 0);
    assert.equal(fw.status().flows.expired, 1);
  } finally {
    fw.stop();
  }
});

const NO_TUN = '\n[tun]\nenabled = false\n';
const RULE = '\n[firewall]\ninbound = [{ proto = "udp", port = 7000, group = "web", label = "app" }]\n';

test('openNode: inbound rules hold for datagram ports; a reload that removes the rule cuts the flow; drops are counted by rule', async () => {
  const root = mkdtempSync(join(tmpdir(), 'skein-fw-'));
  const nodes: SkeinNode[] = [];
  try {
    const caDir = makeTestCa(join(root, 'ca'), 'fwtest');
    const betaConfig = makeStaticNode(root, caDir, 'beta', [], `${NO_TUN}${RULE}`);
    const beta = await openNode(betaConfig, { logger: silentLogger() });
    nodes.push(beta);
    const daemon = (beta as unknown as { daemon: Daemon }).daemon;
    const port = daemon.links.port;
    const alpha = await openNode(makeStaticNode(root, caDir, 'alpha', [`127.0.0.1:${port}`], NO_TUN, undefined, ['web']), { logger: silentLogger() });
    nodes.push(alpha);
    const carol = await openNode(makeStaticNode(root, caDir, 'carol', [`127.0.0.1:${port}`], NO_TUN, undefined, ['db']), { logger: silentLogger() });
    nodes.push(carol);
    const events: NodeEvent[] = [];
    const unsubscribe = daemon.events.subscribe((e) => { if (e.type === 'firewallDrop') events.push(e); });
    const got: string[] = [];
    beta.listen(7000, (f, data) => got.push(`${f.name}:${new TextDecoder().decode(data)}`));
    await alpha.waitForMember('beta', 10_000);
    await carol.waitForMember('beta', 10_000);
    const waitUntil = async (cond: () => boolean) => { for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 50)); };
    assert.ok(alpha.send('beta', 7000, new TextEncoder().encode('one')));
    assert.ok(carol.send('beta', 7000, new TextEncoder().encode('refused')));
    await waitUntil(() => got.length >= 1 && events.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(got, ['alpha:one']);
    assert.equal(events[0]?.peer, 'carol');
    assert.equal(events[0]?.rule, 'inbound-default');
    assert.equal(events[0]?.proto, 'datagram');
    let status = daemon.firewall.status();
    assert.equal(status.drops.inbound.default, 1);
    assert.equal(status.flows.tracked, 1, 'alpha\'s flow');

    // Reload without the rule (and with a deny rule for carol): alpha's flow is cut at once.
    writeFileSync(betaConfig, readFileSync(betaConfig, 'utf8').replace(RULE, '\n[firewall]\ninbound = [{ proto = "udp", port = 7000, name = "carol", action = "deny", label = "no-carol" }]\n'));
    await daemon.reload();
    assert.ok(alpha.send('beta', 7000, new TextEncoder().encode('two')));
    assert.ok(carol.send('beta', 7000, new TextEncoder().encode('refused again')));
    await waitUntil(() => events.length >= 3);
    assert.deepEqual(got, ['alpha:one']);
    status = daemon.firewall.status();
    assert.equal(status.drops.inbound.cut, 1, 'alpha: its flow was cut by the reload');
    assert.equal(status.rules.find((r) => r.label === 'no-carol')?.drops, 1);
    const metrics = new NodeMetrics(daemon.observedView(), { processMetrics: false });
    try {
      const text = await metrics.text();
      assert.match(text, /skein_firewall_drops_total\{direction="inbound",rule="no-carol"\} 1/);
      assert.match(text, /skein_firewall_drops_total\{direction="inbound",rule="cut_by_reload"\} 1/);
      assert.match(text, /skein_firewall_drops_total\{direction="inbound",rule="inbound_default"\} 1/);
      assert.match(text, /skein_firewall_tracked_flows 1/);
    } finally {
      metrics.stop();
      unsubscribe();
    }
  } finally {
    for (const n of nodes.reverse()) await n.close();
    rmSync(root, { recursive: true, force: true });
  }
});
