/**
 * Changing any single byte of any signed object makes verification fail.
 * Every byte position of every object is visited; at each position the byte
 * is replaced by its complement, by a one-bit flip and by values fast-check
 * draws, so each position sees several different wrong values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildTrustAnchors,
  decodeCertificate,
  decodeRevocationList,
  encodeCertificate,
  encodeRevocationList,
  issueRevocationList,
  verifyNodeChain,
} from '../../src/identity/index.js';
import { isSkeinError } from '../../src/util/errors.js';
import { NOW, keyFromSeed, makeCa, makeIntermediate, makeNode, trustOf } from '../unit/identity-fixtures.js';

/** Random replacement values drawn per position, on top of the fixed ones. */
const RANDOM_VALUES_PER_POSITION = 12;

/** Calls `accepts` with every single-byte variant of `bytes`; returns how many variants were tried. */
function everySingleByteChange(bytes: Uint8Array, accepts: (changed: Uint8Array) => boolean): number {
  let tried = 0;
  for (let pos = 0; pos < bytes.byteLength; pos++) {
    const original = bytes[pos] as number;
    const fixed = [original ^ 0xff, original ^ 0x01, original ^ 0x80];
    const check = (value: number): boolean => {
      if (value === original) return true;
      const changed = Uint8Array.from(bytes);
      changed[pos] = value;
      tried++;
      return !accepts(changed);
    };
    for (const v of fixed) assert.ok(check(v), `accepted with byte ${pos} changed from ${original} to ${v}`);
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), check), { numRuns: RANDOM_VALUES_PER_POSITION });
  }
  return tried;
}

/** True when it verifies; any SkeinError counts as a refusal, anything else is a bug. */
function verifies(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (isSkeinError(err)) return false;
    throw err;
  }
}

const ca = makeCa('lab', 1);
const mid = makeIntermediate(ca, 2, { namePatterns: ['web-*'], groups: ['ops', 'web'] });
const direct = makeNode(ca, 3, 'db-1', { groups: ['db'] });
const viaMid = makeNode(mid, 4, 'web-1', { groups: ['web'] });
const trust = trustOf(ca);

test('every single-byte change of a CA-signed node chain fails verification', () => {
  assert.ok(verifies(() => verifyNodeChain(direct.chainBytes, trust, NOW)));
  const n = everySingleByteChange(direct.chainBytes, (b) => verifies(() => verifyNodeChain(b, trust, NOW)));
  console.log(`node chain: ${direct.chainBytes.byteLength} positions, ${n} changed chains refused`);
});

test('every single-byte change of a node + intermediate chain fails verification', () => {
  assert.ok(verifies(() => verifyNodeChain(viaMid.chainBytes, trust, NOW)));
  const n = everySingleByteChange(viaMid.chainBytes, (b) => verifies(() => verifyNodeChain(b, trust, NOW)));
  console.log(`intermediate chain: ${viaMid.chainBytes.byteLength} positions, ${n} changed chains refused`);
});

test('every single-byte change of a CA certificate makes it unusable as a trust anchor', () => {
  const bytes = encodeCertificate(ca.certificate);
  const n = everySingleByteChange(bytes, (b) => verifies(() => buildTrustAnchors([decodeCertificate(b)])));
  console.log(`CA certificate: ${bytes.byteLength} positions, ${n} changed certificates refused`);
});

test('every single-byte change of a revocation list makes it refused', () => {
  const crl = issueRevocationList(ca, { previous: null, revoke: [keyFromSeed(5).id, keyFromSeed(6).id], nowMs: NOW });
  const bytes = encodeRevocationList(crl);
  const n = everySingleByteChange(bytes, (b) => verifies(() => buildTrustAnchors([ca.certificate], [decodeRevocationList(b)])));
  console.log(`revocation list: ${bytes.byteLength} positions, ${n} changed lists refused`);
});
