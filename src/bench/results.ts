/**
 * What one `skein bench` run measured (the JSON it writes), and the derived
 * comparison of each Skein path with the kernel-routing limit on the same
 * links (pure).
 */
import type { ReplyGap } from './gap.js';
import type { IperfResult } from './iperf-output.js';
import type { PingSummary } from './ping-output.js';

export const RESULTS_VERSION = 1;

export type Transport = 'kernel' | 'skein';

import type { MachineInfo } from '../util/machine.js';
export type { MachineInfo };

/** One path measured one way: iperf3 throughput, ping RTT, and the daemons' CPU during iperf3. */
export interface PathRun {
  transport: Transport;
  /** The TUN MTU for Skein; the veth MTU for the kernel baseline. */
  mtu: number;
  hops: number;
  from: string;
  to: string;
  throughput: IperfResult | null;
  rtt: PingSummary | null;
  /** Each Skein daemon's CPU during the iperf3 run, percent of one core (empty for the kernel). */
  cpuPercent: Record<string, number>;
  /** All cores, percent busy during the iperf3 run (iperf3 itself included). */
  machineBusyPercent: number | null;
  errors: string[];
}

export interface StartupRun {
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

export interface MemoryUse {
  rssKiB: number;
  /** Peak resident set (VmHWM) since the daemon started. */
  peakKiB: number;
}

export interface BenchSettings {
  iperfSeconds: number;
  iperfOmitSeconds: number;
  pingCount: number;
  pingIntervalMs: number;
  rerouteIntervalMs: number;
  lineNodes: number;
  ringNodes: number;
}

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
  /** Each line daemon after the default-MTU runs. */
  memory: Record<string, MemoryUse>;
  /** Round trips through plain Node.js TCP relays on the longest line path (node-relay-floor.ts); absent in older files. */
  nodeRelayFloor?: NodeRelayFloorRun;
  errors: string[];
}

export interface NodeRelayFloorRun {
  hops: number;
  from: string;
  to: string;
  rtt: PingSummary | null;
  error?: string;
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
