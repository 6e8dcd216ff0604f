/**
 * The handshake library and our transport cipher against the published Noise
 * test vectors (cacophony, Noise_XX_25519_ChaChaPoly_BLAKE2b): same keys in,
 * byte-identical messages, handshake hash and transport ciphertexts out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Noise from 'noise-handshake';
import { NoiseXX, NOISE_PROTOCOL_NAME } from '../../src/crypto/noise.js';
import { TransportReceiver, TransportSender } from '../../src/crypto/transport.js';
import { fromHex, toHex } from '../../src/codec/codec.js';
import { blake2b } from '../../src/crypto/primitives.js';
import { vectorKeyPair } from '../helpers/noise-keys.js';

const VECTOR = {
  protocol_name: 'Noise_XX_25519_ChaChaPoly_BLAKE2b',
  prologue: '4a6f686e2047616c74',
  init_static: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  init_ephemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  resp_static: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  resp_ephemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  // Some copies of cacophony.txt list 5d255b0a… here (an older convention); the spec's h, recomputed
  // below from the message bytes, and independent implementations give this value.
  handshake_hash: '8cf47d7b3cb5804c0109d48e8bcdbee2cbb65687d8ea2c92994ca361fb86151ad93627b98936cbb32de56e8abb21def3925011ac3e35db9cbeea73ab9a4392c2',
  messages: [
    ['4c756477696720766f6e204d69736573', 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573'],
    ['4d757272617920526f746862617264', '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f1448088430505b6745ce64a5f33f0e8e3b83f11ce8802bca507f4f2d8b564dbe277e1966116e132faa2dfd70b8b077b9f94b913df5056ae1319469b824a98d54bbaa82c325595587064f978c4b6d104f7596e6f'],
    ['462e20412e20486179656b', '99579e1c1ee15e422a57ddd6b16d37087b17558e8369c18991b4b2ca3a824abf904cdcf5458b5431a75af034ca9e9b982de039eaaf156775e2d580cd4e5ebae89c3f8cb2594b556d8a8169'],
    ['4361726c204d656e676572', 'fc56eea290b3f3a21aac0c70cd5787b5ee99be37d2f4d751329b55'],
    ['4a65616e2d426170746973746520536179', 'bb31c9da10d5639a4cdb88a12f5c61de41bbc7df09bf75d94f8184fe4157f5c68f'],
    ['457567656e2042f6686d20766f6e2042617765726b', 'f6199cadb152fb27f82be0a0891ec76a33598ae92a46cab2fb5a8ed5bf48b7f267f8370af7'],
  ],
} as const;

/** h per the Noise spec: MixHash over the prologue and every handshake token/ciphertext, in order. */
function specHandshakeHash(prologue: Uint8Array, [m0, m1, m2]: Uint8Array[]): Uint8Array {
  let h: Uint8Array = new Uint8Array(64);
  h.set(new TextEncoder().encode(VECTOR.protocol_name));
  const parts = [
    prologue,
    m0!.subarray(0, 32), m0!.subarray(32), // e, plaintext payload
    m1!.subarray(0, 32), m1!.subarray(32, 80), m1!.subarray(80), // e, encrypted s, encrypted payload
    m2!.subarray(0, 48), m2!.subarray(48), // encrypted s, encrypted payload
  ];
  for (const part of parts) h = blake2b(64, h, part);
  return h;
}

function message(i: number): { payload: Buffer; ciphertext: string } {
  const m = VECTOR.messages[i]!;
  return { payload: Buffer.from(fromHex(m[0])), ciphertext: m[1] };
}

test('noise-handshake reproduces the Noise_XX_25519_ChaChaPoly_BLAKE2b test vector; our transport matches its transport messages', () => {
  assert.equal(NOISE_PROTOCOL_NAME, VECTOR.protocol_name);
  const prologue = Buffer.from(fromHex(VECTOR.prologue));
  const i = new Noise('XX', true, vectorKeyPair(VECTOR.init_static));
  const r = new Noise('XX', false, vectorKeyPair(VECTOR.resp_static));
  i.initialise(prologue);
  r.initialise(prologue);
  i.e = vectorKeyPair(VECTOR.init_ephemeral);
  r.e = vectorKeyPair(VECTOR.resp_ephemeral);

  // recv() copies: noise-handshake zeroes the peer's ephemeral key in place (a view into its input) at the end.
  const m0 = i.send(message(0).payload);
  assert.equal(toHex(m0), message(0).ciphertext);
  assert.equal(toHex(r.recv(Buffer.from(m0))), toHex(message(0).payload));
  const m1 = r.send(message(1).payload);
  assert.equal(toHex(m1), message(1).ciphertext);
  assert.equal(toHex(i.recv(Buffer.from(m1))), toHex(message(1).payload));
  const m2 = i.send(message(2).payload);
  assert.equal(toHex(m2), message(2).ciphertext);
  assert.equal(toHex(r.recv(Buffer.from(m2))), toHex(message(2).payload));
  assert.ok(i.complete && r.complete);
  assert.equal(toHex(i.hash), VECTOR.handshake_hash);
  assert.equal(toHex(r.hash), VECTOR.handshake_hash);
  assert.equal(toHex(specHandshakeHash(prologue, [m0, m1, m2])), VECTOR.handshake_hash);

  // Transport messages alternate, starting with the responder.
  const rSend = new TransportSender(r.tx);
  const iRecv = new TransportReceiver(i.rx);
  const iSend = new TransportSender(i.tx);
  const rRecv = new TransportReceiver(r.rx);
  for (const idx of [3, 5]) {
    const ct = rSend.seal(message(idx).payload);
    assert.equal(toHex(ct), message(idx).ciphertext, `transport message ${idx}`);
    assert.equal(toHex(iRecv.open(ct)), toHex(message(idx).payload));
  }
  const ct4 = iSend.seal(message(4).payload);
  assert.equal(toHex(ct4), message(4).ciphertext, 'transport message 4');
  assert.equal(toHex(rRecv.open(ct4)), toHex(message(4).payload));
});

test('our NoiseXX wrapper sends exactly what the library sends for the same keys', () => {
  const prologue = Buffer.from(fromHex(VECTOR.prologue));
  const payload = message(1).payload;
  const ours = new NoiseXX<true>({
    role: 'responder', staticKeyPair: vectorKeyPair(VECTOR.resp_static), prologue, payload,
    authenticate: () => true, testOnlyEphemeral: vectorKeyPair(VECTOR.resp_ephemeral),
  });
  const ref = new Noise('XX', false, vectorKeyPair(VECTOR.resp_static));
  ref.initialise(prologue);
  ref.e = vectorKeyPair(VECTOR.resp_ephemeral);
  const initiator = new Noise('XX', true, vectorKeyPair(VECTOR.init_static));
  initiator.initialise(prologue);
  initiator.e = vectorKeyPair(VECTOR.init_ephemeral);
  const msg1 = initiator.send();
  ours.start();
  ref.recv(Buffer.from(msg1));
  const oursMsg2 = ours.receive(msg1).send!;
  assert.equal(toHex(oursMsg2), toHex(ref.send(payload)));
});
