import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTables, holdersOf } from '../../src/sim/check.js';
import { type SimLink, SimNetwork } from '../../src/sim/network.js';
import { SimPki } from '../../src/sim/pki.js';
import { PHASE_LIMIT_MS, QUIET_MS } from '../../src/sim/runner.js';
import { runScenario, SCENARIOS, SIM_START_MS } from '../../src/sim/scenarios.js';
import { KEEPALIVE_EXCHANGE_WIRE_BYTES } from '../../src/link/keepalive.js';
import { makeTopology, type TopologyKind } from '../../src/sim/topology.js';
import { DEFAULT_ROUTING_OPTIONS } from '../../src/routing/options.js';

function converged(kind: TopologyKind, nodes: number, seed = 1, lossRate = 0): SimNetwork {
  const net = new SimNetwork(makeTopology(kind, nodes, seed), new SimPki(seed, SIM_START_MS), { seed, startMs: SIM_START_MS, lossRate, routing: {} });
  for (const n of net.nodes) net.startNode(n.index);
  net.allLinksUp();
  assert.ok(net.runUntilQuiet(QUIET_MS, PHASE_LIMIT_MS));
  return net;
}

function settle(net: SimNetwork): void {
  assert.ok(net.runUntilQuiet(QUIET_MS, PHASE_LIMIT_MS));
  const check = checkTables(net);
  assert.ok(check.correct, `${check.mismatches} differences, e.g. ${check.example}`);
}

test('6-node line: every node knows all 6 members with the right hop counts', () => {
  const net = converged('line', 6);
  for (const n of net.nodes) {
    const nodes = n.router?.nodes(net.now) ?? [];
    assert.equal(nodes.length, 6);
    for (const info of nodes) {
      if (info.self) continue;
      assert.equal(info.route?.hops, Math.abs((net.indexOf(info.id) ?? 0) - n.index));
    }
  }
  settle(net);
});

test('6-node ring: after a link fails, routes move the other way round; after repair they come back', () => {
  const net = converged('ring', 6);
  const [a, b] = [net.node(0), net.node(1)];
  assert.equal(a.router?.route(b.identity.idText)?.hops, 1);
  const link = net.link(0, 1);
  net.setLink(link, false);
  settle(net);
  const route = a.router?.route(b.identity.idText);
  assert.equal(route?.hops, 5);
  assert.equal(route?.nextHop, net.node(5).identity.idText);
  assert.deepEqual(route?.path.map((id) => net.indexOf(id)), [5, 4, 3, 2, 1]);
  net.setLink(link, true);
  settle(net);
  assert.equal(a.router?.route(b.identity.idText)?.hops, 1);
});

test('a 60-node ring with 5% loss: every node converges to the new shortest paths after a failure', () => {
  const net = converged('ring', 60, 3, 0.05);
  settle(net);
  net.setLink(net.link(10, 11), false);
  settle(net);
  assert.ok(net.messagesLost > 0);
});

test('a node that leaves disappears from every database within its record lifetime', () => {
  const net = converged('random', 40, 5);
  const leaver = net.node(17);
  const id = leaver.identity.idText;
  assert.equal(holdersOf(net, id).length, 40);
  const left = net.now;
  net.stopNode(17);
  settle(net);
  const grace = DEFAULT_ROUTING_OPTIONS.unreachableGraceMs;
  net.runFor(grace + 1000);
  assert.deepEqual(holdersOf(net, id), []);
  assert.ok(net.now - left < DEFAULT_ROUTING_OPTIONS.lifetimeMs);
  net.startNode(17);
  for (const l of net.links.values()) if (l.a === 17 || l.b === 17) net.setLink(l as SimLink, true);
  settle(net);
  assert.equal(holdersOf(net, id).length, 40, 'back everywhere after rejoining');
});

test('a revocation issued at one node reaches every node; the revoked node\'s record is purged everywhere', () => {
  const pki = new SimPki(9, SIM_START_MS);
  const net = new SimNetwork(makeTopology('random', 30, 9), pki, { seed: 9, startMs: SIM_START_MS, lossRate: 0, routing: {} });
  for (const n of net.nodes) net.startNode(n.index);
  net.allLinksUp();
  settle(net);
  const victim = net.node(12).identity.idText;
  net.injectRevocationList(0, pki.revoke([victim], net.now));
  settle(net);
  const others = net.nodes.filter((n) => n.index !== 12);
  for (const n of others) assert.equal(n.router?.stats.revocationListsAccepted, 1, `node ${n.index} got the list`);
  assert.deepEqual(holdersOf(net, victim).filter((i) => i !== 12), []);
  for (const n of others) assert.equal(n.router?.route(victim), undefined);
});

test('every scenario converges to the reference at 40 nodes (and with 2% loss)', () => {
  for (const lossRate of [0, 0.02]) {
    for (const name of SCENARIOS) {
      const r = runScenario(name, { nodes: 40, seed: 11, lossRate });
      for (const p of r.phases) {
        assert.ok(p.quiet, `${name} ${p.phase}: not quiet`);
        assert.ok(p.check.correct, `${name} ${p.phase} (loss ${lossRate}): ${p.check.example}`);
      }
      if (name === 'node-leave-join') assert.equal(r.phases[1]?.extra?.recordHoldersAfterGrace, 0);
      if (name === 'partition-heal') assert.equal(r.phases[1]?.extra?.foreignRecordsAfterGrace, 0);
      if (name === 'steady') {
        const extra = r.phases[1]?.extra ?? {};
        assert.equal(extra.keepaliveBytesPerNodePerSecond, Math.round((r.links * KEEPALIVE_EXCHANGE_WIRE_BYTES) / r.nodes));
        assert.equal(extra.controlBytesPerNodePerSecond, Number(extra.bytesPerNodePerSecond) + Number(extra.keepaliveBytesPerNodePerSecond));
      }
    }
  }
});
