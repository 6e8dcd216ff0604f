import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import {
  DATA_MIN_BODY_BYTES,
  DEFAULT_HOP_LIMIT,
  MAX_PACKET_BYTES,
  MAX_PACKET_BODY_BYTES,
  MAX_SESSION_PLAINTEXT_BYTES,
  PACKET_HEADER_BYTES,
  PACKET_HOP_LIMIT_OFFSET,
  PACKET_INVARIANT_BYTES,
  PacketType,
  RESPONSE_BODY_BYTES,
  UNREACHABLE_QUOTE_MAX_BYTES,
  UnreachableReason,
} from '../../src/wire/packet-constants.js';
import {
  decrementHopLimit,
  destinationIdText,
  encodePacket,
  isDestination,
  isSource,
  probeKey,
  readHeader,
  sourceIdText,
} from '../../src/wire/packet.js';
import { decodeUnreachable, encodeUnreachableBody, quoteOf } from '../../src/wire/packet-unreachable.js';
import {
  decodeInitPayload,
  decodeResponse,
  decodeResponsePayload,
  encodeInitPayload,
  encodeResponseBody,
  encodeResponsePayload,
  readDataPrefix,
  writeDataPrefix,
} from '../../src/wire/session-messages.js';
import { LINK_PAYLOAD_MAX_BYTES } from '../../src/wire/link-constants.js';
import { toHex } from '../../src/codec/codec.js';
import { caught } from './session-fixtures.js';

const SRC = new Uint8Array(16).fill(0xaa);
const DST = new Uint8Array(16).fill(0xbb);

function dataPacket(bodyLength = DATA_MIN_BODY_BYTES, hopLimit = DEFAULT_HOP_LIMIT): Uint8Array {
  return encodePacket({ type: PacketType.DATA, hopLimit, source: SRC, destination: DST }, new Uint8Array(bodyLength).fill(7));
}

test('header layout: 36 bytes, version/type/flags/source/destination then the hop limit last', () => {
  const p = dataPacket();
  assert.equal(PACKET_HEADER_BYTES, 36);
  assert.equal(PACKET_INVARIANT_BYTES, 35);
  assert.equal(PACKET_HOP_LIMIT_OFFSET, 35);
  assert.deepEqual([...p.subarray(0, 3)], [1, PacketType.DATA, 0]);
  assert.equal(toHex(p.subarray(3, 19)), 'aa'.repeat(16));
  assert.equal(toHex(p.subarray(19, 35)), 'bb'.repeat(16));
  assert.equal(p[35], DEFAULT_HOP_LIMIT);
  const h = readHeader(p);
  assert.deepEqual(h, { type: PacketType.DATA, hopLimit: DEFAULT_HOP_LIMIT, bodyOffset: 36, bodyLength: DATA_MIN_BODY_BYTES });
  assert.equal(sourceIdText(p), 'aa'.repeat(16));
  assert.equal(destinationIdText(p), 'bb'.repeat(16));
  assert.ok(isDestination(p, DST) && !isDestination(p, SRC));
  assert.ok(isSource(p, SRC) && !isSource(p, DST));
});

test('a mesh packet fills at most one link payload; the session plaintext limit follows', () => {
  assert.equal(MAX_PACKET_BYTES, LINK_PAYLOAD_MAX_BYTES);
  assert.equal(MAX_SESSION_PLAINTEXT_BYTES, MAX_PACKET_BYTES - 36 - 12 - 16);
  assert.ok(MAX_SESSION_PLAINTEXT_BYTES >= 65_535 + 1, 'a whole 64 KiB IPv6 packet plus a type byte fits');
  readHeader(dataPacket(MAX_PACKET_BODY_BYTES));
  assert.throws(() => readHeader(new Uint8Array(MAX_PACKET_BYTES + 1)), DecodeError);
});

test('readHeader refuses short packets, other versions, unknown types, set flags and wrong body sizes', () => {
  const good = dataPacket();
  const variants: Array<[string, (p: Uint8Array) => Uint8Array]> = [
    ['short', (p) => p.subarray(0, 35)],
    ['version', (p) => { p[0] = 2; return p; }],
    ['type 0', (p) => { p[1] = 0; return p; }],
    ['type 99', (p) => { p[1] = 99; return p; }],
    ['flags', (p) => { p[2] = 1; return p; }],
    ['DATA body too short', (p) => p.subarray(0, p.byteLength - 1)],
    ['RESPONSE of DATA size', (p) => { p[1] = PacketType.HANDSHAKE_RESPONSE; return p; }],
  ];
  for (const [what, mutate] of variants) {
    assert.throws(() => readHeader(mutate(new Uint8Array(good))), DecodeError, what);
  }
});

