/**
 * The name-pattern matcher against two references: a textbook dynamic-programming
 * glob matcher, and (on inputs small enough for it) the backtracking regular
 * expression it replaces. Random patterns and names over a tiny alphabet, so
 * that matches, near misses and runs of stars are all common.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matchNamePattern } from '../../src/identity/name-glob.js';

const RUNS = 20_000;
const STAR_CHAR = /^[a-z0-9-]$/;

/** dp[j] after i name characters: does name[0..i) match pattern[0..j)? O(n·m), no backtracking. */
function referenceMatch(name: string, pattern: string): boolean {
  let dp: boolean[] = [true];
  for (let j = 1; j <= pattern.length; j++) dp[j] = pattern[j - 1] === '*' && dp[j - 1] === true;
  for (let i = 1; i <= name.length; i++) {
    const c = name[i - 1] ?? '';
    const next: boolean[] = [false];
    for (let j = 1; j <= pattern.length; j++) {
      const p = pattern[j - 1];
      next[j] = p === '*'
        ? next[j - 1] === true || (dp[j] === true && STAR_CHAR.test(c))
        : p === c && dp[j - 1] === true;
    }
    dp = next;
  }
  return dp[pattern.length] === true;
}

function regexMatch(name: string, pattern: string): boolean {
  return new RegExp(`^${pattern.replaceAll('*', '[a-z0-9-]*')}$`).test(name);
}

const nameChars = fc.constantFrom('a', 'a', 'b', '-', '1', '.', 'A');
const patternChars = fc.constantFrom('a', 'a', 'b', '-', '1', '*', '*');
const name = (maxLength: number) => fc.array(nameChars, { maxLength }).map((cs) => cs.join(''));
const pattern = (maxLength: number) => fc.array(patternChars, { maxLength }).map((cs) => cs.join(''));
const stars = (p: string): number => p.split('*').length - 1;

test('the glob matcher agrees with a dynamic-programming reference', () => {
  fc.assert(fc.property(name(63), pattern(63), (n, p) => {
    assert.equal(matchNamePattern(n, p).matched, referenceMatch(n, p), `'${n}' ~ '${p}'`);
  }), { numRuns: RUNS });
});

test('the glob matcher agrees with the backtracking regex on inputs small enough for it', () => {
  fc.assert(fc.property(name(16), pattern(10).filter((p) => stars(p) <= 4), (n, p) => {
    assert.equal(matchNamePattern(n, p).matched, regexMatch(n, p), `'${n}' ~ '${p}'`);
  }), { numRuns: RUNS });
});

test('a name that matches is found whatever it is built from: literal pieces joined by arbitrary runs', () => {
  const piece = fc.array(fc.constantFrom('a', 'b', '-'), { maxLength: 4 }).map((cs) => cs.join(''));
  fc.assert(fc.property(fc.array(fc.tuple(piece, piece), { minLength: 1, maxLength: 8 }), piece, (parts, tail) => {
    const p = parts.map(([literal]) => literal).join('*') + `*${tail}`;
    const n = parts.map(([literal, fill]) => literal + fill).join('') + tail;
    assert.equal(matchNamePattern(n, p).matched, true, `'${n}' ~ '${p}'`);
  }), { numRuns: RUNS });
});

test('the cost never exceeds (name length + 1) × (pattern length + 1) comparisons', () => {
  fc.assert(fc.property(name(63), pattern(63), (n, p) => {
    const { steps } = matchNamePattern(n, p);
    assert.ok(steps <= (n.length + 1) * (p.length + 1), `'${n}' ~ '${p}': ${steps} steps`);
  }), { numRuns: RUNS });
});
