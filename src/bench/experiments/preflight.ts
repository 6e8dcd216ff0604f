/**
 * Before a lab is built: every variant's node flags are accepted by this
 * node (an unknown V8 flag stops node at once, and would show up only as a
 * failed start), `taskset` is there when a variant pins, and the CPUs it
 * pins to exist.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { DAEMON_NODE_FLAGS } from '../../node/node-flags.js';
import { ErrorCodes, SkeinError } from '../../util/errors.js';
import type { Variant } from './variants.js';

const CHECK_TIMEOUT_MS = 10_000;

/** Why node refuses these flags, or undefined when it runs with them. */
function refusal(flags: readonly string[]): string | undefined {
  const r = spawnSync(process.execPath, [...DAEMON_NODE_FLAGS, ...flags, '-e', '0'], { encoding: 'utf8', timeout: CHECK_TIMEOUT_MS });
  if (r.status === 0) return undefined;
  return (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0];
}

/** The CPU numbers of a taskset list such as "0", "1,3" or "0-1". */
export function cpuNumbers(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || !Number.isInteger(a)) return [Number.NaN];
    if (b === undefined) return [a];
    return Number.isInteger(b) && b >= a ? Array.from({ length: b - a + 1 }, (_, i) => a + i) : [Number.NaN];
  });
}

export function checkVariantsRun(variants: readonly Variant[], cpuCount = cpus().length): void {
  const problems: string[] = [];
  for (const v of variants) {
    const why = v.nodeFlags && v.nodeFlags.length > 0 ? refusal(v.nodeFlags) : undefined;
    if (why !== undefined) problems.push(`${v.name}: node ${process.version} refuses ${v.nodeFlags!.join(' ')} (${why})`);
    for (const list of v.affinity ?? []) {
      if (cpuNumbers(list).some((n) => !(n >= 0 && n < cpuCount))) problems.push(`${v.name}: pins to CPU ${list}, this machine has CPUs 0-${cpuCount - 1}`);
    }
  }
  if (variants.some((v) => v.affinity) && spawnSync('taskset', ['--version'], { stdio: 'ignore' }).error) {
    problems.push("'taskset' was not found: the pinning variants start the daemons under it; install the Debian package util-linux");
  }
  if (problems.length > 0) throw new SkeinError(ErrorCodes.USAGE, `these variants cannot run here (leave them out with --only): ${problems.join('; ')}`);
}
