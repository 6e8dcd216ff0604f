/**
 * The targets a run on this machine is held to, and PASS/MISS for a run (pure).
 * A benchmark reports: a miss is printed, never an exit status.
 */
import { DEFAULT_TUN_MTU } from '../dataplane/mtu.js';
import { comparisons, firstRun, idleAvgMs, type BenchResults } from './results.js';

export type Verdict = 'PASS' | 'MISS' | 'N/A';

export interface Target {
  id: string;
  description: string;
  unit: '%' | 'ms';
  limit: number;
  /** 'atLeast': value ≥ limit passes; 'under': value < limit passes. */
  rule: 'atLeast' | 'under';
}

export interface TargetResult extends Target {
  value: number | null;
  verdict: Verdict;
}

/** The idle-path target's interval: the way a person pings a node they just brought up. */
export const IDLE_TARGET_INTERVAL_MS = 1000;

export const TARGETS: readonly Target[] = [
  { id: 'throughput-3hop', description: '3-hop TCP throughput, share of kernel routing', unit: '%', limit: 8, rule: 'atLeast' },
  { id: 'throughput-1hop', description: '1-hop TCP throughput, share of kernel routing', unit: '%', limit: 10, rule: 'atLeast' },
  { id: 'added-rtt-3hop', description: 'RTT added at 3 hops, pings 0.05 s apart after a transfer', unit: 'ms', limit: 1, rule: 'under' },
  // The same goal on the idle path, which is what a person sees first.
  { id: 'idle-rtt-3hop', description: 'RTT added at 3 hops, pings 1 s apart right after the start', unit: 'ms', limit: 1, rule: 'under' },
  { id: 'first-ping', description: 'first ping across the line after starting all daemons', unit: 'ms', limit: 1000, rule: 'under' },
  { id: 'reroute-gap', description: 'ping gap when a ring link is cut (worst cut)', unit: 'ms', limit: 500, rule: 'under' },
];

export function verdict(target: Target, value: number | null): Verdict {
  if (value === null || !Number.isFinite(value)) return 'N/A';
  const pass = target.rule === 'atLeast' ? value >= target.limit : value < target.limit;
  return pass ? 'PASS' : 'MISS';
}

/** Skein's idle RTT right after the start minus kernel routing's (measured after its transfer: it has no start). */
function addedIdleRtt(results: BenchResults, hops: number): number | null {
  const skein = results.runs.find((r) => r.transport === 'skein' && r.hops === hops && r.mtu === DEFAULT_TUN_MTU);
  const s = idleAvgMs(skein, 'after start', IDLE_TARGET_INTERVAL_MS);
  const k = idleAvgMs(firstRun(results, 'kernel', hops), 'after transfer', IDLE_TARGET_INTERVAL_MS);
  return s === null || k === null ? null : s - k;
}

/** The measured value for each target (null when that measurement failed). */
export function targetValues(results: BenchResults): Record<string, number | null> {
  const atDefaultMtu = comparisons(results).filter((c) => c.mtu === DEFAULT_TUN_MTU);
  const ratio = (hops: number) => {
    const r = atDefaultMtu.find((c) => c.hops === hops)?.throughputRatio;
    return r === null || r === undefined ? null : 100 * r;
  };
  // A ping that never recovered has maxGapMs running to the end of the run: a lower bound, and a miss.
  const gaps = results.reroute.map((r) => r.gap?.maxGapMs ?? null);
  return {
    'throughput-3hop': ratio(3),
    'throughput-1hop': ratio(1),
    'added-rtt-3hop': atDefaultMtu.find((c) => c.hops === 3)?.addedRttMs ?? null,
    'idle-rtt-3hop': addedIdleRtt(results, 3),
    'first-ping': results.startup.find((s) => s.transport === 'skein')?.firstPingMs ?? null,
    'reroute-gap': gaps.length === 0 || gaps.some((g) => g === null) ? null : Math.max(...(gaps as number[])),
  };
}

export function evaluateTargets(results: BenchResults): TargetResult[] {
  const values = targetValues(results);
  return TARGETS.map((t) => {
    const value = values[t.id] ?? null;
    return { ...t, value, verdict: verdict(t, value) };
  });
}
