import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NoiseXX, type HandshakeResult, NOISE_MAX_PAYLOAD_BYTES } from '../../src/crypto/noise.js';
import { createLinkHandshake, linkPrologue, type LinkHandshakeOptions } from '../../src/link/handshake.js';
import type { Member } from '../../src/identity/member.js';
import { ErrorCodes, SkeinError, isSkeinError } from '../../src/util/errors.js';
import { bytesEqual } from '../../src/codec/codec.js';
import {
  ALICE, BOB, OTHER_CA, OTHER_CLUSTER, TEST_CA, handshakeOptions, makeTestNode, testAuthenticator, issueTestCert,
} from './link-fixtures.js';

type Tamper = (msgIndex: 1 | 2 | 3, bytes: Uint8Array) => Uint8Array;

interface Outcome {
  initiator: HandshakeResult<Member>;
  responder: HandshakeResult<Member>;
  messages: Uint8Array[];
}

/** Run both sides in memory, passing each message through `tamper`. */
function runHandshake(iOpts: LinkHandshakeOptions, rOpts: LinkHandshakeOptions, tamper: Tamper = (_, b) => b): Outcome {
  const i = createLinkHandshake(iOpts);
  const r = createLinkHandshake(rOpts);
  assert.equal(r.start(), null);
  const msg1 = i.start();
  assert.ok(msg1);
  const step1 = r.receive(tamper(1, msg1));
  assert.ok(step1.send && !step1.result);
  const step2 = i.receive(tamper(2, step1.send));
  assert.ok(step2.send && step2.result);
  const step3 = r.receive(tamper(3, step2.send));
  assert.ok(!step3.send && step3.result);
  return { initiator: step2.result, responder: step3.result, messages: [msg1, step1.send, step2.send] };
}

