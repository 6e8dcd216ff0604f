/**
 * What one `skein bench` run measured (the JSON it writes), and the derived
 * comparisons (pure): each Skein path with the kernel-routing limit on the
 * same links, and Skein with Yggdrasil on the same line.
 */
import type { ReplyGap } from './gap.js';
import type { IperfResult } from './iperf-output.js';
import type { PingSummary } from './ping-output.js';

export const RESULTS_VERSION = 2;

/** `skein` runs its links on the native link; `skein-typescript` the same daemons with links.native = false. */
export type Transport = 'kernel' | 'skein' | 'skein-typescript' | 'yggdrasil';
/** The overlay daemons the bench runs (one at a time on the line). */
export type Daemon = Exclude<Transport, 'kernel'>;

import type { MachineInfo } from '../util/machine.js';
export type { MachineInfo };

/**
 * When an idle-path RTT is taken: right after the daemons are up and the
 * first ping got through (before any transfer), or after the path's iperf3
 * transfer.
 */
export type IdlePhase = 'after start' | 'after transfer';
export const IDLE_PHASES: readonly IdlePhase[] = ['after start', 'after transfer'];

/** Pings `intervalMs` apart after a warm-up and one idle interval (the way a person pings a node). */
export interface IdleRtt {
  phase: IdlePhase;
  intervalMs: number;
  count: number;
  rtt: PingSummary | null;
  /** Each reply's RTT, in order, when the caller asked for them (the experiments' medians). */
  rttsMs?: number[];
  error?: string;
}

/** One path measured one way: iperf3 throughput, ping RTT, and the daemons' CPU during iperf3. */
export interface PathRun {
  transport: Transport;
  /** The overlay's TUN MTU; the veth MTU for the kernel baseline. */
  mtu: number;
  hops: number;
  from: string;
  to: string;
  throughput: IperfResult | null;
  /** Right after the transfer, pings `settings.pingIntervalMs` apart: the path as warm as it gets. */
  rtt: PingSummary | null;
  /** The idle-path RTTs, per phase and interval (empty for runs that skip them). */
  idle: IdleRtt[];
  /** Each daemon's CPU during the iperf3 run, percent of one core (empty for the kernel). */
  cpuPercent: Record<string, number>;
  /** All cores, percent busy during the iperf3 run (iperf3 itself included). */
  machineBusyPercent: number | null;
  errors: string[];
}

export interface StartupRun {
  transport: Daemon;
  /** What was started: 'cold start' or e.g. 'restart with MTU 1400'. */
  label: string;
  from: string;
  to: string;
  hops: number;
  /** From spawning all daemons to the first echo reply across the line. */
  firstPingMs: number | null;
  attempts: number;
  /** From the daemons' logs: when the last one was up, and when the last link came up (ms after the start). */
  daemonsUpMs?: number | null;
  linksUpMs?: number | null;
  error?: string;
}

export interface RerouteRun {
  /** The link cut, e.g. "n2-n3". */
  cut: string;
  from: string;
  to: string;
  hopsBefore: number;
  intervalMs: number;
  gap: ReplyGap | null;
  error?: string;
}

/** One daemon's resident memory (KiB; null when it could not be read). */
export interface DaemonMemory {
  /** VmRSS after the start and its idle pings, before any transfer. */
  idleKiB: number | null;
  /** VmRSS sampled every `settings.memorySampleMs` during the 3-hop iperf3: the largest sample and the mean. */
  loadMaxKiB: number | null;
  loadMeanKiB: number | null;
  loadSamples: number;
  /** VmHWM (peak VmRSS since the daemon started) after its last measurement. */
  peakKiB: number | null;
}

/** A run of idle pings: `count` pings `intervalMs` apart. */
export interface IdlePingSpec {
  intervalMs: number;
  count: number;
}

export interface BenchSettings {
  iperfSeconds: number;
  iperfOmitSeconds: number;
  pingCount: number;
  pingIntervalMs: number;
  /** The idle-path RTT runs, in order (also the relay floors'). */
  idlePings: IdlePingSpec[];
  memorySampleMs: number;
  rerouteIntervalMs: number;
  lineNodes: number;
  ringNodes: number;
}

export type RelayKind = 'c' | 'c-threads' | 'python' | 'node';
export const RELAY_NAMES: Record<RelayKind, string> = { c: 'C', 'c-threads': 'C (read threads)', python: 'Python', node: 'Node.js' };

/** Round trips through plain TCP relays on the longest line path (relay-floor.ts). */
export interface RelayFloorRun {
  relay: RelayKind;
  /** The timing client, the same for every relay kind of a run. */
  client: 'c' | 'node';
  hops: number;
  from: string;
  to: string;
  /** One per `settings.idlePings` entry; phase 'after start' (the relays were just started). */
  rtts: IdleRtt[];
  /** Why this kind was not measured (no compiler, no python3). */
  skipped?: string;
  error?: string;
}

/** Whether Yggdrasil ran on the line: its version, or why not. */
export type YggdrasilStatus = { measured: true; version: string | null } | { measured: false; skipped: string };

