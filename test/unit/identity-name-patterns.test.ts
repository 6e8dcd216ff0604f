/**
 * Name patterns of intermediate signers: the matcher's cost is bounded by the
 * lengths of name and pattern whatever the stars (counted in comparisons, not
 * timed), and a signer's pattern count and pattern length are bounded both
 * when it is issued and when its certificate arrives from elsewhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_NAME_PATTERN_BYTES,
  MAX_NAME_PATTERNS,
  SIGNATURE_BYTES,
  decodeCertificate,
  encodeCertificate,
  issueIntermediate,
  validateNamePatternList,
} from '../../src/identity/index.js';
import { checkSignerConstraints } from '../../src/identity/constraints.js';
import { matchNamePattern } from '../../src/identity/name-glob.js';
import { DecodeError, ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { NOW, keyFromSeed, makeCa, makeIntermediate, makeNode } from './identity-fixtures.js';

const LONGEST_NAME = 63;
const TWENTY_STARS = 20;
/** (63 + 1) × (63 + 1): the most comparisons any name/pattern pair of legal length may cost. */
const STEP_BOUND = (LONGEST_NAME + 1) * (MAX_NAME_PATTERN_BYTES + 1);

const stars = (p: string): number => p.split('*').length - 1;

/** Shapes that make a backtracking matcher try every way to split the name between the stars. */
const ADVERSARIAL: Array<[name: string, pattern: string]> = [
  ['a'.repeat(LONGEST_NAME), `${'a*'.repeat(TWENTY_STARS)}b`],
  ['a'.repeat(LONGEST_NAME), `${'*'.repeat(TWENTY_STARS)}b`],
  [`${'a'.repeat(LONGEST_NAME - 1)}c`, `a${'*a'.repeat(TWENTY_STARS)}`],
  [`${'a'.repeat(LONGEST_NAME - 1)}c`, `a${'*ab'.repeat(TWENTY_STARS - 1)}*c`],
  [`${'ab'.repeat(31)}c`, `${'ab*'.repeat(TWENTY_STARS)}b`],
];

test('a pattern of 20 stars against a 63-character name that does not match costs a bounded number of comparisons', () => {
  for (const [name, pattern] of ADVERSARIAL) {
    assert.equal(name.length, LONGEST_NAME);
    assert.equal(stars(pattern), TWENTY_STARS, pattern);
    assert.ok(pattern.length <= MAX_NAME_PATTERN_BYTES, pattern);
    const { matched, steps } = matchNamePattern(name, pattern);
    assert.equal(matched, false, pattern);
    assert.ok(steps <= STEP_BOUND, `${pattern}: ${steps} steps > ${STEP_BOUND}`);
  }
  // These shapes fail fast on the prefix/suffix test: a linear scan plus a few comparisons.
  assert.ok(matchNamePattern('a'.repeat(LONGEST_NAME), `${'a*'.repeat(TWENTY_STARS)}b`).steps <= LONGEST_NAME + 2);
});

test('random 20-star patterns of legal length stay under the bound against 63-character names', () => {
  const chars = fc.constantFrom('a', 'b', '-');
  const literal = fc.array(chars, { maxLength: 2 }).map((cs) => cs.join(''));
  const twentyStarPattern = fc.array(literal, { minLength: TWENTY_STARS + 1, maxLength: TWENTY_STARS + 1 }).map((parts) => parts.join('*'));
  const name = fc.array(chars, { minLength: LONGEST_NAME, maxLength: LONGEST_NAME }).map((cs) => cs.join(''));
  fc.assert(fc.property(name, twentyStarPattern.filter((p) => p.length <= MAX_NAME_PATTERN_BYTES), (n, p) => {
    const { steps } = matchNamePattern(n, p);
    assert.ok(steps <= STEP_BOUND, `'${n}' ~ '${p}': ${steps} steps`);
  }), { numRuns: 5_000 });
});

