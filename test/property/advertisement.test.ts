import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ADVERTISEMENT_MAX_BYTES, decodeAdvertisement, verifyAdvertisement } from '../../src/wire/advertisement.js';
import { DecodeError } from '../../src/util/errors.js';
import { advert, keyPair } from '../unit/discovery-fixtures.js';

const RUNS = 10_000;
const signed = advert(keyPair(3), { name: 'fuzz-node', counter: 42 });

/** Decoding must either succeed or throw DecodeError: never anything else. */
function decodesOrDecodeError(bytes: Uint8Array): void {
  try {
    decodeAdvertisement(bytes);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
  }
}

test(`${RUNS} random byte strings decode or throw only DecodeError`, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: ADVERTISEMENT_MAX_BYTES + 16 }), decodesOrDecodeError), { numRuns: RUNS });
});

test(`${RUNS} random bodies behind a valid magic and version decode or throw only DecodeError`, () => {
  const prefix = signed.subarray(0, 5);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: ADVERTISEMENT_MAX_BYTES }), (rest) => decodesOrDecodeError(new Uint8Array([...prefix, ...rest]))),
    { numRuns: RUNS },
  );
});

test('random valid fields round-trip and verify', () => {
  const kp = keyPair(4);
  const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/);
  fc.assert(
    fc.property(label, fc.integer({ min: 1, max: 65535 }), fc.nat(), fc.nat(), fc.uint8Array({ minLength: 8, maxLength: 8 }),
      (name, port, timestampMs, counter, instance) => {
        const d = decodeAdvertisement(advert(kp, { name, port, timestampMs, counter, instance }));
        assert.deepEqual([d.name, d.port, d.timestampMs, d.counter, [...d.instance]], [name, port, timestampMs, counter, [...instance]]);
        assert.equal(verifyAdvertisement(d), true);
      }),
    { numRuns: 500 },
  );
});

test(`${RUNS} truncated or extended signed advertisements throw only DecodeError`, () => {
  fc.assert(
    fc.property(fc.nat(signed.byteLength - 1), fc.uint8Array({ maxLength: 8 }), (cut, tail) => {
      assert.throws(() => decodeAdvertisement(signed.subarray(0, cut)), DecodeError);
      if (tail.byteLength > 0) assert.throws(() => decodeAdvertisement(new Uint8Array([...signed, ...tail])), DecodeError);
    }),
    { numRuns: RUNS },
  );
});

test(`${RUNS} random mutations of a signed advertisement: only DecodeError, never a valid signature`, () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(signed.byteLength - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
      const bytes = signed.slice();
      for (const [i, x] of edits) bytes[i]! ^= x;
      if (bytes.every((b, i) => b === signed[i])) return; // edits cancelled out
      try {
        assert.equal(verifyAdvertisement(decodeAdvertisement(bytes)), false);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    }),
    { numRuns: RUNS },
  );
});

test('every single-byte change (all positions, all 255 values) fails decoding or verification', () => {
  assert.equal(verifyAdvertisement(decodeAdvertisement(signed)), true);
  let decodeErrors = 0;
  let badSignatures = 0;
  for (let i = 0; i < signed.byteLength; i++) {
    for (let x = 1; x <= 255; x++) {
      const bytes = signed.slice();
      bytes[i]! ^= x;
      let ok: boolean;
      try {
        ok = verifyAdvertisement(decodeAdvertisement(bytes));
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        decodeErrors++;
        continue;
      }
      assert.equal(ok, false, `byte ${i} ^ ${x} still verifies`);
      badSignatures++;
    }
  }
  assert.equal(decodeErrors + badSignatures, signed.byteLength * 255);
});
