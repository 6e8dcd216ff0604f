import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type LinkMessage, decodeLinkMessage, encodeClose, encodeEcho, encodeLinkMessage, encodePayload, encodePing, encodePong, truncateUtf8,
} from '../../src/wire/link-messages.js';
import { DecodeError, ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { LINK_CLOSE_TEXT_MAX_BYTES, LINK_PAYLOAD_MAX_BYTES, LINK_PROTOCOL_VERSION as V, LinkCloseCode } from '../../src/wire/link-constants.js';

const samples: LinkMessage[] = [
  { type: 'ping', challenge: 0n },
  { type: 'ping', challenge: 0xffff_ffff_ffff_ffffn },
  { type: 'pong', echo: 42n, challenge: 0x0123_4567_89ab_cdefn },
  { type: 'echo', echo: 0xfedc_ba98_7654_3210n },
  { type: 'close', code: LinkCloseCode.SHUTDOWN, text: 'node stopping' },
  { type: 'close', code: 255, text: '' },
  { type: 'payload', channel: 0, data: new Uint8Array(0) },
  { type: 'payload', channel: 255, data: new Uint8Array(LINK_PAYLOAD_MAX_BYTES).fill(9) },
];

test('link messages: every type round-trips', () => {
  for (const m of samples) {
    const decoded = decodeLinkMessage(encodeLinkMessage(m));
    if (m.type === 'payload' && decoded.type === 'payload') {
      assert.equal(decoded.channel, m.channel);
      assert.deepEqual(Buffer.from(decoded.data), Buffer.from(m.data));
    } else {
      assert.deepEqual(decoded, m);
    }
  }
});

test('link messages: fixed layouts (version, type, big-endian fields)', () => {
  assert.deepEqual([...encodePing({ challenge: 0x0102n })], [V, 5, 0, 0, 0, 0, 0, 0, 1, 2]);
  assert.deepEqual([...encodePong({ echo: 1n, challenge: 2n })], [V, 6, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
  assert.deepEqual([...encodeEcho({ echo: 3n })], [V, 7, 0, 0, 0, 0, 0, 0, 0, 3]);
  assert.deepEqual([...encodePayload(7, new Uint8Array([0xaa]))], [V, 4, 7, 0xaa]);
  assert.deepEqual([...encodeClose({ code: 3, text: 'x' })], [V, 3, 3, 1, 0x78]);
});

test('link messages: unknown version or type, truncation and trailing bytes are DecodeErrors', () => {
  const ping = encodePing({ challenge: 2n });
  const bad = [
    new Uint8Array([V, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]), // version 2's PING layout, retired type
    new Uint8Array([V, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]), // version 2's PONG
    encodePong({ echo: 1n, challenge: 2n }).subarray(0, 10), // a PONG cut to a PING's length
    new Uint8Array(0),
    new Uint8Array([V]),
    new Uint8Array([V + 1, 5, ...ping.subarray(2)]),
    new Uint8Array([V - 1, 5, ...ping.subarray(2)]),
    new Uint8Array([V, 9]),
    new Uint8Array([V, 0]),
    ping.subarray(0, ping.byteLength - 1),
    new Uint8Array([...ping, 0]),
    new Uint8Array([V, 3, 0, 5, 0x61]), // close text claims 5 bytes, has 1
    new Uint8Array([V, 3, 0, 2, 0xc3, 0x28]), // invalid UTF-8
    new Uint8Array([V, 4]), // payload without channel
  ];
  for (const b of bad) assert.throws(() => decodeLinkMessage(b), DecodeError, `bytes ${[...b]}`);
  const huge = new Uint8Array(3 + LINK_PAYLOAD_MAX_BYTES + 1);
  huge.set([V, 4, 0]);
  assert.throws(() => decodeLinkMessage(huge), DecodeError);
});

test('link messages: encoders refuse out-of-range fields', () => {
  assert.throws(() => encodePayload(256, new Uint8Array(1)), (e) => isSkeinError(e, ErrorCodes.ENCODE));
  assert.throws(() => encodePayload(0, new Uint8Array(LINK_PAYLOAD_MAX_BYTES + 1)), (e) => isSkeinError(e, ErrorCodes.ENCODE));
  assert.throws(() => encodePing({ challenge: 2n ** 64n }), (e) => isSkeinError(e, ErrorCodes.ENCODE));
  assert.throws(() => encodeEcho({ echo: -1n }), (e) => isSkeinError(e, ErrorCodes.ENCODE));
});

test('link messages: close text is cut to the limit on a character boundary', () => {
  const long = 'é'.repeat(LINK_CLOSE_TEXT_MAX_BYTES); // 2 bytes each
  const m = decodeLinkMessage(encodeClose({ code: 0, text: long }));
  assert.equal(m.type, 'close');
  if (m.type === 'close') assert.equal(m.text, 'é'.repeat(LINK_CLOSE_TEXT_MAX_BYTES / 2));
  assert.equal(truncateUtf8('a€b', 3), 'a');
  assert.equal(truncateUtf8('abc', 3), 'abc');
});
