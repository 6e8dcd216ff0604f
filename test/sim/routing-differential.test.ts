import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTables } from '../../src/sim/check.js';
import { SimNetwork } from '../../src/sim/network.js';
import { SimPki } from '../../src/sim/pki.js';
import { PHASE_LIMIT_MS, QUIET_MS } from '../../src/sim/runner.js';
import { SIM_START_MS } from '../../src/sim/scenarios.js';
import { makeTopology, type TopologyKind } from '../../src/sim/topology.js';

const TOPOLOGIES = 300;
const KINDS: TopologyKind[] = ['random', 'random', 'random', 'grid', 'ring', 'line'];

test(`differential: on ${TOPOLOGIES} seeded topologies every node's route table equals the naive reference after convergence`, () => {
  let pairs = 0;
  let lossy = 0;
  for (let seed = 1; seed <= TOPOLOGIES; seed++) {
    const kind = KINDS[seed % KINDS.length] as TopologyKind;
    const nodes = 3 + (seed * 7) % 28;
    const lossRate = seed % 5 === 0 ? 0.05 : 0;
    if (lossRate > 0) lossy++;
    const net = new SimNetwork(makeTopology(kind, nodes, seed), new SimPki(seed, SIM_START_MS), { seed, startMs: SIM_START_MS, lossRate, routing: {} });
    for (const n of net.nodes) net.startNode(n.index);
    net.allLinksUp();
    assert.ok(net.runUntilQuiet(QUIET_MS, PHASE_LIMIT_MS), `seed ${seed}: did not settle`);
    const check = checkTables(net);
    assert.ok(check.correct, `seed ${seed} (${kind}, ${nodes} nodes, loss ${lossRate}): ${check.mismatches} differences, e.g. ${check.example}`);
    pairs += nodes * (nodes - 1);
  }
  assert.ok(pairs > 50_000, `${pairs} (node, destination) pairs compared`);
  assert.equal(lossy, TOPOLOGIES / 5);
});
