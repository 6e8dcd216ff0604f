/**
 * Every identity decoder, fed random, truncated and mutated input, either
 * returns a value that re-encodes to exactly the input (the formats are
 * canonical) or throws DecodeError — never anything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  armor,
  decodeCertificate,
  decodeChain,
  decodePrivateKey,
  decodePublicKey,
  decodeRevocationList,
  encodeCertificate,
  encodeChain,
  encodePrivateKey,
  encodePublicKey,
  encodeRevocationList,
  issueRevocationList,
  parseArmor,
  verifyNodeChain,
} from '../../src/identity/index.js';
import { DecodeError, isSkeinError } from '../../src/util/errors.js';
import { NOW, keyFromSeed, makeCa, makeIntermediate, makeNode, trustOf } from '../unit/identity-fixtures.js';

const RUNS = 10_000;

const ca = makeCa();
const mid = makeIntermediate(ca, 2, { namePatterns: ['web-*'], groups: ['web'] });
const node = makeNode(mid, 3, 'web-1', { groups: ['web'] });
const key = keyFromSeed(4);
const crl = issueRevocationList(ca, { previous: null, revoke: [key.id, node.key.id, mid.key.id], nowMs: NOW });

/** Random bytes; a valid encoding cut short; a valid encoding with a few bytes replaced or a tail added. */
function inputsAround(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = valid.byteLength;
  return fc.oneof(
    fc.uint8Array({ maxLength: 2 * n }),
    fc.nat({ max: n - 1 }).map((len) => valid.slice(0, len)),
    fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
      const out = Uint8Array.from(valid);
      for (const [pos, v] of edits) out[pos] = v;
      return out;
    }),
    fc.uint8Array({ minLength: 1, maxLength: 16 }).map((tail) => new Uint8Array([...valid, ...tail])),
    fc.uint8Array({ maxLength: n }).map((rest) => new Uint8Array([valid[0] ?? 0, valid[1] ?? 0, ...rest])),
  );
}

function checkDecoder<T>(name: string, valid: Uint8Array, decode: (b: Uint8Array) => T, encode: (v: T) => Uint8Array): void {
  test(`${name}: ${RUNS} random, truncated and mutated inputs raise only DecodeError`, () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(inputsAround(valid), (input) => {
        let value: T;
        try {
          value = decode(input);
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          refused++;
          return;
        }
        accepted++;
        assert.deepEqual(encode(value), input, 'a decoded value must re-encode to its input');
      }),
      { numRuns: RUNS },
    );
    assert.equal(accepted + refused, RUNS);
    console.log(`${name}: ${RUNS} inputs, ${refused} refused with DecodeError, ${accepted} decoded and re-encoded identically`);
  });
}

checkDecoder('public key', encodePublicKey(key.signing.publicKey), decodePublicKey, encodePublicKey);
checkDecoder('private key', encodePrivateKey(key), decodePrivateKey, encodePrivateKey);
checkDecoder('certificate', encodeCertificate(mid.certificate), decodeCertificate, encodeCertificate);
checkDecoder('node certificate', encodeCertificate(node.cert), decodeCertificate, encodeCertificate);
checkDecoder('certificate chain', node.chainBytes, decodeChain, encodeChain);
checkDecoder('revocation list', encodeRevocationList(crl), decodeRevocationList, encodeRevocationList);

test(`armor: ${RUNS} random, truncated and mutated texts raise only DecodeError`, () => {
  const valid = armor(node.chainBytes, ['comment']) + armor(encodeRevocationList(crl));
  const text = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.nat({ max: valid.length - 1 }).map((len) => valid.slice(0, len)),
    fc.tuple(fc.nat({ max: valid.length - 1 }), fc.string({ minLength: 1, maxLength: 3 })).map(([pos, s]) => valid.slice(0, pos) + s + valid.slice(pos + 1)),
  );
  let refused = 0;
  fc.assert(
    fc.property(text, (input) => {
      try {
        parseArmor(input);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        refused++;
      }
    }),
    { numRuns: RUNS },
  );
  console.log(`armor: ${RUNS} texts, ${refused} refused with DecodeError`);
});

test(`verifyNodeChain: ${RUNS} random, truncated and mutated chains raise only certificate errors`, () => {
  const trust = trustOf(ca);
  const codes = new Map<string, number>();
  fc.assert(
    fc.property(inputsAround(node.chainBytes), (input) => {
      try {
        verifyNodeChain(input, trust, NOW);
        codes.set('valid', (codes.get('valid') ?? 0) + 1);
      } catch (err) {
        assert.ok(isSkeinError(err) && err.code.startsWith('SKEIN_ERR_CERT_'), `unexpected ${String(err)}`);
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      }
    }),
    { numRuns: RUNS },
  );
  console.log(`verifyNodeChain: ${[...codes].map(([c, n]) => `${c}=${n}`).join(' ')}`);
});