function expectCode(fn: () => unknown, code: string, pattern?: RegExp): SkeinError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SkeinError, `expected a SkeinError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

test('XX handshake: both sides complete with matching keys, hash and proven identities', () => {
  const { initiator, responder, messages } = runHandshake(handshakeOptions(ALICE, 'initiator'), handshakeOptions(BOB, 'responder'));
  assert.ok(bytesEqual(initiator.sendKey, responder.receiveKey));
  assert.ok(bytesEqual(initiator.receiveKey, responder.sendKey));
  assert.ok(!bytesEqual(initiator.sendKey, initiator.receiveKey));
  assert.equal(initiator.sendKey.byteLength, 32);
  assert.ok(bytesEqual(initiator.handshakeHash, responder.handshakeHash));
  assert.equal(initiator.handshakeHash.byteLength, 64);
  assert.ok(bytesEqual(initiator.remoteStatic, BOB.staticKeyPair.publicKey));
  assert.ok(bytesEqual(responder.remoteStatic, ALICE.staticKeyPair.publicKey));
  assert.ok(bytesEqual(initiator.remotePayload, BOB.cert));
  assert.ok(bytesEqual(responder.remotePayload, ALICE.cert));
  assert.equal(initiator.peer.name, 'bob');
  assert.equal(initiator.peer.idText, BOB.identity.idText);
  assert.equal(responder.peer.name, 'alice');
  // message 1 is the bare ephemeral key; certificates never travel in clear.
  assert.equal(messages[0]!.byteLength, 32);
  const wire = Buffer.concat(messages);
  assert.equal(wire.indexOf(Buffer.from('alice')), -1);
  assert.equal(wire.indexOf(Buffer.from('bob')), -1);
});

test('fresh ephemerals: two handshakes between the same nodes give different keys', () => {
  const a = runHandshake(handshakeOptions(ALICE, 'initiator'), handshakeOptions(BOB, 'responder'));
  const b = runHandshake(handshakeOptions(ALICE, 'initiator'), handshakeOptions(BOB, 'responder'));
  assert.ok(!bytesEqual(a.initiator.sendKey, b.initiator.sendKey));
  assert.ok(!bytesEqual(a.initiator.handshakeHash, b.initiator.handshakeHash));
});

test('a certificate from another CA is rejected by either side, with the authenticator\'s code', () => {
  const stranger = makeTestNode('bob', 2, OTHER_CA);
  // The initiator rejects in message 2, before sending message 3.
  expectCode(() => runHandshake(handshakeOptions(ALICE, 'initiator'), handshakeOptions(stranger, 'responder')),
    ErrorCodes.CERT_UNKNOWN_ISSUER, /not signed by a trusted CA/);
  // The responder rejects in message 3.
  expectCode(() => runHandshake(handshakeOptions(stranger, 'initiator'), handshakeOptions(BOB, 'responder')),
    ErrorCodes.CERT_UNKNOWN_ISSUER);
});

test('a valid certificate for a different key than the static key used is rejected', () => {
  const mallory = makeTestNode('mallory', 3, TEST_CA);
  // Mallory presents Bob's genuine certificate but can only use her own static key.
  const impostor = { ...mallory, cert: BOB.cert };
  expectCode(() => runHandshake(handshakeOptions(ALICE, 'initiator'), handshakeOptions(impostor, 'responder')),
    ErrorCodes.AUTH, /does not certify the handshake's static key/);
  expectCode(() => runHandshake(handshakeOptions(impostor, 'initiator'), handshakeOptions(BOB, 'responder')),
    ErrorCodes.AUTH, /does not certify/);
});

test('the initiator sends nothing after rejecting the responder', () => {
  const i = createLinkHandshake(handshakeOptions(ALICE, 'initiator', { authenticatePeer: testAuthenticator(OTHER_CA.publicKey) }));
  const r = createLinkHandshake(handshakeOptions(BOB, 'responder'));
  r.start();
  const msg2 = r.receive(i.start()!).send!;
  assert.throws(() => i.receive(msg2), (e) => isSkeinError(e, ErrorCodes.CERT_UNKNOWN_ISSUER));
  assert.equal(i.state, 'failed');
  expectCode(() => i.receive(msg2), ErrorCodes.HANDSHAKE, /state 'failed'/);
});

test('expected name or id mismatch (C advertises B\'s name with C\'s key) fails with SKEIN_ERR_AUTH naming both', () => {
  const carol = makeTestNode('carol', 4, TEST_CA);
  const err = expectCode(
    () => runHandshake(handshakeOptions(ALICE, 'initiator', { expected: { name: 'bob' } }), handshakeOptions(carol, 'responder')),
    ErrorCodes.AUTH);
  assert.match(err.message, /expected name 'bob'/);
  assert.match(err.message, /proved name 'carol'/);
  expectCode(
    () => runHandshake(handshakeOptions(ALICE, 'initiator', { expected: { idText: BOB.identity.idText } }), handshakeOptions(carol, 'responder')),
    ErrorCodes.AUTH, new RegExp(`expected .*${BOB.identity.idText}.*proved .*${carol.identity.idText}`));
  // The right expectation passes.
  const ok = runHandshake(
    handshakeOptions(ALICE, 'initiator', { expected: { name: 'bob', idText: BOB.identity.idText } }),
    handshakeOptions(BOB, 'responder'));
  assert.equal(ok.initiator.peer.name, 'bob');
});

test('a different cluster or protocol version (prologue) fails the handshake', () => {
  expectCode(() => runHandshake(handshakeOptions(ALICE, 'initiator'), handshakeOptions(BOB, 'responder', { clusterId: OTHER_CLUSTER })),
    ErrorCodes.HANDSHAKE, /message 2.*different protocol version or cluster/);
  const v1 = linkPrologue(OTHER_CLUSTER);
  const v2 = new Uint8Array(v1);
  v2[10] = v1[10]! + 1; // the version byte after 'skein link'
  const opts = (node: typeof ALICE, role: 'initiator' | 'responder', prologue: Uint8Array) => new NoiseXX<Member>({
    role, staticKeyPair: node.staticKeyPair, prologue, payload: node.cert, authenticate: testAuthenticator(TEST_CA.publicKey),
  });
  const i = opts(ALICE, 'initiator', v1);
  const r = opts(BOB, 'responder', v2);
  r.start();
  const msg2 = r.receive(i.start()!).send!;
  expectCode(() => i.receive(msg2), ErrorCodes.HANDSHAKE);
});

test('a flipped bit at every position of every handshake message fails cleanly, never completes', () => {
  const clean = runHandshake(handshakeOptions(ALICE, 'initiator'), handshakeOptions(BOB, 'responder'));
  let cases = 0;
  for (const msgIndex of [1, 2, 3] as const) {
    const length = clean.messages[msgIndex - 1]!.byteLength;
    for (let pos = 0; pos < length; pos++) {
      const tamper: Tamper = (i, b) => {
        if (i !== msgIndex) return b;
        const t = new Uint8Array(b);
        t[pos]! ^= 0x01;
        return t;
      };
      assert.throws(() => runHandshake(handshakeOptions(ALICE, 'initiator'), handshakeOptions(BOB, 'responder'), tamper),
        (e) => isSkeinError(e, ErrorCodes.HANDSHAKE), `message ${msgIndex} byte ${pos}`);
      cases++;
    }
  }
  console.log(`# tampered handshakes rejected: ${cases}`);
});

