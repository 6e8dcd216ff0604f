/**
 * What a latency-experiments run measured (the JSON it writes) and the
 * ratios to the baseline (pure). The reference is the mean of the baseline's
 * runs (it runs first and last), metric by metric, so a slow drift of the
 * shared machine during the run weighs on both ends alike, and each
 * baseline run's own ratio shows the run-to-run noise.
 */
import type { MachineInfo } from '../../util/machine.js';
import type { IdlePingSpec, IdleRtt } from '../results.js';
import { BASELINE } from './variants.js';

export const EXPERIMENTS_VERSION = 2;

export interface ExperimentSettings {
  lineNodes: number;
  hops: number;
  /** The TUN MTU of the daemons (their default, as in the bench's main line). */
  mtu: number;
  warmupPings: number;
  idlePings: IdlePingSpec[];
  iperfSeconds: number;
  iperfOmitSeconds: number;
  /** USER_HZ: the resolution of /proc/PID/stat's CPU times. */
  ticksPerSecond: number;
  /** Whether each flag set's V8 code cache was made by a start before its measured run (see run.ts). */
  codeCachePrimed: boolean;
}

/** One run of idle pings at one interval. */
export interface IdleStats {
  intervalMs: number;
  count: number;
  received: number;
  medianMs: number | null;
  meanMs: number | null;
  maxMs: number | null;
  error?: string;
}

/**
 * A CPU figure per daemon, its means over the line's relays and over its
 * two ends, and the window's raw readings it came from (cpu.ts).
 */
export interface CpuFigures {
  perNode: Record<string, number>;
  relays: number | null;
  ends: number | null;
  ticks: Record<string, number>;
  runtimeNs: Record<string, number>;
}

/** Resident memory of each daemon, MiB, and the mean over the line's daemons. */
export interface MemoryFigures {
  /** VmRSS after the idle pings, before any transfer. */
  idleMiB: Record<string, number>;
  /** VmHWM after iperf3: the most each daemon was resident at once. */
  peakMiB: Record<string, number>;
  idleMean: number | null;
  peakMean: number | null;
}

export interface VariantRun {
  name: string;
  why: string;
  /** What the daemons were started with, as read back from /proc after the start. */
  applied: { nodeFlags: string[]; env: Record<string, string>; affinity: Record<string, string> | null };
  /** From spawning the daemons to the first reply n1 → n4. */
  firstPingMs: number | null;
  idle: IdleStats[];
  mbps: number | null;
  retransmits: number | null;
  /** µs of CPU per ping per daemon over the idle pings (warm-up included; the daemons' own timers too). */
  cpuIdle: (CpuFigures & { pings: number; seconds: number }) | null;
  /** % of one core per daemon during iperf3. */
  cpuIperf: (CpuFigures & { seconds: number; machineBusyPercent: number | null }) | null;
  memory: MemoryFigures | null;
  errors: string[];
}

/** A run's figures ÷ the baseline's (null where either is missing). */
export interface Ratios {
  rtt: Array<{ intervalMs: number; median: number | null; mean: number | null }>;
  mbps: number | null;
  cpuIdleRelays: number | null;
  cpuIdleEnds: number | null;
  cpuIperfRelays: number | null;
  cpuIperfEnds: number | null;
  rssIdle: number | null;
  rssPeak: number | null;
}

