/**
 * What the daemons spent in one window: each daemon's utime + stime from
 * /proc/PID/stat (clock ticks, all its threads), the same time in
 * nanoseconds summed over its threads' /proc/PID/task/TID/schedstat, the
 * window's length, and the machine's busy share from /proc/stat. The
 * figures use the nanoseconds where they could be read: a tick is 10 ms,
 * and a relay spends a few tens of ms over the idle pings, so ticks alone
 * would move a per-ping figure in steps of a third. The reader, the
 * directory listing and the clock are injected, so the arithmetic is
 * tested on /proc texts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { busyPercent, cpuTotals, processCpuTicks, type CpuTotals } from '../proc-text.js';
import type { Window } from '../probes.js';

export type ReadText = (path: string) => string;
export type ListDir = (path: string) => string[];

export function readProcText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function listProcDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** The first field of a schedstat line: time spent on a CPU, ns. */
export function schedstatRuntimeNs(text: string): number | undefined {
  const first = text.trim().split(/\s+/)[0];
  if (first === undefined || !/^\d+$/.test(first)) return undefined;
  return Number(first);
}

/** One window's CPU per daemon (daemons that could not be read at both ends are left out). */
export interface CpuSpan {
  /** utime + stime, clock ticks. */
  ticks: Record<string, number>;
  /** Time on a CPU over the daemon's threads, ns (a thread that ended within the window is missed). */
  runtimeNs: Record<string, number>;
  seconds: number;
  machineBusyPercent: number | null;
}

export class DaemonCpuWindow implements Window {
  private before = new Map<string, number>();
  private threadsBefore = new Map<string, Map<string, number>>();
  private startMs = 0;
  private startTotals: CpuTotals | undefined;
  private span: CpuSpan = { ticks: {}, runtimeNs: {}, seconds: 0, machineBusyPercent: null };

  constructor(
    private readonly pids: Record<string, number>,
    private readonly read: ReadText = readProcText,
    private readonly nowMs: () => number = () => performance.now(),
    private readonly list: ListDir = listProcDir,
  ) {}

  start(): void {
    this.startMs = this.nowMs();
    this.startTotals = cpuTotals(this.read('/proc/stat'));
    this.before.clear();
    this.threadsBefore.clear();
    for (const [node, pid] of Object.entries(this.pids)) {
      const t = processCpuTicks(this.read(`/proc/${pid}/stat`));
      if (t !== undefined) this.before.set(node, t);
      const threads = this.threadRuntimes(pid);
      if (threads.size > 0) this.threadsBefore.set(node, threads);
    }
  }

  stop(): void {
    const seconds = (this.nowMs() - this.startMs) / 1000;
    const totals = cpuTotals(this.read('/proc/stat'));
    const ticks: Record<string, number> = {};
    const runtimeNs: Record<string, number> = {};
    for (const [node, pid] of Object.entries(this.pids)) {
      const b = this.before.get(node);
      const a = processCpuTicks(this.read(`/proc/${pid}/stat`));
      if (b !== undefined && a !== undefined) ticks[node] = a - b;
      const start = this.threadsBefore.get(node);
      const end = this.threadRuntimes(pid);
      // A thread first seen at the end started within the window: all of its time counts.
      if (start && end.size > 0) runtimeNs[node] = [...end].reduce((sum, [tid, ns]) => sum + ns - (start.get(tid) ?? 0), 0);
    }
    this.span = { ticks, runtimeNs, seconds, machineBusyPercent: this.startTotals && totals ? busyPercent(this.startTotals, totals) : null };
  }

  private threadRuntimes(pid: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const tid of this.list(`/proc/${pid}/task`)) {
      const ns = schedstatRuntimeNs(this.read(`/proc/${pid}/task/${tid}/schedstat`));
      if (ns !== undefined) out.set(tid, ns);
    }
    return out;
  }

  result(): CpuSpan {
    return this.span;
  }
}

const MICROS_PER_SECOND = 1_000_000;
const NS_PER_MICRO = 1_000;

/** Each daemon's CPU time in the window, µs: from its threads' nanoseconds where read, else from its ticks. */
export function cpuMicros(span: CpuSpan, ticksPerSecond: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const node of new Set([...Object.keys(span.ticks), ...Object.keys(span.runtimeNs)])) {
    const ns = span.runtimeNs[node];
    const t = span.ticks[node];
    if (ns !== undefined) out[node] = ns / NS_PER_MICRO;
    else if (t !== undefined) out[node] = (t / ticksPerSecond) * MICROS_PER_SECOND;
  }
  return out;
}

/** µs of CPU per ping, per daemon: its CPU time over the window ÷ the pings sent in it. */
export function microsPerPing(span: CpuSpan, ticksPerSecond: number, pings: number): Record<string, number> {
  if (pings <= 0) return {};
  return Object.fromEntries(Object.entries(cpuMicros(span, ticksPerSecond)).map(([node, us]) => [node, us / pings]));
}

/** Percent of one core, per daemon, over the window. */
export function percentOfCore(span: CpuSpan, ticksPerSecond: number): Record<string, number> {
  if (span.seconds <= 0) return {};
  return Object.fromEntries(Object.entries(cpuMicros(span, ticksPerSecond)).map(([node, us]) => [node, (100 * us) / MICROS_PER_SECOND / span.seconds]));
}

/** The mean over some nodes' values (those that have one), or null. */
export function meanOver(values: Record<string, number>, nodes: readonly string[]): number | null {
  const present = nodes.map((n) => values[n]).filter((v): v is number => v !== undefined);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
}

/** A line's relays (every node but the two ends) and its ends. */
export function relaysAndEnds(nodes: readonly string[]): { relays: string[]; ends: string[] } {
  if (nodes.length < 2) return { relays: [], ends: [...nodes] };
  return { relays: nodes.slice(1, -1), ends: [nodes[0]!, nodes[nodes.length - 1]!] };
}
