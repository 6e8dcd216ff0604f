/**
 * What the daemons cost: CPU (utime + stime deltas of /proc/PID/stat over a
 * window, as percent of one core; all of a process's threads count) and
 * resident memory (VmRSS, sampled over a window, and its peak VmHWM from
 * /proc/PID/status).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { DaemonMemory } from './results.js';
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

/** One status field (KiB) of each daemon now; daemons that are gone are left out. */
export function statusOf(pids: Record<string, number>, field: 'VmRSS' | 'VmHWM'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [node, pid] of Object.entries(pids)) {
    const kib = statusKiB(readOrEmpty(`/proc/${pid}/status`), field);
    if (kib !== undefined) out[node] = kib;
  }
  return out;
}

/** Samples each daemon's VmRSS every `everyMs` between start() and stop() (and once at each end). */
export class RssSampler implements Window {
  private samples = new Map<string, number[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: Record<string, number>, private readonly everyMs: number) {}

  start(): void {
    this.samples.clear();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  /** Per node: the largest sample, the mean, and how many there were. */
  summary(): Record<string, { maxKiB: number; meanKiB: number; samples: number }> {
    const out: Record<string, { maxKiB: number; meanKiB: number; samples: number }> = {};
    for (const [node, values] of this.samples) {
      out[node] = { maxKiB: Math.max(...values), meanKiB: values.reduce((a, b) => a + b, 0) / values.length, samples: values.length };
    }
    return out;
  }

  private sample(): void {
    for (const [node, kib] of Object.entries(statusOf(this.pids, 'VmRSS'))) {
      const list = this.samples.get(node) ?? [];
      list.push(kib);
      this.samples.set(node, list);
    }
  }
}

/** Several windows around one run, opened in order and closed in reverse. */
export function allOf(...windows: Window[]): Window {
  return {
    start: () => { for (const w of windows) w.start(); },
    stop: () => { for (const w of [...windows].reverse()) w.stop(); },
  };
}

/**
 * One daemon memory record per node from its three readings: VmRSS when
 * idle, the samples under load, and VmHWM at the end.
 */
export function daemonMemory(
  nodes: readonly string[],
  idle: Record<string, number>,
  load: ReturnType<RssSampler['summary']>,
  peak: Record<string, number>,
): Record<string, DaemonMemory> {
  const out: Record<string, DaemonMemory> = {};
  for (const node of nodes) {
    const l = load[node];
    out[node] = { idleKiB: idle[node] ?? null, loadMaxKiB: l?.maxKiB ?? null, loadMeanKiB: l?.meanKiB ?? null, loadSamples: l?.samples ?? 0, peakKiB: peak[node] ?? null };
  }
  return out;
}