test('garbage handshake messages of any length are SKEIN_ERR_HANDSHAKE, never a crash', () => {
  const garbage = fc.uint8Array({ minLength: 0, maxLength: 600 });
  fc.assert(fc.property(garbage, (bytes) => {
    const r = createLinkHandshake(handshakeOptions(BOB, 'responder'));
    r.start();
    try {
      r.receive(bytes); // any 32 bytes are a syntactically valid ephemeral key
      assert.equal(bytes.byteLength, 32);
    } catch (e) {
      assert.ok(isSkeinError(e, ErrorCodes.HANDSHAKE), String(e));
    }
  }), { numRuns: 500 });
  fc.assert(fc.property(garbage, (bytes) => {
    const i = createLinkHandshake(handshakeOptions(ALICE, 'initiator'));
    i.start();
    expectCode(() => i.receive(bytes), ErrorCodes.HANDSHAKE);
  }), { numRuns: 500 });
  fc.assert(fc.property(garbage, (bytes) => {
    const i = createLinkHandshake(handshakeOptions(ALICE, 'initiator'));
    const r = createLinkHandshake(handshakeOptions(BOB, 'responder'));
    r.start();
    r.receive(i.start()!);
    expectCode(() => r.receive(bytes), ErrorCodes.HANDSHAKE);
  }), { numRuns: 500 });
});

test('a low-order ephemeral key (all zeros) is refused', () => {
  const r = createLinkHandshake(handshakeOptions(BOB, 'responder'));
  r.start();
  expectCode(() => r.receive(new Uint8Array(32)), ErrorCodes.HANDSHAKE, /message 2/);
});

test('message 1 with a plaintext payload is refused', () => {
  const r = createLinkHandshake(handshakeOptions(BOB, 'responder'));
  r.start();
  expectCode(() => r.receive(new Uint8Array(40).fill(9)), ErrorCodes.HANDSHAKE, /message 1 must be 32 bytes/);
});

test('illegal moves are refused: receive before start, start twice, anything after completion', () => {
  const i = createLinkHandshake(handshakeOptions(ALICE, 'initiator'));
  expectCode(() => i.receive(new Uint8Array(32)), ErrorCodes.HANDSHAKE, /state 'new'/);
  const i2 = createLinkHandshake(handshakeOptions(ALICE, 'initiator'));
  i2.start();
  expectCode(() => i2.start(), ErrorCodes.HANDSHAKE, /cannot start/);
  const r = createLinkHandshake(handshakeOptions(BOB, 'responder'));
  const i3 = createLinkHandshake(handshakeOptions(ALICE, 'initiator'));
  r.start();
  const msg3 = i3.receive(r.receive(i3.start()!).send!).send!;
  r.receive(msg3);
  assert.equal(r.state, 'complete');
  assert.equal(i3.state, 'complete');
  expectCode(() => r.receive(msg3), ErrorCodes.HANDSHAKE, /state 'complete'/);
});

test('a payload above the limit is refused before anything is sent', () => {
  const big = new Uint8Array(NOISE_MAX_PAYLOAD_BYTES + 1);
  expectCode(() => createLinkHandshake(handshakeOptions(ALICE, 'initiator', { certificatePayload: big })), ErrorCodes.HANDSHAKE, /above the/);
});

test('an authenticator that throws a plain Error is reported as SKEIN_ERR_HANDSHAKE', () => {
  const broken = () => { throw new Error('boom'); };
  expectCode(() => runHandshake(handshakeOptions(ALICE, 'initiator', { authenticatePeer: broken }), handshakeOptions(BOB, 'responder')),
    ErrorCodes.HANDSHAKE, /peer authentication failed: boom/);
});

test('garbage certificate payloads reach the authenticator and fail there (decode error)', () => {
  const junk = { ...BOB, cert: issueTestCert('bob', BOB.signing.publicKey, TEST_CA).subarray(0, 10) };
  expectCode(() => runHandshake(handshakeOptions(ALICE, 'initiator'), handshakeOptions(junk, 'responder')), ErrorCodes.DECODE);
});
