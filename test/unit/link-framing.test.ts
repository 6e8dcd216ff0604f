import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder, decodeFrames, encodeFrame } from '../../src/link/framing.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { bytesEqual } from '../../src/codec/codec.js';
import { MAX_FRAME_BYTES, MAX_HANDSHAKE_FRAME_BYTES } from '../../src/wire/link-constants.js';

const body = (n: number, fill = 7) => new Uint8Array(n).fill(fill);
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const tooLarge = (e: unknown) => isSkeinError(e, ErrorCodes.FRAME_TOO_LARGE);

test('frames: the maximums leave room for a 64 KiB payload, the handshake one is smaller', () => {
  assert.ok(MAX_FRAME_BYTES >= 65_536 + 16);
  assert.ok(MAX_HANDSHAKE_FRAME_BYTES < MAX_FRAME_BYTES);
});

test('frames: tiny chunks (every byte separately) give back exactly the frames sent', () => {
  const frames = [body(0), body(1, 1), body(300, 2), body(65_000, 3), body(5, 4)];
  const stream = concat(frames.map((f) => encodeFrame(f, MAX_FRAME_BYTES)));
  const d = new FrameDecoder(MAX_FRAME_BYTES);
  const out: Uint8Array[] = [];
  for (let i = 0; i < stream.byteLength; i++) {
    out.push(...decodeFrames(d, stream.subarray(i, i + 1)));
    assert.ok(d.bufferedBytes <= 4 + 65_000);
  }
  assert.equal(out.length, frames.length);
  frames.forEach((f, i) => assert.ok(bytesEqual(out[i]!, f), `frame ${i}`));
  assert.equal(d.bufferedBytes, 0);
});

test('frames: any chunking of any frames round-trips (property)', () => {
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 12 }),
    fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 }),
    (frames, cuts) => {
      const stream = concat(frames.map((f) => encodeFrame(f, 4096)));
      const d = new FrameDecoder(4096);
      const out: Uint8Array[] = [];
      let at = 0;
      for (let i = 0; at < stream.byteLength; i++) {
        const n = cuts[i % cuts.length]!;
        out.push(...decodeFrames(d, stream.subarray(at, at + n)));
        at += n;
      }
      assert.equal(out.length, frames.length);
      frames.forEach((f, i) => assert.ok(bytesEqual(out[i]!, f)));
    }), { numRuns: 1000 });
});

test('frames: an oversize length is refused as soon as its 4 bytes arrive, before any body', () => {
  const d = new FrameDecoder(1000);
  const header = new Uint8Array([0, 0, 0x03, 0xe9]); // 1001
  decodeFrames(d, header.subarray(0, 3));
  assert.throws(() => decodeFrames(d, header.subarray(3)), tooLarge);
  // 4 GiB - 1 claimed: refused, nothing allocated.
  assert.throws(() => decodeFrames(new FrameDecoder(1000), new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2])), tooLarge);
  // Exactly the maximum is fine.
  const ok = decodeFrames(new FrameDecoder(1000), encodeFrame(body(1000), 1000));
  assert.equal(ok[0]!.byteLength, 1000);
  assert.throws(() => encodeFrame(body(1001), 1000), tooLarge);
});

test('frames: the maximum can change between frames (handshake, then link)', () => {
  const big = encodeFrame(body(MAX_HANDSHAKE_FRAME_BYTES + 1), MAX_FRAME_BYTES);
  const small = encodeFrame(body(10), MAX_FRAME_BYTES);
  const d = new FrameDecoder(MAX_HANDSHAKE_FRAME_BYTES);
  d.push(concat([small, big]));
  assert.equal(d.next()!.byteLength, 10);
  d.setMaxFrameBytes(MAX_FRAME_BYTES);
  assert.equal(d.next()!.byteLength, MAX_HANDSHAKE_FRAME_BYTES + 1);
  const strict = new FrameDecoder(MAX_HANDSHAKE_FRAME_BYTES);
  assert.throws(() => decodeFrames(strict, big), tooLarge);
});

test('frames: pushing before the previous chunk is consumed is a programming error', () => {
  const d = new FrameDecoder(100);
  d.push(concat([encodeFrame(body(1), 100), encodeFrame(body(1), 100)]));
  d.next();
  assert.throws(() => d.push(body(1)), /before the previous chunk/);
});

test('frames: random bytes either decode or fail with FRAME_TOO_LARGE, never buffering beyond the bound', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
    const d = new FrameDecoder(256);
    try {
      for (let at = 0; at < bytes.byteLength; at += chunk) {
        decodeFrames(d, bytes.subarray(at, at + chunk));
        assert.ok(d.bufferedBytes <= 4 + 256);
      }
    } catch (e) {
      assert.ok(tooLarge(e), String(e));
    }
  }), { numRuns: 2000 });
});

test('frames: takeBuffered hands over the incomplete frame\'s wire bytes, so another decoder fed them and the rest sees the same frames', () => {
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 }),
    fc.integer({ min: 1, max: 64 }),
    fc.nat(),
    (bodies, chunk, cutSeed) => {
      const stream = concat(bodies.map((b) => encodeFrame(b, MAX_FRAME_BYTES)));
      const cut = cutSeed % (stream.byteLength + 1);
      const first = new FrameDecoder(MAX_FRAME_BYTES);
      const seen: Uint8Array[] = [];
      for (let at = 0; at < cut; at += chunk) seen.push(...decodeFrames(first, stream.subarray(at, Math.min(at + chunk, cut))));
      const taken = first.takeBuffered();
      assert.equal(first.bufferedBytes, 0);
      const second = new FrameDecoder(MAX_FRAME_BYTES);
      seen.push(...decodeFrames(second, concat([taken, stream.subarray(cut)])));
      assert.equal(seen.length, bodies.length);
      seen.forEach((f, i) => assert.ok(bytesEqual(f, bodies[i]!)));
    },
  ));
});
