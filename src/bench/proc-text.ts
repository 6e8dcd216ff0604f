/**
 * Parsing /proc texts (pure): a process's CPU time, a memory field of its
 * status file, the machine-wide CPU counters, and the CPU model.
 */

export interface CpuTotals {
  /** Jiffies spent not idle, over all cores. */
  busy: number;
  /** All jiffies, over all cores. */
  total: number;
}

/**
 * utime + stime (clock ticks) of a /proc/PID/stat line. The command name in
 * parentheses may hold spaces and ')', so fields are counted after the last ')':
 * that rest starts at field 3 (state); utime is field 14 and stime field 15.
 */
export function processCpuTicks(statText: string): number | undefined {
  const close = statText.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = statText.slice(close + 1).trim().split(/\s+/);
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** A `Name:   123 kB` field of /proc/PID/status, in KiB (VmRSS, VmHWM, …). */
export function statusKiB(statusText: string, name: string): number | undefined {
  const m = new RegExp(`^${name}:\\s*(\\d+) kB\\s*$`, 'm').exec(statusText);
  return m ? Number(m[1]) : undefined;
}

/** The aggregate `cpu` line of /proc/stat: idle = idle + iowait (fields 4 and 5). */
export function cpuTotals(procStat: string): CpuTotals | undefined {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  if (values.length < 5 || values.some((v) => !Number.isFinite(v))) return undefined;
  // guest and guest_nice (fields 9, 10) are already counted in user and nice.
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Percent of all cores busy between two /proc/stat readings. */
export function busyPercent(before: CpuTotals, after: CpuTotals): number {
  const total = after.total - before.total;
  return total > 0 ? (100 * (after.busy - before.busy)) / total : 0;
}

