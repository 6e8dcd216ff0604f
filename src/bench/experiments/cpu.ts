/**
 * What the daemons spent in one window: each daemon's utime + stime from
 * /proc/PID/stat (clock ticks, all its threads), the window's length, and
 * the machine's busy share from /proc/stat. The reader and the clock are
 * injected, so the arithmetic is tested on stat texts.
 */
import { readFileSync } from 'node:fs';
import { busyPercent, cpuTotals, processCpuTicks, type CpuTotals } from '../proc-text.js';
import type { Window } from '../probes.js';

export type ReadText = (path: string) => string;

export function readProcText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** One window's CPU: ticks per daemon (daemons that could not be read twice are left out). */
export interface CpuSpan {
  ticks: Record<string, number>;
  seconds: number;
  machineBusyPercent: number | null;
}

export class CpuTicksWindow implements Window {
  private before = new Map<string, number>();
  private startMs = 0;
  private startTotals: CpuTotals | undefined;
  private span: CpuSpan = { ticks: {}, seconds: 0, machineBusyPercent: null };

  constructor(
    private readonly pids: Record<string, number>,
    private readonly read: ReadText = readProcText,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  start(): void {
    this.startMs = this.nowMs();
    this.startTotals = cpuTotals(this.read('/proc/stat'));
    this.before.clear();
    for (const [node, pid] of Object.entries(this.pids)) {
      const t = processCpuTicks(this.read(`/proc/${pid}/stat`));
      if (t !== undefined) this.before.set(node, t);
    }
  }

  stop(): void {
    const seconds = (this.nowMs() - this.startMs) / 1000;
    const totals = cpuTotals(this.read('/proc/stat'));
    const ticks: Record<string, number> = {};
    for (const [node, pid] of Object.entries(this.pids)) {
      const b = this.before.get(node);
      const a = processCpuTicks(this.read(`/proc/${pid}/stat`));
      if (b !== undefined && a !== undefined) ticks[node] = a - b;
    }
    this.span = { ticks, seconds, machineBusyPercent: this.startTotals && totals ? busyPercent(this.startTotals, totals) : null };
  }

  result(): CpuSpan {
    return this.span;
  }
}

const MICROS_PER_SECOND = 1_000_000;

/** µs of CPU per ping, per daemon: its ticks over the window ÷ the pings sent in it. */
export function microsPerPing(span: CpuSpan, ticksPerSecond: number, pings: number): Record<string, number> {
  if (pings <= 0) return {};
  return Object.fromEntries(Object.entries(span.ticks).map(([node, t]) => [node, (t / ticksPerSecond) * MICROS_PER_SECOND / pings]));
}

/** Percent of one core, per daemon, over the window. */
export function percentOfCore(span: CpuSpan, ticksPerSecond: number): Record<string, number> {
  if (span.seconds <= 0) return {};
  return Object.fromEntries(Object.entries(span.ticks).map(([node, t]) => [node, (100 * t) / ticksPerSecond / span.seconds]));
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
