/** Random and truncated bytes into the link message decoder: only DecodeError, ever. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type LinkMessage, decodeLinkMessage, encodeLinkMessage } from '../../src/wire/link-messages.js';
import { DecodeError } from '../../src/util/errors.js';
import { LINK_PROTOCOL_VERSION as V } from '../../src/wire/link-constants.js';

const RUNS = 10_000;

const message: fc.Arbitrary<LinkMessage> = fc.oneof(
  fc.record({ type: fc.constant('ping' as const), challenge: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  fc.record({ type: fc.constant('pong' as const), echo: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), challenge: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  fc.record({ type: fc.constant('echo' as const), echo: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  fc.record({ type: fc.constant('close' as const), code: fc.nat({ max: 255 }), text: fc.string({ maxLength: 60 }) }),
  fc.record({ type: fc.constant('payload' as const), channel: fc.nat({ max: 255 }), data: fc.uint8Array({ maxLength: 300 }) }),
);

function decodeOnlyDecodeError(bytes: Uint8Array): void {
  try {
    decodeLinkMessage(bytes);
  } catch (e) {
    assert.ok(e instanceof DecodeError, `unexpected ${String(e)}`);
  }
}

test(`link messages: ${RUNS} random byte strings raise only DecodeError`, () => {
  // Bias the first two bytes towards a valid version and type so the field decoders get exercised.
  const biased = fc.tuple(fc.constantFrom(V, V, V, V - 1, V + 1), fc.nat({ max: 9 }), fc.uint8Array({ maxLength: 80 }))
    .map(([v, t, rest]) => new Uint8Array([v, t, ...rest]));
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), biased), decodeOnlyDecodeError), { numRuns: RUNS });
});

test(`link messages: ${RUNS} round trips, and every truncation of each raises only DecodeError`, () => {
  fc.assert(fc.property(message, fc.nat(), (m, cut) => {
    const bytes = encodeLinkMessage(m);
    const back = decodeLinkMessage(bytes);
    assert.deepEqual(encodeLinkMessage(back), bytes);
    const truncated = bytes.subarray(0, cut % bytes.byteLength);
    if (m.type === 'payload' && truncated.byteLength >= 3) return; // a shorter payload is still a payload
    assert.throws(() => decodeLinkMessage(truncated), DecodeError);
  }), { numRuns: RUNS });
});
