/**
 * What a started daemon really runs with, read back from /proc: node's
 * flags (cmdline), the variant's environment (environ) and the CPUs it may
 * run on (Cpus_allowed_list in status). A variant that did not reach the
 * daemon would otherwise measure as the baseline and look like "no effect".
 */
import type { ReadText } from './cpu.js';

export interface Expected {
  nodeFlags: readonly string[];
  env: Readonly<Record<string, string>>;
  /** A single CPU number or a taskset list; undefined when not pinned. */
  cpus?: string;
}

export interface ProcTexts {
  cmdline: string;
  environ: string;
  status: string;
}

/** NUL-separated fields of /proc/PID/cmdline or environ. */
export function nulFields(text: string): string[] {
  return text.split('\0').filter((f) => f !== '');
}

export function cpusAllowed(status: string): string | undefined {
  return /^Cpus_allowed_list:\s*(\S+)\s*$/m.exec(status)?.[1];
}

/** What differs between a daemon's /proc texts and what its variant asked for (empty: all applied). */
export function appliedProblems(expected: Expected, proc: ProcTexts): string[] {
  const problems: string[] = [];
  const argv = nulFields(proc.cmdline);
  if (argv.length === 0) return ['its /proc entry could not be read'];
  for (const flag of expected.nodeFlags) if (!argv.includes(flag)) problems.push(`node flag ${flag} missing from its command line`);
  const environ = new Set(nulFields(proc.environ));
  for (const [k, v] of Object.entries(expected.env)) if (!environ.has(`${k}=${v}`)) problems.push(`${k}=${v} missing from its environment`);
  if (expected.cpus !== undefined) {
    const allowed = cpusAllowed(proc.status);
    if (allowed !== expected.cpus) problems.push(`may run on CPUs ${allowed ?? '?'}, not ${expected.cpus}`);
  }
  return problems;
}

export function readProcTexts(pid: number, read: ReadText): ProcTexts {
  return { cmdline: read(`/proc/${pid}/cmdline`), environ: read(`/proc/${pid}/environ`), status: read(`/proc/${pid}/status`) };
}