export interface BenchResults {
  version: typeof RESULTS_VERSION;
  date: string;
  /** Wall time of the whole bench. */
  durationMs: number;
  machine: MachineInfo;
  settings: BenchSettings;
  runs: PathRun[];
  startup: StartupRun[];
  reroute: RerouteRun[];
  /** Each line daemon, per overlay at its default MTU. */
  memory: Partial<Record<Daemon, Record<string, DaemonMemory>>>;
  relayFloors: RelayFloorRun[];
  yggdrasil: YggdrasilStatus;
  errors: string[];
}

/** A Skein path beside the kernel path with the same hop count. */
export interface Comparison {
  hops: number;
  mtu: number;
  /** Skein Mbit/s ÷ kernel Mbit/s. */
  throughputRatio: number | null;
  /** Skein average RTT − kernel average RTT (ms). */
  addedRttMs: number | null;
  /** Skein average RTT ÷ kernel average RTT. */
  rttRatio: number | null;
}

export function kernelRun(results: Pick<BenchResults, 'runs'>, hops: number): PathRun | undefined {
  return results.runs.find((r) => r.transport === 'kernel' && r.hops === hops);
}

export function compareRun(run: PathRun, kernel: PathRun | undefined): Comparison {
  const kMbps = kernel?.throughput?.mbps;
  const kRtt = kernel?.rtt?.avgMs;
  const sMbps = run.throughput?.mbps;
  const sRtt = run.rtt?.avgMs;
  return {
    hops: run.hops,
    mtu: run.mtu,
    throughputRatio: sMbps !== undefined && kMbps ? sMbps / kMbps : null,
    addedRttMs: sRtt !== undefined && kRtt !== undefined ? sRtt - kRtt : null,
    rttRatio: sRtt !== undefined && kRtt ? sRtt / kRtt : null,
  };
}

/** Every Skein run compared with the kernel run of the same hop count. */
export function comparisons(results: Pick<BenchResults, 'runs'>): Comparison[] {
  return results.runs.filter((r) => r.transport === 'skein').map((r) => compareRun(r, kernelRun(results, r.hops)));
}

/** The first run of a transport at a hop count: an overlay's default-MTU run comes first. */
export function firstRun(results: Pick<BenchResults, 'runs'>, transport: Transport, hops: number): PathRun | undefined {
  return results.runs.find((r) => r.transport === transport && r.hops === hops);
}

/** Average RTT of a run's idle pings in one phase at one interval, when measured. */
export function idleAvgMs(run: PathRun | undefined, phase: IdlePhase, intervalMs: number): number | null {
  return run?.idle.find((i) => i.phase === phase && i.intervalMs === intervalMs)?.rtt?.avgMs ?? null;
}

export interface IdleRatio {
  phase: IdlePhase;
  intervalMs: number;
  hops: number;
  /** Skein's average RTT ÷ Yggdrasil's. */
  ratio: number | null;
}

/** Skein ÷ Yggdrasil, each at its default MTU (null where either was not measured). */
export interface YggdrasilRatios {
  throughput: Array<{ hops: number; ratio: number | null }>;
  rtt: IdleRatio[];
  firstPing: number | null;
  /** Of the means over the nodes. */
  rss: { idle: number | null; loadMax: number | null; peak: number | null };
}

const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a !== null && a !== undefined && b !== null && b !== undefined && b > 0 ? a / b : null;

/** Mean over the nodes of one memory field, or null when no node has it. */
export function meanMemory(memory: Record<string, DaemonMemory> | undefined, field: 'idleKiB' | 'loadMaxKiB' | 'loadMeanKiB' | 'peakKiB'): number | null {
  const values = Object.values(memory ?? {}).map((m) => m[field]).filter((v): v is number => v !== null);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

export function lineHops(results: Pick<BenchResults, 'runs'>): number[] {
  return [...new Set(results.runs.map((r) => r.hops))].sort((a, b) => a - b);
}

/** Skein against Yggdrasil on the same line; undefined when Yggdrasil was not measured. */
export function yggdrasilRatios(results: BenchResults): YggdrasilRatios | undefined {
  if (!results.yggdrasil.measured) return undefined;
  const hops = lineHops(results);
  const pair = (h: number) => [firstRun(results, 'skein', h), firstRun(results, 'yggdrasil', h)] as const;
  const rtt: IdleRatio[] = [];
  for (const phase of IDLE_PHASES) {
    for (const { intervalMs } of results.settings.idlePings) {
      for (const h of hops) {
        const [s, y] = pair(h);
        rtt.push({ phase, intervalMs, hops: h, ratio: ratio(idleAvgMs(s, phase, intervalMs), idleAvgMs(y, phase, intervalMs)) });
      }
    }
  }
  const start = (t: Daemon) => results.startup.find((s) => s.transport === t)?.firstPingMs;
  const mem = (field: 'idleKiB' | 'loadMaxKiB' | 'peakKiB') => ratio(meanMemory(results.memory.skein, field), meanMemory(results.memory.yggdrasil, field));
  return {
    throughput: hops.map((h) => ({ hops: h, ratio: ratio(pair(h)[0]?.throughput?.mbps, pair(h)[1]?.throughput?.mbps) })),
    rtt,
    firstPing: ratio(start('skein'), start('yggdrasil')),
    rss: { idle: mem('idleKiB'), loadMax: mem('loadMaxKiB'), peak: mem('peakKiB') },
  };
}
