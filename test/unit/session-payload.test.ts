import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { MAX_SESSION_PLAINTEXT_BYTES } from '../../src/wire/packet-constants.js';
import {
  MAX_DATAGRAM_BYTES,
  MAX_ECHO_PADDING_BYTES,
  type SessionPayload,
  decodeSessionPayload,
  echoReplyFor,
  encodeSessionPayload,
  hopsTravelled,
} from '../../src/wire/session-payload.js';
import { caught } from './session-fixtures.js';

const samples: SessionPayload[] = [
  { kind: 'echo-request', id: 7, seq: 1, sentAtMicros: 1_700_000_000_000_000, hopLimit: 64, padding: new Uint8Array([1, 2, 3]) },
  { kind: 'echo-reply', id: 7, seq: 1, sentAtMicros: 5, requestHops: 3, hopLimit: 64, padding: new Uint8Array(0) },
  { kind: 'datagram', port: 4242, data: new TextEncoder().encode('hi') },
  { kind: 'datagram', port: 0, data: new Uint8Array(0) },
  { kind: 'ip', packet: new Uint8Array([0x60, 0, 0, 0]) },
];

test('session payloads round-trip, kind byte first', () => {
  for (const p of samples) {
    const bytes = encodeSessionPayload(p);
    assert.equal(bytes[0], { 'echo-request': 1, 'echo-reply': 2, datagram: 3, ip: 4 }[p.kind]);
    const back = decodeSessionPayload(bytes);
    assert.deepEqual(encodeSessionPayload(back), bytes);
    assert.equal(back.kind, p.kind);
  }
});

test('size limits: the largest datagram and echo fit one DATA packet; one more byte does not', () => {
  const big: SessionPayload = { kind: 'datagram', port: 1, data: new Uint8Array(MAX_DATAGRAM_BYTES) };
  assert.equal(encodeSessionPayload(big).byteLength, MAX_SESSION_PLAINTEXT_BYTES);
  assert.ok(isSkeinError(caught(() => encodeSessionPayload({ ...big, data: new Uint8Array(MAX_DATAGRAM_BYTES + 1) })), ErrorCodes.ENCODE));
  const request = { kind: 'echo-request', id: 1, seq: 1, sentAtMicros: 0, hopLimit: 64, padding: new Uint8Array(MAX_ECHO_PADDING_BYTES) } as const;
  const reply = echoReplyFor(decodeSessionPayload(encodeSessionPayload(request)) as typeof request, 60, 64);
  assert.equal(reply.byteLength, MAX_SESSION_PLAINTEXT_BYTES);
  assert.ok(isSkeinError(caught(() => encodeSessionPayload({ ...request, padding: new Uint8Array(MAX_ECHO_PADDING_BYTES + 1) })), ErrorCodes.ENCODE));
  const tooLong = new Uint8Array(1 + 2 + 4 + 8 + 1 + MAX_ECHO_PADDING_BYTES + 1);
  tooLong[0] = 1;
  assert.throws(() => decodeSessionPayload(tooLong), DecodeError);
});

test('malformed payloads are DecodeErrors', () => {
  for (const bad of [[], [0], [9], [1, 0, 1], [2, 0, 1, 0, 0, 0, 1], [3, 1], [4]]) {
    assert.throws(() => decodeSessionPayload(new Uint8Array(bad)), DecodeError, JSON.stringify(bad));
  }
});

test('echo: hops counted the way the forwarding plane decrements, echoed back with the padding', () => {
  assert.equal(hopsTravelled(64, 64), 1, 'a direct neighbour');
  assert.equal(hopsTravelled(64, 62), 3, 'two relays');
  const request = samples[0]!;
  assert.equal(request.kind, 'echo-request');
  const reply = decodeSessionPayload(echoReplyFor(request as Extract<SessionPayload, { kind: 'echo-request' }>, 62, 64));
  assert.deepEqual({ ...reply, padding: [...(reply as { padding: Uint8Array }).padding] }, {
    kind: 'echo-reply', id: 7, seq: 1, sentAtMicros: 1_700_000_000_000_000, requestHops: 3, hopLimit: 64, padding: [1, 2, 3],
  });
});
