/**
 * The connection tracker in virtual time: a flow lives while it is used and
 * for its timeout after; the table and each peer stay within their bounds,
 * and a busy flow outlives idle ones when room is made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnTracker, flowKey, flowKeyParts } from '../../src/dataplane/firewall/conntrack.js';
import { Firewall, TCP_CLOSING_TIMEOUT_MS } from '../../src/dataplane/firewall/firewall.js';
import { ManualClock } from '../../src/util/clock.js';
import { DB, PLAIN, WEB, lookupPeer, settings, to } from './firewall-fixtures.js';
import { echo, tcp, udp, TcpFlag } from '../helpers/packets.js';

test('flow keys pack protocol and both ports exactly', () => {
  for (const [p, l, r] of [[6, 0, 0], [17, 65535, 65535], [0x111, 1, 2], [58, 0, 4242]] as const) {
    assert.deepEqual(flowKeyParts(flowKey(p, l, r)), { protoKey: p, localPort: l, remotePort: r });
  }
  assert.notEqual(flowKey(6, 1, 2), flowKey(6, 2, 1));
  assert.notEqual(flowKey(6, 1, 2), flowKey(17, 1, 2));
});

test('a flow expires after its idle timeout; use keeps it alive; sweep removes the idle ones', () => {
  const clock = new ManualClock(0);
  const ct = new ConnTracker({ maxFlows: 100, maxFlowsPerPeer: 100 });
  ct.track(WEB, flowKey(6, 5432, 40000), 'inbound', 0, 1_000, clock.monotonic());
  ct.track(WEB, flowKey(17, 53, 40000), 'inbound', 0, 5_000, clock.monotonic());
  clock.advance(900);
  assert.ok(ct.lookup(WEB.idText, flowKey(6, 5432, 40000), clock.monotonic()), 'used at 900 ms');
  clock.advance(900);
  assert.ok(ct.lookup(WEB.idText, flowKey(6, 5432, 40000), clock.monotonic()), 'alive: last used 900 ms ago');
  clock.advance(1_001);
  assert.equal(ct.lookup(WEB.idText, flowKey(6, 5432, 40000), clock.monotonic()), undefined, 'idle for more than 1 s');
  assert.equal(ct.counters.expired, 1);
  assert.equal(ct.size, 1);
  clock.advance(5_000);
  assert.equal(ct.sweep(clock.monotonic()), 1);
  assert.equal(ct.size, 0);
  assert.equal(ct.flowsOf(WEB.idText), 0);
});

test('per-protocol timeouts through the firewall: TCP, UDP, ICMPv6 echo, and a TCP flow that closed', () => {
  const clock = new ManualClock(0);
  const fw = new Firewall({ settings: settings({ inbound: [{ proto: 'any', port: 'any', any: true }], conntrack: { tcp_timeout_ms: 120_000, udp_timeout_ms: 20_000, icmp_timeout_ms: 5_000 } }), lookupPeer });
  fw.outbound(DB.idText, tcp(to(DB), 40000, 80, TcpFlag.SYN), clock.monotonic());
  fw.outbound(DB.idText, udp(to(DB), 40001, 53), clock.monotonic());
  fw.outbound(DB.idText, echo(to(DB), 'request', 7), clock.monotonic());
  fw.outbound(DB.idText, tcp(to(DB), 40002, 80, TcpFlag.SYN), clock.monotonic());
  fw.outbound(DB.idText, tcp(to(DB), 40002, 80, TcpFlag.FIN | TcpFlag.ACK), clock.monotonic());
  assert.equal(fw.flows.size, 4);
  const alive = (key: number) => fw.flows.peek(DB.idText, key, clock.monotonic()) !== undefined;
  clock.advance(5_001);
  assert.equal(alive(flowKey(58, 7, 0)), false, 'echo: 5 s');
  assert.equal(alive(flowKey(17, 40001, 53)), true);
  clock.advance(15_000);
  assert.equal(alive(flowKey(17, 40001, 53)), false, 'udp: 20 s');
  assert.equal(alive(flowKey(6, 40000, 80)), true);
  assert.equal(alive(flowKey(6, 40002, 80)), true);
  clock.advance(40_000);
  assert.equal(alive(flowKey(6, 40002, 80)), false, `a TCP flow that saw FIN: ${TCP_CLOSING_TIMEOUT_MS} ms`);
  assert.equal(alive(flowKey(6, 40000, 80)), true);
  clock.advance(60_000);
  assert.equal(alive(flowKey(6, 40000, 80)), false, 'tcp: 120 s');
  assert.equal(fw.flows.size, 0);
});

test('the whole table stays within max_flows; a peer within max_flows_per_peer; others keep their flows', () => {
  const ct = new ConnTracker({ maxFlows: 64, maxFlowsPerPeer: 16 });
  const now = 0;
  for (let i = 0; i < 10; i++) ct.track(DB, flowKey(6, 5432, 1000 + i), 'inbound', 0, 60_000, now);
  for (let i = 0; i < 1000; i++) ct.track(PLAIN, flowKey(6, 80, 2000 + i), 'inbound', 0, 60_000, now);
  assert.equal(ct.flowsOf(PLAIN.idText), 16, 'one peer: at most its bound');
  assert.equal(ct.flowsOf(DB.idText), 10, 'a flood from one peer does not push out another\'s flows');
  assert.equal(ct.counters.evicted, 1000 - 16);
  // Many peers: the table as a whole is bounded.
  for (let p = 0; p < 50; p++) {
    const peer = { idText: p.toString(16).padStart(32, '0'), name: `p${p}` };
    for (let i = 0; i < 5; i++) ct.track(peer, flowKey(17, 53, i), 'inbound', 0, 60_000, now);
  }
  assert.equal(ct.size, 64);
  let counted = 0;
  for (const _ of ct.entries()) counted++;
  assert.equal(counted, 64);
  assert.ok(ct.flowsOf(DB.idText) <= 10);
});

test('making room: the oldest flow not used since the hand passed goes (an expired one counts as expired); a flow in use is kept', () => {
  const ct = new ConnTracker({ maxFlows: 1000, maxFlowsPerPeer: 3 });
  ct.track(WEB, flowKey(6, 1, 1), 'inbound', 0, 10_000, 0);
  ct.track(WEB, flowKey(6, 2, 2), 'inbound', 0, 10_000, 0);
  ct.track(WEB, flowKey(6, 3, 3), 'inbound', 0, 10_000, 0);
  ct.lookup(WEB.idText, flowKey(6, 1, 1), 5); // the oldest is in use
  ct.track(WEB, flowKey(6, 4, 4), 'inbound', 0, 10_000, 10);
  assert.ok(ct.peek(WEB.idText, flowKey(6, 1, 1), 10), 'the busy oldest flow stays');
  assert.equal(ct.peek(WEB.idText, flowKey(6, 2, 2), 10), undefined, 'the oldest idle one went');
  assert.equal(ct.flowsOf(WEB.idText), 3);
  // The busy oldest moves back; the expired one behind it is what goes.
  const ct2 = new ConnTracker({ maxFlows: 1000, maxFlowsPerPeer: 2 });
  ct2.track(WEB, flowKey(6, 1, 1), 'inbound', 0, 100_000, 0);
  ct2.track(WEB, flowKey(6, 2, 2), 'inbound', 0, 1_000, 0);
  ct2.lookup(WEB.idText, flowKey(6, 1, 1), 4_000);
  ct2.track(WEB, flowKey(6, 3, 3), 'inbound', 0, 100_000, 5_000);
  assert.ok(ct2.peek(WEB.idText, flowKey(6, 1, 1), 5_000));
  assert.equal(ct2.counters.expired, 1);
  assert.equal(ct2.counters.evicted, 0);
});

test('lower bounds from a reload apply at once', () => {
  const ct = new ConnTracker({ maxFlows: 100, maxFlowsPerPeer: 100 });
  for (let i = 0; i < 50; i++) ct.track(WEB, flowKey(6, 1, i), 'inbound', 0, 60_000, 0);
  for (let i = 0; i < 30; i++) ct.track(DB, flowKey(6, 1, i), 'inbound', 0, 60_000, 0);
  ct.setLimits({ maxFlows: 40, maxFlowsPerPeer: 25 }, 1);
  assert.equal(ct.flowsOf(WEB.idText), 20);
  assert.equal(ct.flowsOf(DB.idText), 20);
  assert.equal(ct.size, 40);
});

test('a flood of new flows costs bounded work: the table never grows past its bound', () => {
  const ct = new ConnTracker({ maxFlows: 256, maxFlowsPerPeer: 256 });
  for (let i = 0; i < 20_000; i++) {
    ct.track(PLAIN, flowKey(17, i % 65536, i >> 16), 'inbound', 0, 60_000, i);
    if (i % 3 === 0) ct.lookup(PLAIN.idText, flowKey(17, i % 65536, i >> 16), i);
    assert.ok(ct.size <= 256);
  }
  assert.equal(ct.counters.created, 20_000);
  assert.equal(ct.counters.evicted + ct.counters.expired, 20_000 - 256);
});
