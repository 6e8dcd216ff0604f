/**
 * What a test reads of a daemon from /proc: its CPU time and resident
 * memory, for attack tests that state a budget for each.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat, after the command name). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

/**
 * Anonymous resident memory of a process in bytes (RssAnon of
 * /proc/PID/status): the heaps, what the process keeps. File-backed pages
 * (the executable's code, which the daemon drops after start-up and which
 * comes back as code paths run) are not state and are left out.
 */
export function anonymousRssBytes(pid: number): number {
  return Number(/RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
}
