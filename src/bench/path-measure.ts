/**
 * One transport measured on the line, the same way for kernel routing, Skein
 * and Yggdrasil. For each hop count (n1 → n2, n1 → n4):
 *
 *   idle pings right after the start (overlays: daemons just up, before any transfer)
 *   → each daemon's VmRSS (idle)
 *   → iperf3 with each daemon's CPU (and VmRSS sampled at the longest path)
 *   → ping at the short interval on the path the transfer warmed
 *   → idle pings after the transfer
 *   → each daemon's VmHWM (peak)
 */
import type { Lab } from '../lab/lab.js';
import { messageOf, throwIfAborted, type BenchContext } from './context.js';
import { allOf, CpuWatch, daemonMemory, RssSampler, statusOf } from './daemon-stats.js';
import { measureIdleRtts, measureRtt, measureThroughput } from './probes.js';
import type { DaemonMemory, IdlePhase, IdleRtt, PathRun, Transport } from './results.js';

export const LINE_HOPS = [1, 3] as const;
/** Bound on the wait for the first reply after starting an overlay's daemons. */
export const FIRST_PING_DEADLINE_MS = 30_000;

export interface LineTransport {
  transport: Transport;
  mtu: number;
  /** The address n1 sends to, to reach `node` over this transport. */
  address: (node: string) => string;
  /** The daemons by node (none for the kernel). */
  pids: Record<string, number>;
}

export interface LineMeasureOptions {
  /** Which idle-ping phases to run (none: only iperf3 and the warm ping). */
  idlePhases: readonly IdlePhase[];
  /** Read each daemon's memory (idle, under load, peak). */
  memory: boolean;
}

const hopsText = (hops: number) => `${hops} hop${hops === 1 ? '' : 's'}`;

/** "0.2 s × 20 → avg 0.412 ms; 1 s × 10 → avg 1.020 ms" */
export function idleSummaryText(idle: readonly IdleRtt[]): string {
  return idle.map((i) => `${i.intervalMs / 1000} s × ${i.count} → ${i.rtt ? `avg ${i.rtt.avgMs.toFixed(3)} ms (max ${i.rtt.maxMs.toFixed(3)})` : `failed (${i.error ?? 'no reply'})`}`).join('; ');
}

async function idlePings(ctx: BenchContext, lab: Lab, t: LineTransport, run: PathRun, phase: IdlePhase): Promise<void> {
  try {
    const idle = await measureIdleRtts(lab, run.from, t.address(run.to), phase, ctx.settings.idlePings, ctx.signal);
    run.idle.push(...idle);
    run.errors.push(...idle.flatMap((i) => (i.error ? [`idle ping ${phase} every ${i.intervalMs / 1000} s: ${i.error}`] : [])));
    ctx.log(`  ${t.transport} ${hopsText(run.hops)} idle ${phase}: ${idleSummaryText(idle)}`);
  } catch (err) {
    throwIfAborted(ctx);
    run.errors.push(`idle ping ${phase}: ${messageOf(err)}`);
  }
}

async function transfer(ctx: BenchContext, lab: Lab, t: LineTransport, run: PathRun, rss: RssSampler | undefined): Promise<void> {
  const s = ctx.settings;
  const cpu = new CpuWatch(t.pids);
  try {
    const during = rss ? allOf(cpu, rss) : cpu;
    run.throughput = await measureThroughput(lab, run.from, run.to, t.address(run.to), { seconds: s.iperfSeconds, omitSeconds: s.iperfOmitSeconds, during, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    run.cpuPercent = cpu.cpuPercent;
    run.machineBusyPercent = cpu.machineBusyPercent;
  } catch (err) {
    run.errors.push(messageOf(err));
  }
  throwIfAborted(ctx);
  // Right after the transfer the packet path is as warm as it gets (compiled by the JIT, in the caches).
  try {
    run.rtt = await measureRtt(lab, run.from, t.address(run.to), s.pingCount, s.pingIntervalMs, ctx.signal);
  } catch (err) {
    throwIfAborted(ctx);
    run.errors.push(messageOf(err));
  }
  const cpuText = Object.keys(run.cpuPercent).length > 0 ? `, CPU ${Object.entries(run.cpuPercent).map(([n, p]) => `${n} ${Math.round(p)}%`).join(' ')}` : '';
  ctx.log(`  ${t.transport} ${hopsText(run.hops)} (MTU ${t.mtu}): ${run.throughput ? `${Math.round(run.throughput.mbps)} Mbit/s` : 'iperf3 failed'}${cpuText}; then ping ${s.pingCount} × ${s.pingIntervalMs / 1000} s ${run.rtt ? `avg ${run.rtt.avgMs.toFixed(3)} ms` : 'failed'}`);
}

export async function measureLine(ctx: BenchContext, lab: Lab, t: LineTransport, opts: LineMeasureOptions): Promise<{ runs: PathRun[]; memory?: Record<string, DaemonMemory> }> {
  const from = lab.nodes[0] as string;
  const runs: PathRun[] = LINE_HOPS.map((hops) => ({
    transport: t.transport, mtu: t.mtu, hops, from, to: lab.nodes[hops] as string,
    throughput: null, rtt: null, idle: [], cpuPercent: {}, machineBusyPercent: null, errors: [],
  }));
  if (opts.idlePhases.includes('after start')) {
    for (const run of runs) {
      throwIfAborted(ctx);
      await idlePings(ctx, lab, t, run, 'after start');
    }
  }
  const idleRss = opts.memory ? statusOf(t.pids, 'VmRSS') : {};
  const longest = Math.max(...LINE_HOPS);
  const rss = opts.memory ? new RssSampler(t.pids, ctx.settings.memorySampleMs) : undefined;
  for (const run of runs) {
    throwIfAborted(ctx);
    await transfer(ctx, lab, t, run, run.hops === longest ? rss : undefined);
    throwIfAborted(ctx);
    if (opts.idlePhases.includes('after transfer')) await idlePings(ctx, lab, t, run, 'after transfer');
  }
  if (!opts.memory || !rss) return { runs };
  return { runs, memory: daemonMemory(Object.keys(t.pids), idleRss, rss.summary(), statusOf(t.pids, 'VmHWM')) };
}