test('a signer limited by a 20-star pattern still refuses names outside it, at issue and at verification', () => {
  const ca = makeCa();
  const pattern = `web${'-*'.repeat(TWENTY_STARS)}`;
  const mid = makeIntermediate(ca, 2, { namePatterns: [pattern] });
  assert.equal(makeNode(mid, 3, `web${'-x'.repeat(TWENTY_STARS)}`).cert.name.length, 43);
  assert.throws(() => makeNode(mid, 4, `db${'-x'.repeat(30)}`), (err: unknown) => isSkeinError(err, ErrorCodes.CERT_CONSTRAINT));
  assert.throws(() => checkSignerConstraints(mid.certificate, `web${'-x'.repeat(19)}`, []), (err: unknown) => isSkeinError(err, ErrorCodes.CERT_CONSTRAINT));
});

function manyPatterns(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `p${String(i).padStart(2, '0')}-*`);
}

function issueWith(namePatterns: string[]) {
  const ca = makeCa();
  return issueIntermediate(ca, { publicKey: keyFromSeed(2).signing.publicKey, name: 'edge', nowMs: NOW, days: 30, constraints: { namePatterns } });
}

test('issuing refuses more patterns than a signer may hold, and patterns longer than the limit, naming the limit', () => {
  const longest = `${'a'.repeat(MAX_NAME_PATTERN_BYTES - 1)}*`;
  const full = issueWith([...manyPatterns(MAX_NAME_PATTERNS - 1), longest]);
  assert.equal(full.constraints?.namePatterns?.length, MAX_NAME_PATTERNS);
  assert.deepEqual(decodeCertificate(encodeCertificate(full)).constraints, full.constraints);

  assert.throws(() => issueWith(manyPatterns(MAX_NAME_PATTERNS + 1)), (err: unknown) =>
    isSkeinError(err, ErrorCodes.USAGE) && err.message.includes(`at most ${MAX_NAME_PATTERNS} name patterns`) && err.message.includes('got 17'));
  assert.throws(() => issueWith([`${longest}b`]), (err: unknown) =>
    isSkeinError(err, ErrorCodes.INVALID_NAME) && err.message.includes(`at most ${MAX_NAME_PATTERN_BYTES} characters`));
  // Duplicates count once: the certificate holds the set.
  assert.deepEqual(validateNamePatternList([...manyPatterns(MAX_NAME_PATTERNS), 'p00-*']), manyPatterns(MAX_NAME_PATTERNS));
});

/**
 * An intermediate certificate as another issuer might have encoded it: the
 * valid bytes up to the pattern list, then `entries` (each a length byte and
 * its characters, the count byte first), then a signature-sized tail. The
 * decoder must refuse the list before it reaches the signature.
 */
function foreignIntermediate(entries: Array<{ declaredLength?: number; text: string }>): Uint8Array {
  const valid = encodeCertificate(issueWith(['a*']));
  const prefix = valid.slice(0, valid.byteLength - SIGNATURE_BYTES - (1 + 1 + 'a*'.length));
  const list = [entries.length];
  for (const e of entries) list.push(e.declaredLength ?? e.text.length, ...new TextEncoder().encode(e.text));
  return new Uint8Array([...prefix, ...list, ...new Uint8Array(SIGNATURE_BYTES)]);
}

test('decoding refuses a certificate from elsewhere with too many patterns or a pattern too long', () => {
  // The splice itself is sound: within the limits the bytes decode (the signature is checked later, by verification).
  const within = decodeCertificate(foreignIntermediate(manyPatterns(MAX_NAME_PATTERNS).map((text) => ({ text }))));
  assert.equal(within.constraints?.namePatterns?.length, MAX_NAME_PATTERNS);

  const tooMany = foreignIntermediate(manyPatterns(MAX_NAME_PATTERNS + 1).map((text) => ({ text })));
  assert.throws(() => decodeCertificate(tooMany), (err: unknown) =>
    err instanceof DecodeError && err.message.includes(`too many name patterns (${MAX_NAME_PATTERNS + 1} > ${MAX_NAME_PATTERNS})`));

  const tooLong = foreignIntermediate([{ text: `${'a'.repeat(MAX_NAME_PATTERN_BYTES)}*` }]);
  assert.throws(() => decodeCertificate(tooLong), (err: unknown) =>
    err instanceof DecodeError && err.message.includes(`name patterns too long (${MAX_NAME_PATTERN_BYTES + 1} > ${MAX_NAME_PATTERN_BYTES})`));
});
