/**
 * What the daemons cost: CPU (utime + stime deltas of /proc/PID/stat over a
 * window, as percent of one core; all of a process's threads count) and
 * resident memory (VmRSS and its peak VmHWM from /proc/PID/status).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { MemoryUse } from './results.js';
import { busyPercent, cpuTotals, processCpuTicks, statusKiB, type CpuTotals } from './proc-text.js';
import type { Window } from './probes.js';

/** USER_HZ on every mainstream Linux build; asked of getconf when it answers. */
const DEFAULT_CLOCK_TICKS = 100;

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : DEFAULT_CLOCK_TICKS;
  } catch {
    return DEFAULT_CLOCK_TICKS;
  }
}

/** Samples each daemon's CPU and the machine's between start() and stop(); restartable. */
export class CpuWatch implements Window {
  cpuPercent: Record<string, number> = {};
  machineBusyPercent: number | null = null;
  private startTicks = new Map<string, number>();
  private startMs = 0;
  private startTotals: CpuTotals | undefined;

  constructor(private readonly pids: Record<string, number>, private readonly ticksPerSecond = clockTicksPerSecond()) {}

  start(): void {
    this.startMs = performance.now();
    this.startTotals = cpuTotals(readOrEmpty('/proc/stat'));
    for (const [node, pid] of Object.entries(this.pids)) {
      const ticks = processCpuTicks(readOrEmpty(`/proc/${pid}/stat`));
      if (ticks !== undefined) this.startTicks.set(node, ticks);
    }
  }

  stop(): void {
    const seconds = (performance.now() - this.startMs) / 1000;
    const totals = cpuTotals(readOrEmpty('/proc/stat'));
    this.machineBusyPercent = this.startTotals && totals ? busyPercent(this.startTotals, totals) : null;
    this.cpuPercent = {};
    for (const [node, pid] of Object.entries(this.pids)) {
      const before = this.startTicks.get(node);
      const after = processCpuTicks(readOrEmpty(`/proc/${pid}/stat`));
      if (before !== undefined && after !== undefined && seconds > 0) this.cpuPercent[node] = (100 * (after - before)) / this.ticksPerSecond / seconds;
    }
  }
}

/** Each daemon's VmRSS and VmHWM now (daemons that are gone are left out). */
export function memoryUse(pids: Record<string, number>): Record<string, MemoryUse> {
  const out: Record<string, MemoryUse> = {};
  for (const [node, pid] of Object.entries(pids)) {
    const status = readOrEmpty(`/proc/${pid}/status`);
    const rss = statusKiB(status, 'VmRSS');
    if (rss !== undefined) out[node] = { rssKiB: rss, peakKiB: statusKiB(status, 'VmHWM') ?? rss };
  }
  return out;
}
