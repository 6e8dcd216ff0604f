/** Random, biased and truncated bytes into every mesh packet decoder: only DecodeError, ever. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../src/util/errors.js';
import {
  BODY_BOUNDS,
  MESH_PACKET_VERSION,
  PACKET_HEADER_BYTES,
  PacketType,
  type PacketTypeNumber,
  UnreachableReason,
} from '../../src/wire/packet-constants.js';
import { encodePacket, readHeader } from '../../src/wire/packet.js';
import { decodeUnreachable, encodeUnreachableBody } from '../../src/wire/packet-unreachable.js';
import {
  decodeInit,
  decodeInitPayload,
  decodeResponse,
  decodeResponsePayload,
  encodeInitPayload,
  readDataPrefix,
} from '../../src/wire/session-messages.js';
import { decodeSessionPayload } from '../../src/wire/session-payload.js';

const RUNS = 10_000;

function onlyDecodeError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DecodeError, `unexpected ${String(e)}`);
  }
}

/** Bytes that start like a mesh packet (right version, a near-valid type, zero flags) to reach the deeper checks. */
const biasedPacket = fc
  .tuple(fc.constantFrom(MESH_PACKET_VERSION, MESH_PACKET_VERSION, MESH_PACKET_VERSION, 0, 2), fc.nat({ max: 6 }),
    fc.constantFrom(0, 0, 0, 1), fc.uint8Array({ minLength: 0, maxLength: 200 }))
  .map(([v, t, f, rest]) => new Uint8Array([v, t, f, ...rest]));

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), biasedPacket);

const decoders: Array<[string, (b: Uint8Array) => unknown]> = [
  ['readHeader', readHeader],
  ['decodeUnreachable', decodeUnreachable],
  ['decodeInit', decodeInit],
  ['decodeResponse', decodeResponse],
  ['decodeInitPayload', decodeInitPayload],
  ['decodeResponsePayload', decodeResponsePayload],
  ['readDataPrefix after readHeader', (b) => readHeader(b).type === PacketType.DATA && readDataPrefix(b)],
  ['decodeSessionPayload', decodeSessionPayload],
];

for (const [name, decode] of decoders) {
  test(`${name}: ${RUNS} random byte strings raise only DecodeError`, () => {
    fc.assert(fc.property(anyBytes, (b) => onlyDecodeError(() => decode(b))), { numRuns: RUNS });
  });
}

const id = fc.uint8Array({ minLength: 16, maxLength: 16 });
const type = fc.constantFrom(...(Object.values(PacketType) as PacketTypeNumber[]));

test(`mesh packets: ${RUNS} round trips through readHeader; every truncation is a DecodeError`, () => {
  const packet = fc.tuple(type, fc.nat({ max: 255 }), id, id, fc.nat({ max: 400 })).map(([t, hopLimit, source, destination, extra]) => {
    const [min, max] = BODY_BOUNDS[t];
    const length = Math.min(max, min + extra);
    return { t, hopLimit, bytes: encodePacket({ type: t, hopLimit, source, destination }, new Uint8Array(length).fill(0x5a)) };
  });
  fc.assert(fc.property(packet, fc.nat(), ({ t, hopLimit, bytes }, cut) => {
    const h = readHeader(bytes);
    assert.equal(h.type, t);
    assert.equal(h.hopLimit, hopLimit);
    assert.equal(h.bodyLength, bytes.byteLength - PACKET_HEADER_BYTES);
    const truncated = bytes.subarray(0, cut % bytes.byteLength);
    const [min] = BODY_BOUNDS[t];
    if (truncated.byteLength - PACKET_HEADER_BYTES >= min) return; // still a legal (shorter) body
    assert.throws(() => readHeader(truncated), DecodeError);
  }), { numRuns: RUNS });
});

test(`init payloads: ${RUNS} round trips; every truncation is a DecodeError`, () => {
  const payload = fc.record({ senderIndex: fc.nat({ max: 0xffff_ffff }), timestamp: fc.maxSafeNat(), chain: fc.uint8Array({ maxLength: 600 }) });
  fc.assert(fc.property(payload, fc.nat(), (p, cut) => {
    const bytes = encodeInitPayload(p);
    assert.deepEqual(decodeInitPayload(bytes), { ...p });
    assert.throws(() => decodeInitPayload(bytes.subarray(0, cut % bytes.byteLength)), DecodeError);
    assert.throws(() => decodeInitPayload(new Uint8Array([...bytes, 0])), DecodeError);
  }), { numRuns: RUNS });
});

test(`unreachables: ${RUNS} round trips; every truncation or extension is a DecodeError`, () => {
  const unreachable = fc.tuple(id, id, fc.constantFrom(UnreachableReason.NO_ROUTE, UnreachableReason.HOP_LIMIT_EXCEEDED),
    fc.uint8Array({ minLength: PACKET_HEADER_BYTES, maxLength: 64 }), fc.uint8Array({ minLength: 64, maxLength: 64 }));
  fc.assert(fc.property(unreachable, fc.nat(), ([source, destination, reason, quote, sig], cut) => {
    const bytes = encodePacket({ type: PacketType.UNREACHABLE, hopLimit: 64, source, destination }, encodeUnreachableBody(reason, quote, sig));
    const body = decodeUnreachable(bytes);
    assert.equal(body.reason, reason);
    assert.deepEqual([...body.quote], [...quote]);
    assert.deepEqual([...body.signature], [...sig]);
    assert.throws(() => decodeUnreachable(bytes.subarray(0, cut % bytes.byteLength)), DecodeError);
    assert.throws(() => decodeUnreachable(new Uint8Array([...bytes, 0])), DecodeError);
  }), { numRuns: RUNS });
});
