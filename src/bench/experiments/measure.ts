/**
 * One variant on the experiments' line: start every daemon with the
 * variant applied, time the first ping n1 → n4, check from /proc that the
 * variant reached each daemon, then the idle pings right after the start
 * (the bench's: warm-up, then each interval's run) with each daemon's CPU
 * over them and its resident memory after them, then iperf3 with each
 * daemon's CPU and, after it, its peak resident memory; the daemons are stopped
 * at the end, whatever failed.
 */
import { DEFAULT_TUN_MTU } from '../../dataplane/mtu.js';
import type { Lab } from '../../lab/lab.js';
import { MESH_START_TIMEOUT_MS, startDaemons, waitForDaemons } from '../../lab/mesh.js';
import { execFileRunner } from '../../lab/runner.js';
import { daemonPids, meshAddress, stopDaemons } from '../bench-mesh.js';
import { statusOf } from '../daemon-stats.js';
import { messageOf } from '../context.js';
import { FIRST_PING_DEADLINE_MS } from '../path-measure.js';
import { measureIdleRtts, measureThroughput, timeToFirstPing, WARMUP_PINGS } from '../probes.js';
import { parsePidList } from '../quiet-line.js';
import type { IdlePingSpec } from '../results.js';
import { appliedProblems, readProcTexts } from './applied.js';
import { DaemonCpuWindow, meanOver, microsPerPing, percentOfCore, readProcText, relaysAndEnds } from './cpu.js';
import { idleStats, memoryFigures, type VariantRun } from './results.js';
import { affinityOf, launchOf, type Variant } from './variants.js';

export interface VariantContext {
  lab: Lab;
  idlePings: readonly IdlePingSpec[];
  iperfSeconds: number;
  iperfOmitSeconds: number;
  ticksPerSecond: number;
  /** Environment every daemon gets whatever the variant (the run's code cache directory). */
  commonEnv: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

/** Every process in the line's namespaces: the daemons, and anything a failed start left. */
async function lineProcesses(lab: Lab): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const node of lab.nodes) {
    const { stdout } = await execFileRunner.run({ file: 'ip', args: ['netns', 'pids', lab.namespace(node)] });
    parsePidList(stdout).forEach((pid, i) => { out[`${node}.${i}`] = pid; });
  }
  return out;
}

/** Stop whatever runs in the line (the daemons by SIGTERM, stragglers by SIGKILL). */
export async function stopLine(lab: Lab): Promise<void> {
  await stopDaemons(await lineProcesses(lab));
}

/** Start the variant's daemons and wait until n1 reaches n4 and every daemon answers; their pids. */
export async function startVariant(ctx: VariantContext, variant: Variant): Promise<{ pids: Record<string, number>; firstPingMs: number }> {
  const { lab } = ctx;
  const from = lab.nodes[0]!;
  const to = lab.nodes[lab.nodes.length - 1]!;
  const startedAt = Date.now();
  startDaemons(lab, lab.nodes, launchOf(variant, lab.nodes, ctx.commonEnv));
  const first = await timeToFirstPing(lab, from, meshAddress(lab, to), startedAt, FIRST_PING_DEADLINE_MS, ctx.signal);
  await waitForDaemons(lab, lab.nodes, MESH_START_TIMEOUT_MS, ctx.signal);
  return { pids: await daemonPids(lab, DEFAULT_TUN_MTU), firstPingMs: first.ms };
}

function checkApplied(ctx: VariantContext, variant: Variant, pids: Record<string, number>): string[] {
  const launch = launchOf(variant, ctx.lab.nodes);
  const affinity = affinityOf(variant, ctx.lab.nodes);
  return Object.entries(pids).flatMap(([node, pid]) => {
    const expected = { nodeFlags: launch.nodeFlags, env: variant.env ?? {}, ...(affinity?.[node] !== undefined ? { cpus: affinity[node] } : {}) };
    return appliedProblems(expected, readProcTexts(pid, readProcText)).map((p) => `${node}: ${p}`);
  });
}

export async function measureVariant(ctx: VariantContext, variant: Variant): Promise<VariantRun> {
  const { lab } = ctx;
  const nodes = lab.nodes;
  const { relays, ends } = relaysAndEnds(nodes);
  const from = nodes[0]!;
  const to = nodes[nodes.length - 1]!;
  const run: VariantRun = {
    name: variant.name, why: variant.why,
    applied: { nodeFlags: [...(variant.nodeFlags ?? [])], env: { ...variant.env }, affinity: affinityOf(variant, nodes) },
    firstPingMs: null, idle: [], mbps: null, retransmits: null, cpuIdle: null, cpuIperf: null, memory: null, errors: [],
  };
  try {
    const started = await startVariant(ctx, variant);
    run.firstPingMs = started.firstPingMs;
    run.errors.push(...checkApplied(ctx, variant, started.pids));
    const address = meshAddress(lab, to);

    const idleCpu = new DaemonCpuWindow(started.pids);
    idleCpu.start();
    const idle = await measureIdleRtts(lab, from, address, 'after start', ctx.idlePings, ctx.signal, true);
    idleCpu.stop();
    run.idle = idle.map(idleStats);
    run.errors.push(...idle.flatMap((i) => (i.error ? [`idle pings every ${i.intervalMs / 1000} s: ${i.error}`] : [])));
    const pings = WARMUP_PINGS + ctx.idlePings.reduce((n, s) => n + s.count, 0);
    const span = idleCpu.result();
    const perPing = microsPerPing(span, ctx.ticksPerSecond, pings);
    run.cpuIdle = { perNode: perPing, relays: meanOver(perPing, relays), ends: meanOver(perPing, ends), ticks: span.ticks, runtimeNs: span.runtimeNs, pings, seconds: span.seconds };
    const idleRss = statusOf(started.pids, 'VmRSS');

    const iperfCpu = new DaemonCpuWindow(started.pids);
    try {
      const t = await measureThroughput(lab, from, to, address, { seconds: ctx.iperfSeconds, omitSeconds: ctx.iperfOmitSeconds, during: iperfCpu, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      run.mbps = t.mbps;
      run.retransmits = t.retransmits;
      const load = iperfCpu.result();
      const percent = percentOfCore(load, ctx.ticksPerSecond);
      run.cpuIperf = { perNode: percent, relays: meanOver(percent, relays), ends: meanOver(percent, ends), ticks: load.ticks, runtimeNs: load.runtimeNs, seconds: load.seconds, machineBusyPercent: load.machineBusyPercent };
      run.memory = memoryFigures(idleRss, statusOf(started.pids, 'VmHWM'));
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
      run.errors.push(messageOf(err));
    }
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    run.errors.push(messageOf(err));
  } finally {
    await stopLine(lab);
  }
  return run;
}
