/**
 * The reroute scenario, on a 6-node ring lab the bench builds and always
 * removes. n1 pings n3 (2 hops, through n2) every 0.1 s with timestamps;
 * a link on that path is cut and the longest interval between replies is
 * the outage. Two cuts: n2—n3 (away from the pinger: n1 learns of it only
 * through flooded link state) and, after healing it, n1—n2 (n1's own link).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createLab } from '../lab/build.js';
import type { Lab } from '../lab/lab.js';
import { initMesh, MESH_START_TIMEOUT_MS, startDaemons, waitForDaemons } from '../lab/mesh.js';
import { meshAddress, routeTo, waitForHops } from './bench-mesh.js';
import { messageOf, throwIfAborted, type BenchContext } from './context.js';
import { replyGap } from './gap.js';
import { continuousPing, timeToFirstPing } from './probes.js';
import type { RerouteRun } from './results.js';

export const RING_FROM = 'n1';
export const RING_TO = 'n3';
export const RING_CUTS: ReadonlyArray<readonly [string, string]> = [['n2', 'n3'], ['n1', 'n2']];
/** Replies before the cut show the steady state; the run after it shows the reroute and the new path. */
export const BEFORE_CUT_MS = 2_000;
export const PING_RUN_SECONDS = 7;
export const CONVERGE_TIMEOUT_MS = 30_000;

async function cutDuringPing(ctx: BenchContext, lab: Lab, cut: readonly [string, string], address: string): Promise<RerouteRun> {
  const intervalMs = ctx.settings.rerouteIntervalMs;
  const run: RerouteRun = { cut: cut.join('-'), from: RING_FROM, to: RING_TO, hopsBefore: 0, intervalMs, gap: null };
  try {
    run.hopsBefore = (await routeTo(lab, RING_FROM, RING_TO))?.hops ?? 0;
    const ping = continuousPing(lab, RING_FROM, address, intervalMs, PING_RUN_SECONDS);
    await sleep(BEFORE_CUT_MS);
    const cutAt = Date.now();
    await lab.cut(cut[0], cut[1]);
    const { replies, endMs } = await ping.done;
    run.gap = replyGap(replies, cutAt, endMs);
    ctx.log(`  cut ${run.cut}: longest gap ${Math.round(run.gap.maxGapMs)} ms, ${run.gap.lost} replies lost${run.gap.recovered ? '' : ', never recovered'}`);
  } catch (err) {
    run.error = messageOf(err);
  }
  return run;
}

export async function runRingBench(ctx: BenchContext): Promise<{ reroute: RerouteRun[]; errors: string[] }> {
  const out = { reroute: [] as RerouteRun[], errors: [] as string[] };
  const name = ctx.labName('r');
  ctx.log(`building a ${ctx.settings.ringNodes}-node ring (lab ${name}) for the reroute gap…`);
  const lab = await createLab({ name, topology: 'ring', nodes: ctx.settings.ringNodes }, ctx.signal ? { signal: ctx.signal } : {});
  try {
    initMesh(lab, { cluster: name });
    const startedAt = Date.now();
    startDaemons(lab);
    const address = meshAddress(lab, RING_TO);
    await timeToFirstPing(lab, RING_FROM, address, startedAt, CONVERGE_TIMEOUT_MS, ctx.signal);
    await waitForDaemons(lab, lab.nodes, MESH_START_TIMEOUT_MS, ctx.signal);
    for (const [i, cut] of RING_CUTS.entries()) {
      throwIfAborted(ctx);
      await waitForHops(lab, RING_FROM, RING_TO, 2, CONVERGE_TIMEOUT_MS, ctx.signal);
      out.reroute.push(await cutDuringPing(ctx, lab, cut, address));
      if (i < RING_CUTS.length - 1) await lab.heal(cut[0], cut[1]);
    }
  } catch (err) {
    out.errors.push(`ring: ${messageOf(err)}`);
  } finally {
    await lab.down();
  }
  return out;
}
