/**
 * Name-pattern checks, the cost every verifier pays per certificate of a
 * constrained signer: `npm run bench:names [-- --json]`. No root, no network.
 *
 * Each case matches a 63-character name against a 20-star pattern that does
 * not match it (the shapes that made a backtracking matcher explode), timed
 * as the median of ROUNDS rounds of CALLS calls after a warm-up, and printed
 * with the matcher's comparison count.
 */
import { matchNamePattern, nameMatchesPattern } from '../name-glob.js';

const ROUNDS = 7;
const CALLS = 20_000;
const WARMUP_CALLS = 2_000;
const NS_PER_US = 1000;
const STARS = 20;
const NAME_LENGTH = 63;

const CASES: Array<{ label: string; name: string; pattern: string }> = [
  { label: "'a*' x20 then 'b'", name: 'a'.repeat(NAME_LENGTH), pattern: `${'a*'.repeat(STARS)}b` },
  { label: "20 stars then 'b'", name: 'a'.repeat(NAME_LENGTH), pattern: `${'*'.repeat(STARS)}b` },
  { label: "'a' then '*ab' x19, '*c'", name: `${'a'.repeat(NAME_LENGTH - 1)}c`, pattern: `a${'*ab'.repeat(STARS - 1)}*c` },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function microsecondsPerCheck(name: string, pattern: string): number {
  for (let i = 0; i < WARMUP_CALLS; i++) nameMatchesPattern(name, pattern);
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) nameMatchesPattern(name, pattern);
    rounds.push(Number(process.hrtime.bigint() - start) / NS_PER_US / CALLS);
  }
  return median(rounds);
}

const rows = CASES.map((c) => ({ ...c, ...matchNamePattern(c.name, c.pattern), usPerCheck: microsecondsPerCheck(c.name, c.pattern) }));
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(rows.map(({ label, pattern, matched, steps, usPerCheck }) => ({ label, pattern, matched, steps, usPerCheck })))}\n`);
} else {
  for (const r of rows) {
    process.stdout.write(`names: ${STARS} stars, ${r.name.length}-char name, ${r.label.padEnd(26)} ${r.usPerCheck.toFixed(3)} us/check  ${r.steps} comparisons  matched=${r.matched}\n`);
  }
}
