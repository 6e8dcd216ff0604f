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
import type { Convergence } from '../../src/lab/route-check.js';
import { daemonPid, describeConvergence, FAULT_TUNING, isAlive, linkKey, liveLinks, secondsFromEnv, spread, waitConverged } from '../helpers/faults.js';

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
    t.diagnostic(`initial convergence: ${describeConvergence(initial)}`);
    const pids = new Map<string, number>();
    for (const n of lab.nodes) pids.set(n, await daemonPid(lab, n));

    const flapped = linkKey('n1', 'n2');
    const afterCut: Convergence[] = [];
    const afterHeal: Convergence[] = [];
    const end = Date.now() + FLAP_SECONDS * 1000;
    let down = false;
    while (Date.now() < end) {
      const changedAt = Date.now();
      if (down) await lab.heal('n1', 'n2');
      else await lab.cut('n1', 'n2');
      down = !down;
      const links = liveLinks(lab, new Set(down ? [flapped] : []));
      // Measured from the change itself (cut or heal commands included).
      const c = await waitConverged(lab, links, CONVERGE_BOUND_MS);
      const took = Date.now() - changedAt - c.shortestMs;
      (down ? afterCut : afterHeal).push({ reachableMs: c.reachableMs + took, shortestMs: c.shortestMs + took });
      const rest = FLAP_PERIOD_MS - (Date.now() - changedAt);
      if (rest > 0) await sleep(rest);
    }
    if (down) {
      await lab.heal('n1', 'n2');
      await waitConverged(lab, liveLinks(lab), CONVERGE_BOUND_MS);
    }
    for (const [n, pid] of pids) assert.ok(isAlive(pid), `${n}'s daemon (pid ${pid}) is still running`);
    for (const n of lab.nodes) assert.equal(await daemonPid(lab, n), pids.get(n), `${n} was not restarted`);
    const show = (list: Convergence[]) => {
      const r = spread(list.map((c) => c.reachableMs));
      const s = spread(list.map((c) => c.shortestMs));
      return `${r.count} times; every route back: median ${r.median} ms, worst ${r.worst} ms; all shortest: median ${s.median} ms, worst ${s.worst} ms`;
    };
    t.diagnostic(`${afterCut.length + afterHeal.length} changes in ${FLAP_SECONDS} s`);
    t.diagnostic(`after a cut: ${show(afterCut)}`);
    t.diagnostic(`after a heal: ${show(afterHeal)}`);
    assert.ok(afterCut.length >= 2 && afterHeal.length >= 2, 'the link went down and up several times');
  });
});
