/** A whole bench result file to render and judge, with every field a test may override. */
import { RESULTS_VERSION, type BenchResults, type DaemonMemory, type IdleRtt, type PathRun, type Transport } from '../../src/bench/results.js';
import type { PingSummary } from '../../src/bench/ping-output.js';
import type { ReplyGap } from '../../src/bench/gap.js';

export const summary = (avgMs: number, count = 20): PingSummary => ({ transmitted: count, received: count, minMs: avgMs, avgMs, maxMs: avgMs, mdevMs: 0 });

/** Idle pings in both phases (or one), 0.2 s then 1 s, with these averages. */
export function idle(phases: Partial<Record<IdleRtt['phase'], [number, number]>>): IdleRtt[] {
  return Object.entries(phases).flatMap(([phase, [fast, slow]]) => [
    { phase: phase as IdleRtt['phase'], intervalMs: 200, count: 20, rtt: summary(fast) },
    { phase: phase as IdleRtt['phase'], intervalMs: 1000, count: 10, rtt: summary(slow, 10) },
  ]);
}

export function path(transport: Transport, hops: number, mbps: number | null, rttMs: number | null, extra: Partial<PathRun> = {}): PathRun {
  return {
    transport, mtu: transport === 'kernel' ? 1500 : transport === 'skein' ? 64000 : 53049, hops, from: 'n1', to: `n${hops + 1}`,
    throughput: mbps === null ? null : { mbps, retransmits: 0 },
    rtt: rttMs === null ? null : summary(rttMs),
    idle: [],
    cpuPercent: transport === 'kernel' ? {} : { n1: 97.4, n2: 61.2, n3: 0.4, n4: 0.6 },
    machineBusyPercent: 99.6,
    errors: [],
    ...extra,
  };
}

export const memory = (idleMiB: number, loadMiB: number, peakMiB: number): Record<string, DaemonMemory> => Object.fromEntries(['n1', 'n2', 'n3', 'n4'].map((n) => [n, {
  idleKiB: idleMiB * 1024, loadMaxKiB: loadMiB * 1024, loadMeanKiB: (loadMiB - 1) * 1024, loadSamples: 20, peakKiB: peakMiB * 1024,
}]));

export const gap = (maxGapMs: number, recovered = true): ReplyGap => ({ maxGapMs, gapStartFromEventMs: -40, longestLostRun: 3, lost: 3, repliesBeforeEvent: 19, repliesAfterEvent: 46, recovered });

export function benchResults(over: Partial<BenchResults> = {}): BenchResults {
  return {
    version: RESULTS_VERSION,
    date: '2026-11-25T22:00:00.000Z',
    durationMs: 80_000,
    machine: { nproc: 2, cpuModel: 'AMD EPYC', kernel: '6.18.44', node: 'v20.20.2', loadAverage: [0.5, 0.4, 0.3] },
    settings: {
      iperfSeconds: 5, iperfOmitSeconds: 1, pingCount: 20, pingIntervalMs: 50,
      idlePings: [{ intervalMs: 200, count: 20 }, { intervalMs: 1000, count: 10 }], memorySampleMs: 250,
      rerouteIntervalMs: 100, lineNodes: 4, ringNodes: 6,
    },
    runs: [
      path('kernel', 1, 20_000, 0.05, { idle: idle({ 'after transfer': [0.05, 0.06] }) }),
      path('kernel', 3, 10_000, 0.1, { idle: idle({ 'after transfer': [0.08, 0.09] }) }),
      path('skein', 1, 2_500, 0.4, { idle: idle({ 'after start': [1.5, 2], 'after transfer': [0.9, 1.2] }) }),
      path('skein', 3, 700, 0.9, { idle: idle({ 'after start': [3, 4], 'after transfer': [2, 2.5] }) }),
      path('skein', 3, 300, 0.8, { mtu: 1400 }),
      path('yggdrasil', 1, 1_000, 0.8, { idle: idle({ 'after start': [1, 0.8], 'after transfer': [0.9, 1] }) }),
      path('yggdrasil', 3, 350, 1.6, { idle: idle({ 'after start': [2, 1.6], 'after transfer': [1.5, 1.25] }) }),
    ],
    startup: [
      { transport: 'skein', label: 'cold start', from: 'n1', to: 'n4', hops: 3, firstPingMs: 850, attempts: 40, daemonsUpMs: 400.4, linksUpMs: 612 },
      { transport: 'skein', label: 'restart with MTU 1400', from: 'n1', to: 'n4', hops: 3, firstPingMs: 800, attempts: 30 },
      { transport: 'yggdrasil', label: 'start', from: 'n1', to: 'n4', hops: 3, firstPingMs: 100, attempts: 1 },
    ],
    reroute: [{ cut: 'n2-n3', from: 'n1', to: 'n3', hopsBefore: 2, intervalMs: 100, gap: gap(420) }, { cut: 'n1-n2', from: 'n1', to: 'n3', hopsBefore: 2, intervalMs: 100, gap: gap(310) }],
    memory: { skein: memory(64, 100, 104), yggdrasil: memory(8, 16, 20) },
    relayFloors: [
      { relay: 'c', client: 'c', hops: 3, from: 'n1', to: 'n4', rtts: idle({ 'after start': [0.34, 0.4] }) },
      { relay: 'python', client: 'c', hops: 3, from: 'n1', to: 'n4', rtts: [], skipped: 'python3 not installed' },
      { relay: 'node', client: 'c', hops: 3, from: 'n1', to: 'n4', rtts: idle({ 'after start': [1, 1.25] }) },
    ],
    yggdrasil: { measured: true, version: '0.4.7' },
    errors: [],
    ...over,
  };
}
