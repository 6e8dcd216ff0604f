/**
 * Matching a node name against a signer's name pattern, where '*' stands for
 * any run (possibly empty) of label characters [a-z0-9-].
 *
 * Every verifier runs this on every link handshake, session handshake and
 * routing record of a node signed by a constrained intermediate, and the
 * pattern comes from a certificate anyone in the cluster may present. So it
 * must never backtrack: the pattern is split on '*' into literal segments;
 * the first must be a prefix of the name, the last a suffix, and the middle
 * ones are found left to right, each at its earliest position after the one
 * before. Taking the earliest position is always safe for '*'-only globs: it
 * leaves the most room for the segments that follow. The cost is at most
 * about len(name) × len(pattern) character comparisons, whatever the stars.
 */

export interface GlobMatch {
  matched: boolean;
  /** Character comparisons made: the matcher's cost, for tests and benchmarks. */
  steps: number;
}

const STAR = '*';

function isLabelChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
}

/** Does `segment` occur in `name` at `at`? Counts one step per character compared. */
function occursAt(name: string, segment: string, at: number, cost: { steps: number }): boolean {
  for (let i = 0; i < segment.length; i++) {
    cost.steps++;
    if (name.charCodeAt(at + i) !== segment.charCodeAt(i)) return false;
  }
  return true;
}

/** Earliest position >= from where `segment` ends at or before `end`, or -1. */
function findFrom(name: string, segment: string, from: number, end: number, cost: { steps: number }): number {
  for (let at = from; at + segment.length <= end; at++) {
    if (occursAt(name, segment, at, cost)) return at;
  }
  return -1;
}

/** The match and its cost; `nameMatchesPattern` is the everyday form. */
export function matchNamePattern(name: string, pattern: string): GlobMatch {
  const cost = { steps: 0 };
  const done = (matched: boolean): GlobMatch => ({ matched, steps: cost.steps });
  const segments = pattern.split(STAR);
  const first = segments[0] ?? '';
  if (segments.length === 1) return done(name.length === first.length && occursAt(name, first, 0, cost));

  // A star matches label characters only, and literals are label characters too.
  for (let i = 0; i < name.length; i++) {
    cost.steps++;
    if (!isLabelChar(name.charCodeAt(i))) return done(false);
  }
  const last = segments[segments.length - 1] ?? '';
  if (first.length + last.length > name.length) return done(false);
  if (!occursAt(name, first, 0, cost)) return done(false);
  const end = name.length - last.length;
  if (!occursAt(name, last, end, cost)) return done(false);

  let cursor = first.length;
  for (let s = 1; s < segments.length - 1; s++) {
    const segment = segments[s] ?? '';
    if (segment.length === 0) continue;
    const at = findFrom(name, segment, cursor, end, cost);
    if (at < 0) return done(false);
    cursor = at + segment.length;
  }
  return done(true);
}

export function nameMatchesPattern(name: string, pattern: string): boolean {
  return matchNamePattern(name, pattern).matched;
}
