/**
 * Fault: one link of a 6-node ring goes down and up every 2 s for a bounded
 * period (SKEIN_FAULT_FLAP_SECONDS, default 20; 60 for the full run in
 * docs/faults.md). After every change, each node's routes must match the
 * shortest paths of the graph as it now is — every member listed, no stale
 * route, no path over the cut link — within a liveness bound; no daemon may
 * crash. The convergence times are printed, never asserted as performance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { initMesh, startDaemons, waitForDaemons } from '../../src/lab/index.js';
import { withLab } from '../helpers/lab.js';
import { daemonPid, FAULT_TUNING, isAlive, linkKey, liveLinks, secondsFromEnv, spread, waitConverged } from '../helpers/faults.js';

const FLAP_SECONDS = secondsFromEnv('SKEIN_FAULT_FLAP_SECONDS', 20);
const FLAP_PERIOD_MS = 2_000;
/** Liveness bound on one convergence (the test is about correctness, not speed). */
const CONVERGE_BOUND_MS = 15_000;

test(`6-node ring: n1—n2 flaps every ${FLAP_PERIOD_MS / 1000} s for ${FLAP_SECONDS} s; routes match the true graph after every change`, { timeout: (FLAP_SECONDS + 120) * 1000 }, async (t) => {
  await withLab({ nodes: 6, topology: 'ring' }, async (lab) => {
    initMesh(lab, { tuning: FAULT_TUNING });
    startDaemons(lab);
    await waitForDaemons(lab);
    const initial = await waitConverged(lab, liveLinks(lab), 30_000);
    t.diagnostic(`initial convergence ${initial} ms`);
    const pids = new Map<string, number>();
    for (const n of lab.nodes) pids.set(n, await daemonPid(lab, n));

    const flapped = linkKey('n1', 'n2');
    const afterCut: number[] = [];
    const afterHeal: number[] = [];
    const end = Date.now() + FLAP_SECONDS * 1000;
    let down = false;
    while (Date.now() < end) {
      const changedAt = Date.now();
      if (down) await lab.heal('n1', 'n2');
      else await lab.cut('n1', 'n2');
      down = !down;
      const links = liveLinks(lab, new Set(down ? [flapped] : []));
      const ms = await waitConverged(lab, links, CONVERGE_BOUND_MS);
      (down ? afterCut : afterHeal).push(Date.now() - changedAt);
      void ms;
      const rest = FLAP_PERIOD_MS - (Date.now() - changedAt);
      if (rest > 0) await sleep(rest);
    }
    if (down) {
      await lab.heal('n1', 'n2');
      afterHeal.push(await waitConverged(lab, liveLinks(lab), CONVERGE_BOUND_MS));
    }
    for (const [n, pid] of pids) assert.ok(isAlive(pid), `${n}'s daemon (pid ${pid}) is still running`);
    for (const n of lab.nodes) assert.equal(await daemonPid(lab, n), pids.get(n), `${n} was not restarted`);
    const cut = spread(afterCut);
    const heal = spread(afterHeal);
    t.diagnostic(`${cut.count + heal.count} changes in ${FLAP_SECONDS} s; converged after a cut: median ${cut.median} ms, worst ${cut.worst} ms; after a heal: median ${heal.median} ms, worst ${heal.worst} ms`);
    assert.ok(cut.count >= 2 && heal.count >= 2, 'the link went down and up several times');
  });
});
