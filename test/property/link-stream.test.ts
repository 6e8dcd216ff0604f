/**
 * Whole-channel properties over an in-memory connection with a relay in the
 * middle that re-chunks the byte stream arbitrarily (down to single bytes)
 * and may flip one byte anywhere:
 *   - without corruption, every message arrives exactly, in order;
 *   - with corruption, what arrives is an exact prefix of what was sent and
 *     the link closes, at once or by its handshake or silence timer (never
 *     a wrong message, never a crash).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SecureChannel } from '../../src/link/channel.js';
import { MemoryDuplex } from '../../src/link/memory-duplex.js';
import { ManualClock } from '../../src/util/clock.js';
import { ALICE, BOB, handshakeOptions } from '../unit/link-fixtures.js';

const RUNS = 300;

async function settle(rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Forward `from`'s bytes to `to` in chunks of `chunk`, flipping stream byte `corruptAt` (if any). */
function relay(from: MemoryDuplex, to: MemoryDuplex, chunk: number, corruptAt: number | null): void {
  let offset = 0;
  from.on('data', (data: Buffer) => {
    const copy = Buffer.from(data);
    if (corruptAt !== null && corruptAt >= offset && corruptAt < offset + copy.byteLength) copy[corruptAt - offset]! ^= 0x20;
    offset += copy.byteLength;
    for (let at = 0; at < copy.byteLength; at += chunk) to.write(copy.subarray(at, at + chunk));
  });
  from.on('end', () => to.end());
}

test(`channel stream: ${RUNS} random message sets, chunkings and single-byte corruptions`, async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 15 }),
    fc.integer({ min: 1, max: 700 }),
    fc.option(fc.nat({ max: 3000 }), { nil: null }),
    async (messages, chunk, corruptOffset) => {
      const clock = new ManualClock();
      const [aStream, relayA] = MemoryDuplex.pair();
      const [relayB, bStream] = MemoryDuplex.pair();
      const a = new SecureChannel(aStream, { ...handshakeOptions(ALICE, 'initiator', { responderStaticKey: BOB.staticKeyPair.publicKey }), clock });
      const b = new SecureChannel(bStream, { ...handshakeOptions(BOB, 'responder'), clock });
      relay(relayB, relayA, chunk, null); // b -> a untouched
      // a -> b: the handshake is ~330 bytes; the corruption lands in the handshake or in the messages.
      relay(relayA, relayB, chunk, corruptOffset);
      const got: Uint8Array[] = [];
      b.on('message', (_c, d) => got.push(new Uint8Array(d)));
      await settle(12);
      if (a.state === 'open') for (const m of messages) a.send(1, m);
      await settle(12);
      // What arrived is always an exact prefix of what was sent.
      assert.ok(got.length <= messages.length);
      got.forEach((m, i) => assert.deepEqual(m, messages[i]));
      if (corruptOffset === null) {
        assert.equal(got.length, messages.length, 'an untouched stream delivers everything');
        assert.equal(b.state, 'open');
      } else if (got.length < messages.length) {
        // A corrupted length may leave b waiting for bytes that never come: its timers end that.
        if (b.state !== 'closed') clock.advance(5_000);
        await settle(2);
        assert.equal(b.state, 'closed', 'a corrupted link closes');
      }
      a.close();
      b.close();
    }), { numRuns: RUNS });
});
