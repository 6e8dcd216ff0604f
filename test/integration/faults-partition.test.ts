/**
 * Fault: a 6-node ring split into two halves (n1-n3 and n4-n6: the links
 * n3—n4 and n6—n1 cut) and healed. During the partition each half keeps
 * working inside (routes to its own members only, no stale route to the
 * other half, `ping -6` over the TUN within the half); after the heal every
 * node reconverges and traffic crosses again. Times are printed; only
 * generous liveness bounds are asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { initMesh, startDaemons, waitForDaemons } from '../../src/lab/index.js';
import { withLab } from '../helpers/lab.js';
import { describeConvergence, FAULT_TUNING, linkKey, liveLinks, meshAddresses, meshRouteProblems, tunPing, waitConverged } from '../helpers/faults.js';

const BOUND_MS = 15_000;
const CUTS: Array<[string, string]> = [['n3', 'n4'], ['n6', 'n1']];

async function firstReply(ping: () => Promise<boolean>, boundMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < boundMs) {
    if (await ping()) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`no reply within ${boundMs} ms`);
}

test('6-node ring split into halves and healed: each half works inside, everything reconverges', { timeout: 120_000 }, async (t) => {
  await withLab({ nodes: 6, topology: 'ring' }, async (lab) => {
    initMesh(lab, { tuning: FAULT_TUNING });
    startDaemons(lab);
    await waitForDaemons(lab);
    await waitConverged(lab, liveLinks(lab), 30_000);
    const address = await meshAddresses(lab);
    const at = (n: string) => address.get(n) as string;
    assert.ok(await tunPing(lab, 'n1', at('n4'), 3), 'across the ring before the split');

    const splitAt = Date.now();
    for (const [a, b] of CUTS) await lab.cut(a, b);
    const partitioned = liveLinks(lab, new Set(CUTS.map(([a, b]) => linkKey(a, b))));
    const splitConverged = await waitConverged(lab, partitioned, BOUND_MS);
    // Inside each half, end to end over the TUN (two hops: n1→n3, n4→n6); across, nothing.
    for (const [from, to] of [['n1', 'n3'], ['n3', 'n1'], ['n4', 'n6'], ['n6', 'n4']] as const) {
      assert.ok(await tunPing(lab, from, at(to), 2), `TUN ping ${from} → ${to} inside its half during the partition`);
    }
    assert.equal(await tunPing(lab, 'n1', at('n4'), 1), false, 'no reply across the partition');
    // Still converged a few seconds later: no stale route came back.
    await sleep(3_000);
    assert.deepEqual(await meshRouteProblems(lab, partitioned), [], 'routes still match the partitioned graph 3 s later');

    const healAt = Date.now();
    for (const [a, b] of CUTS) await lab.heal(a, b);
    const healConverged = await waitConverged(lab, liveLinks(lab), BOUND_MS);
    const crossReply = await firstReply(() => tunPing(lab, 'n1', at('n4'), 1), BOUND_MS);
    for (const [from, to] of [['n2', 'n5'], ['n6', 'n3']] as const) {
      assert.ok(await tunPing(lab, from, at(to), 2), `TUN ping ${from} → ${to} across the healed ring`);
    }
    t.diagnostic(`split: routes matched the two halves (${describeConvergence(splitConverged)}) after the cuts (${healAt - splitAt} ms partitioned); heal: routes converged (${describeConvergence(healConverged)}) after the links came back, first TUN reply n1 → n4 ${crossReply} ms after that`);
  });
});