test('decrementHopLimit works in place and stops at 0', () => {
  const p = dataPacket(DATA_MIN_BODY_BYTES, 2);
  assert.equal(decrementHopLimit(p), 1);
  assert.equal(readHeader(p).hopLimit, 1);
  assert.equal(decrementHopLimit(p), 0);
  assert.equal(decrementHopLimit(p), 0);
  assert.equal(p[35], 0);
});

test('encodePacket checks its fields', () => {
  const body = new Uint8Array(DATA_MIN_BODY_BYTES);
  const bad = [
    { type: PacketType.DATA, hopLimit: 256, source: SRC, destination: DST },
    { type: PacketType.DATA, hopLimit: -1, source: SRC, destination: DST },
    { type: PacketType.DATA, hopLimit: 1, source: SRC.subarray(1), destination: DST },
  ] as const;
  for (const f of bad) assert.ok(isSkeinError(caught(() => encodePacket(f, body)), ErrorCodes.ENCODE));
  assert.ok(isSkeinError(caught(() => encodePacket(bad[0], new Uint8Array(MAX_PACKET_BYTES))), ErrorCodes.ENCODE));
});

test('DATA prefix: receiver index and a 64-bit counter round-trip, beyond 2^53 is a DecodeError', () => {
  const p = dataPacket();
  for (const [index, counter] of [[0, 0], [0xffff_ffff, 1], [7, 2 ** 32 + 5], [123, Number.MAX_SAFE_INTEGER]] as const) {
    writeDataPrefix(p, index, counter);
    assert.deepEqual(readDataPrefix(p), { receiverIndex: index, counter });
  }
  p.fill(0xff, 40, 48);
  assert.throws(() => readDataPrefix(p), DecodeError);
});

test('init payload and response round-trip; chains are bounded', () => {
  const payload = { senderIndex: 0xdead_beef, timestamp: 1_700_000_000_000_123, chain: new Uint8Array(300).fill(3) };
  assert.deepEqual(decodeInitPayload(encodeInitPayload(payload)), payload);
  assert.ok(isSkeinError(caught(() => encodeInitPayload({ ...payload, chain: new Uint8Array(8193) })), ErrorCodes.ENCODE));
  assert.equal(decodeResponsePayload(encodeResponsePayload(42)), 42);
  const msg2 = new Uint8Array(RESPONSE_BODY_BYTES - 4).fill(9);
  const packet = encodePacket({ type: PacketType.HANDSHAKE_RESPONSE, hopLimit: 5, source: SRC, destination: DST }, encodeResponseBody(77, msg2));
  const r = decodeResponse(packet);
  assert.equal(r.receiverIndex, 77);
  assert.deepEqual([...r.message2], [...msg2]);
});

test('unreachable body round-trips; its quote is bounded and must hold a whole header', () => {
  const dropped = dataPacket(200);
  const quote = quoteOf(dropped);
  assert.equal(quote.byteLength, UNREACHABLE_QUOTE_MAX_BYTES);
  const sig = new Uint8Array(64).fill(5);
  const packet = encodePacket(
    { type: PacketType.UNREACHABLE, hopLimit: 64, source: DST, destination: SRC },
    encodeUnreachableBody(UnreachableReason.NO_ROUTE, quote, sig),
  );
  const body = decodeUnreachable(packet);
  assert.equal(body.reason, UnreachableReason.NO_ROUTE);
  assert.deepEqual([...body.quote], [...quote]);
  assert.deepEqual([...body.signature], [...sig]);
  assert.equal(probeKey(body.quote), probeKey(dropped));
  const bad = new Uint8Array(packet);
  bad[36] = 9; // unknown reason
  assert.throws(() => decodeUnreachable(bad), DecodeError);
  const shortQuote = new Uint8Array(packet);
  shortQuote[37] = 35;
  assert.throws(() => decodeUnreachable(shortQuote), DecodeError);
  assert.ok(isSkeinError(caught(() => encodeUnreachableBody(1, quote.subarray(0, 30), sig)), ErrorCodes.ENCODE));
});

test('probeKey names type, destination, receiver index and counter, ignoring the hop limit', () => {
  const a = dataPacket(64, 10);
  writeDataPrefix(a, 5, 1);
  const b = new Uint8Array(a);
  b[35] = 3;
  assert.equal(probeKey(a), probeKey(b));
  writeDataPrefix(b, 5, 2);
  assert.notEqual(probeKey(a), probeKey(b));
});
