/**
 * The IK handshake wrapper: against the published noise-c test vector for
 * Noise_IK_25519_ChaChaPoly_BLAKE2b (byte-identical messages, handshake
 * hash and first transport messages), then the failure paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NoiseIKInitiator, NoiseIKResponder, NOISE_IK_MSG1_OVERHEAD, NOISE_IK_MSG2_OVERHEAD } from '../../src/crypto/noise-ik.js';
import { ErrorCodes, SkeinError, isSkeinError } from '../../src/util/errors.js';
import { bytesEqual, fromHex, toHex } from '../../src/codec/codec.js';
import { aeadSeal } from '../../src/crypto/primitives.js';
import { BOB, ALICE } from './link-fixtures.js';
import { vectorKeyPair } from '../helpers/noise-keys.js';

// noise-c tests/vector/noise-c-basic.txt, Noise_IK_25519_ChaChaPoly_BLAKE2b.
const VECTOR = {
  prologue: '50726f6c6f677565313233',
  init_static: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  init_ephemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  init_remote_static: '31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62',
  resp_static: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  resp_ephemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  handshake_hash: '00e51d2aac81a9b8ebe441d6af3e1c8efc0f030cc608332edcb42588ff6a0ce26415ddc106e95277a5e6d54132f1e5245976b89caf96d262f1fe5a7f0c55c078',
  msg1: {
    payload: '4c756477696720766f6e204d69736573',
    ciphertext: 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944'
      + 'ba83a447b38c83e327ad936929812f624884847b7831e95e197b2f797088efdd232fe541af156ec6d0657602902a8c3e'
      + 'e64e470f4b6fcd9298ce0b56fe20f86e60d9d933ec6e103ffb09e6001d6abb64',
  },
  msg2: {
    payload: '4d757272617920526f746862617264',
    ciphertext: '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843'
      + '9f069b267a06b3de3ecb1043bcb09807c6cd101f3826192a65f11ef3fe4317',
  },
  transport: [
    { payload: '462e20412e20486179656b', ciphertext: 'cd54383060e7a28434cca27fb1cc524cfbabeb18181589df219d07' },
    { payload: '4361726c204d656e676572', ciphertext: 'a856d3bf0246bfc476c655009cd1ed677b8dcc5b349ae8ef2a05f2' },
  ],
} as const;

const ZERO_NONCE = new Uint8Array(12);

test('IK: reproduces the noise-c test vector byte for byte', () => {
  const prologue = fromHex(VECTOR.prologue);
  const responderStatic = vectorKeyPair(VECTOR.resp_static);
  assert.equal(toHex(responderStatic.publicKey), VECTOR.init_remote_static);
  const initiator = new NoiseIKInitiator({
    staticKeyPair: vectorKeyPair(VECTOR.init_static), remoteStatic: responderStatic.publicKey, prologue,
    payload: fromHex(VECTOR.msg1.payload), testOnlyEphemeral: vectorKeyPair(VECTOR.init_ephemeral),
  });
  const responder = new NoiseIKResponder({
    staticKeyPair: responderStatic, prologue, payload: fromHex(VECTOR.msg2.payload), testOnlyEphemeral: vectorKeyPair(VECTOR.resp_ephemeral),
    authenticate: (payload, remoteStatic) => ({ payload: toHex(payload), remoteStatic: toHex(remoteStatic) }),
  });
  const msg1 = initiator.start();
  assert.equal(toHex(msg1), VECTOR.msg1.ciphertext);
  const { send: msg2, result: r } = responder.receive(msg1);
  assert.equal(r.peer.payload, VECTOR.msg1.payload);
  assert.equal(r.peer.remoteStatic, toHex(vectorKeyPair(VECTOR.init_static).publicKey));
  assert.equal(toHex(msg2), VECTOR.msg2.ciphertext);
  const i = initiator.receive(msg2);
  assert.equal(toHex(i.remotePayload), VECTOR.msg2.payload);
  assert.equal(toHex(i.handshakeHash), VECTOR.handshake_hash);
  assert.equal(toHex(r.handshakeHash), VECTOR.handshake_hash);
  assert.equal(toHex(aeadSeal(i.sendKey, ZERO_NONCE, fromHex(VECTOR.transport[0].payload), null)), VECTOR.transport[0].ciphertext);
  assert.equal(toHex(aeadSeal(r.sendKey, ZERO_NONCE, fromHex(VECTOR.transport[1].payload), null)), VECTOR.transport[1].ciphertext);
  assert.ok(bytesEqual(i.sendKey, r.receiveKey) && bytesEqual(i.receiveKey, r.sendKey));
  assert.equal(initiator.state, 'complete');
  assert.equal(responder.state, 'complete');
});

interface Pair {
  initiator: NoiseIKInitiator;
  responder: NoiseIKResponder<string>;
}

function pair(overrides: { remoteStatic?: Uint8Array; prologue?: Uint8Array; authenticate?: (p: Uint8Array) => string } = {}): Pair {
  return {
    initiator: new NoiseIKInitiator({
      staticKeyPair: ALICE.staticKeyPair, remoteStatic: overrides.remoteStatic ?? BOB.staticKeyPair.publicKey,
      prologue: overrides.prologue ?? new Uint8Array([1, 2]), payload: new TextEncoder().encode('alice-cert'),
    }),
    responder: new NoiseIKResponder({
      staticKeyPair: BOB.staticKeyPair, prologue: new Uint8Array([1, 2]), payload: new Uint8Array([9, 9, 9, 9]),
      authenticate: overrides.authenticate ?? ((p) => new TextDecoder().decode(p)),
    }),
  };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SkeinError, `expected SkeinError, got ${String(err)}`);
    return err.code;
  }
  return undefined;
}

test('IK: message sizes are the fixed overheads plus the payloads', () => {
  const { initiator, responder } = pair();
  const msg1 = initiator.start();
  assert.equal(msg1.byteLength, NOISE_IK_MSG1_OVERHEAD + 'alice-cert'.length);
  const { send, result } = responder.receive(msg1);
  assert.equal(result.peer, 'alice-cert');
  assert.equal(send.byteLength, NOISE_IK_MSG2_OVERHEAD + 4);
  assert.deepEqual([...initiator.receive(send).remotePayload], [9, 9, 9, 9]);
});

test('IK: an initiator with the wrong responder key, or another prologue, cannot get through', () => {
  const wrongKey = pair({ remoteStatic: ALICE.staticKeyPair.publicKey });
  assert.equal(code(() => wrongKey.responder.receive(wrongKey.initiator.start())), ErrorCodes.HANDSHAKE);
  const wrongPrologue = pair({ prologue: new Uint8Array([1, 3]) });
  assert.equal(code(() => wrongPrologue.responder.receive(wrongPrologue.initiator.start())), ErrorCodes.HANDSHAKE);
  assert.equal(wrongPrologue.responder.state, 'failed');
});

test('IK: every flipped byte of either message fails the handshake', () => {
  for (let msg = 1; msg <= 2; msg++) {
    const probe = pair();
    const m1 = probe.initiator.start();
    const length = msg === 1 ? m1.byteLength : probe.responder.receive(m1).send.byteLength;
    for (let i = 0; i < length; i++) {
      const p = pair();
      const msg1 = p.initiator.start();
      if (msg === 1) {
        const bad = new Uint8Array(msg1);
        bad[i]! ^= 0x01;
        assert.equal(code(() => p.responder.receive(bad)), ErrorCodes.HANDSHAKE, `message 1 byte ${i}`);
      } else {
        const bad = new Uint8Array(p.responder.receive(msg1).send);
        bad[i]! ^= 0x01;
        assert.equal(code(() => p.initiator.receive(bad)), ErrorCodes.HANDSHAKE, `message 2 byte ${i}`);
      }
    }
  }
});

test('IK: the authenticator\'s SkeinError passes through and no response is written', () => {
  const p = pair({ authenticate: () => { throw new SkeinError(ErrorCodes.CERT_REVOKED, 'revoked'); } });
  assert.equal(code(() => p.responder.receive(p.initiator.start())), ErrorCodes.CERT_REVOKED);
  assert.equal(p.responder.state, 'failed');
  const q = pair({ authenticate: () => { throw new Error('boom'); } });
  assert.equal(code(() => q.responder.receive(q.initiator.start())), ErrorCodes.HANDSHAKE);
});

test('IK: illegal moves are refused; bad sizes are refused before any crypto', () => {
  const p = pair();
  assert.equal(code(() => p.initiator.receive(new Uint8Array(48))), ErrorCodes.HANDSHAKE); // before start
  const q = pair();
  q.initiator.start();
  assert.equal(code(() => q.initiator.start()), ErrorCodes.HANDSHAKE);
  assert.equal(code(() => q.initiator.receive(new Uint8Array(NOISE_IK_MSG2_OVERHEAD - 1))), ErrorCodes.HANDSHAKE);
  const r = pair();
  assert.equal(code(() => r.responder.receive(new Uint8Array(NOISE_IK_MSG1_OVERHEAD - 1))), ErrorCodes.HANDSHAKE);
  assert.ok(isSkeinError(captureInit(new Uint8Array(31)), ErrorCodes.HANDSHAKE), 'a 31-byte responder key is refused');
});

function captureInit(remoteStatic: Uint8Array): unknown {
  try {
    new NoiseIKInitiator({ staticKeyPair: ALICE.staticKeyPair, remoteStatic, prologue: new Uint8Array(0), payload: new Uint8Array(0) });
  } catch (err) {
    return err;
  }
  return undefined;
}