export interface ExperimentsFile {
  version: typeof EXPERIMENTS_VERSION;
  date: string;
  durationMs: number;
  machine: MachineInfo;
  settings: ExperimentSettings;
  runs: Array<VariantRun & { ratios: Ratios }>;
  errors: string[];
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Median, mean and max of one idle run, from its replies (its summary when it kept none). */
export function idleStats(run: IdleRtt): IdleStats {
  const rtts = run.rttsMs ?? [];
  const stats: IdleStats = {
    intervalMs: run.intervalMs,
    count: run.count,
    received: rtts.length > 0 ? rtts.length : (run.rtt?.received ?? 0),
    medianMs: median(rtts),
    meanMs: mean(rtts) ?? run.rtt?.avgMs ?? null,
    maxMs: rtts.length > 0 ? Math.max(...rtts) : (run.rtt?.maxMs ?? null),
  };
  if (run.error !== undefined) stats.error = run.error;
  return stats;
}

const KIB_PER_MIB = 1024;

/** Memory figures from VmRSS and VmHWM readings in KiB (daemon-stats.ts's statusOf). */
export function memoryFigures(idleKiB: Record<string, number>, peakKiB: Record<string, number>): MemoryFigures {
  const toMiB = (kib: Record<string, number>) => Object.fromEntries(Object.entries(kib).map(([node, v]) => [node, v / KIB_PER_MIB]));
  const idleMiB = toMiB(idleKiB);
  const peakMiB = toMiB(peakKiB);
  return { idleMiB, peakMiB, idleMean: mean(Object.values(idleMiB)), peakMean: mean(Object.values(peakMiB)) };
}

type Metric = (r: VariantRun) => number | null | undefined;

const idleAt = (intervalMs: number, field: 'medianMs' | 'meanMs'): Metric => (r) => r.idle.find((i) => i.intervalMs === intervalMs)?.[field];
const METRICS = {
  mbps: (r: VariantRun) => r.mbps,
  cpuIdleRelays: (r: VariantRun) => r.cpuIdle?.relays,
  cpuIdleEnds: (r: VariantRun) => r.cpuIdle?.ends,
  cpuIperfRelays: (r: VariantRun) => r.cpuIperf?.relays,
  cpuIperfEnds: (r: VariantRun) => r.cpuIperf?.ends,
  rssIdle: (r: VariantRun) => r.memory?.idleMean,
  rssPeak: (r: VariantRun) => r.memory?.peakMean,
} satisfies Record<string, Metric>;

const present = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);

/** The mean of one metric over the baseline's runs that have it. */
function reference(baselines: readonly VariantRun[], metric: Metric): number | null {
  return mean(baselines.map(metric).filter(present));
}

function ratio(value: number | null | undefined, ref: number | null): number | null {
  return present(value) && ref !== null && ref > 0 ? value / ref : null;
}

/** Every run with its ratios to the mean of the baseline runs. */
export function withRatios(runs: readonly VariantRun[], intervals: readonly number[]): Array<VariantRun & { ratios: Ratios }> {
  const baselines = runs.filter((r) => r.name === BASELINE);
  const refs = Object.fromEntries(Object.entries(METRICS).map(([k, m]) => [k, reference(baselines, m)])) as Record<keyof typeof METRICS, number | null>;
  const rttRefs = intervals.map((i) => ({ intervalMs: i, median: reference(baselines, idleAt(i, 'medianMs')), mean: reference(baselines, idleAt(i, 'meanMs')) }));
  return runs.map((run) => ({
    ...run,
    ratios: {
      rtt: rttRefs.map((ref) => ({ intervalMs: ref.intervalMs, median: ratio(idleAt(ref.intervalMs, 'medianMs')(run), ref.median), mean: ratio(idleAt(ref.intervalMs, 'meanMs')(run), ref.mean) })),
      mbps: ratio(METRICS.mbps(run), refs.mbps),
      cpuIdleRelays: ratio(METRICS.cpuIdleRelays(run), refs.cpuIdleRelays),
      cpuIdleEnds: ratio(METRICS.cpuIdleEnds(run), refs.cpuIdleEnds),
      cpuIperfRelays: ratio(METRICS.cpuIperfRelays(run), refs.cpuIperfRelays),
      cpuIperfEnds: ratio(METRICS.cpuIperfEnds(run), refs.cpuIperfEnds),
      rssIdle: ratio(METRICS.rssIdle(run), refs.rssIdle),
      rssPeak: ratio(METRICS.rssPeak(run), refs.rssPeak),
    },
  }));
}
