/**
 * mac1 on the link initiation: the codec, and the listener refusing before
 * any Diffie-Hellman (counted with an injected curve) when the dialer does
 * not know its key; both roles interoperate when it does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { SecureChannel, type SecureChannelOptions } from '../../src/link/channel.js';
import { encodeFrame } from '../../src/link/framing.js';
import { linkPrologue } from '../../src/link/handshake.js';
import { computeMac1, mac1Key } from '../../src/link/mac1.js';
import { MemoryDuplex } from '../../src/link/memory-duplex.js';
import type { NoiseCurve } from '../../src/crypto/noise-state.js';
import { ManualClock } from '../../src/util/clock.js';
import { DecodeError, ErrorCodes } from '../../src/util/errors.js';
import { LINK_INITIATION_KEYED_BYTES, LINK_INITIATION_UNKEYED_BYTES, MAX_HANDSHAKE_FRAME_BYTES } from '../../src/wire/link-constants.js';
import { decodeInitiation, encodeInitiation } from '../../src/wire/link-initiation.js';
import { ALICE, BOB, OTHER_CLUSTER, handshakeOptions, makeTestNode, TEST_CA } from './link-fixtures.js';

const realCurve = createRequire(import.meta.url)('noise-handshake/dh.js') as NoiseCurve;
const MALLORY = makeTestNode('mallory', 9, TEST_CA);

/** The real X25519, counting every key generation and DH. */
function countingCurve(): { curve: NoiseCurve; calls: { dh: number; keyPairs: number } } {
  const calls = { dh: 0, keyPairs: 0 };
  const curve: NoiseCurve = {
    ...realCurve,
    generateKeyPair: (sk?: Uint8Array) => { calls.keyPairs++; return realCurve.generateKeyPair(sk); },
    dh: (pk, kp) => { calls.dh++; return realCurve.dh(pk, kp); },
  };
  return { curve, calls };
}

async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** A listener (BOB) with a counting curve, fed `bytes` by a raw dialer; what did it send back, what did it compute? */
async function probeListener(bytes: Uint8Array, over: Partial<SecureChannelOptions> = {}) {
  const { curve, calls } = countingCurve();
  const [raw, listenerSide] = MemoryDuplex.pair();
  const listener = new SecureChannel(listenerSide, { ...handshakeOptions(BOB, 'responder', { curve }), clock: new ManualClock(), ...over });
  let answered = 0;
  raw.on('data', (c: Buffer) => { answered += c.byteLength; });
  raw.write(bytes);
  await settle();
  return { listener, calls, answered };
}

/** A genuine initiation from ALICE (keyed by `responderKey`, or unkeyed), as bytes on the wire. */
async function initiationBytes(responderKey: Uint8Array | undefined, clusterId?: Uint8Array): Promise<Uint8Array> {
  const [dialerSide, raw] = MemoryDuplex.pair();
  const chunks: Buffer[] = [];
  raw.on('data', (c: Buffer) => chunks.push(c));
  const dialer = new SecureChannel(dialerSide, {
    ...handshakeOptions(ALICE, 'initiator', { ...(responderKey && { responderStaticKey: responderKey }), ...(clusterId && { clusterId }) }),
    clock: new ManualClock(),
  });
  await settle();
  dialer.close();
  return new Uint8Array(Buffer.concat(chunks));
}

test('initiation codec: keyed and unkeyed round-trip; every other length is a DecodeError', () => {
  const e = new Uint8Array(LINK_INITIATION_UNKEYED_BYTES).fill(5);
  const mac = new Uint8Array(16).fill(9);
  const keyed = encodeInitiation(e, mac);
  assert.equal(keyed.byteLength, LINK_INITIATION_KEYED_BYTES);
  assert.deepEqual(decodeInitiation(keyed), { noiseMessage: e, mac1: mac });
  assert.deepEqual(decodeInitiation(encodeInitiation(e, null)), { noiseMessage: e, mac1: null });
  for (let n = 0; n <= 100; n++) {
    if (n === LINK_INITIATION_KEYED_BYTES || n === LINK_INITIATION_UNKEYED_BYTES) continue;
    assert.throws(() => decodeInitiation(new Uint8Array(n)), DecodeError, `length ${n}`);
  }
  assert.throws(() => encodeInitiation(new Uint8Array(31), null), (err: { code?: string }) => err.code === ErrorCodes.ENCODE);
  assert.throws(() => encodeInitiation(e, new Uint8Array(15)), (err: { code?: string }) => err.code === ErrorCodes.ENCODE);
});

test('mac1 is keyed by the listener\'s key and bound to the prologue (version and cluster)', () => {
  const e = new Uint8Array(32).fill(1);
  const p = linkPrologue(new Uint8Array([1, 2, 3, 4, 5]));
  const forBob = computeMac1(mac1Key(BOB.staticKeyPair.publicKey), p, e);
  assert.notDeepEqual(forBob, computeMac1(mac1Key(MALLORY.staticKeyPair.publicKey), p, e));
  assert.notDeepEqual(forBob, computeMac1(mac1Key(BOB.staticKeyPair.publicKey), linkPrologue(new Uint8Array([1, 2, 3, 4, 6])), e));
  assert.deepEqual(forBob, computeMac1(mac1Key(BOB.staticKeyPair.publicKey), p, e));
});

test('a dialer that does not know the listener\'s key gets nothing: no DH, no key generation, not one byte back', async () => {
  const cases: Array<[string, Uint8Array]> = [
    ['mac1 keyed by another node\'s key', await initiationBytes(MALLORY.staticKeyPair.publicKey)],
    ['mac1 for another cluster', await initiationBytes(BOB.staticKeyPair.publicKey, OTHER_CLUSTER)],
    ['no mac1 (unkeyed, not admitted)', await initiationBytes(undefined)],
    ['a frame of the wrong length', encodeFrame(new Uint8Array(40), MAX_HANDSHAKE_FRAME_BYTES)],
  ];
  for (const [what, bytes] of cases) {
    const { listener, calls, answered } = await probeListener(bytes);
    assert.equal(listener.state, 'closed', what);
    assert.equal(listener.closeReason?.cause, 'refused', what);
    assert.equal(listener.closeReason?.error?.code, ErrorCodes.HANDSHAKE_REFUSED, what);
    assert.deepEqual(calls, { dh: 0, keyPairs: 0 }, `${what}: no Diffie-Hellman`);
    assert.equal(answered, 0, `${what}: nothing sent back (no certificate)`);
  }
});

test('a flipped bit anywhere in a keyed initiation is refused before any DH', async () => {
  const good = await initiationBytes(BOB.staticKeyPair.publicKey);
  for (let bit = 4 * 8; bit < good.byteLength * 8; bit++) {
    const bad = new Uint8Array(good);
    bad[bit >> 3]! ^= 1 << (bit & 7);
    const { listener, calls, answered } = await probeListener(bad);
    assert.equal(listener.closeReason?.cause, 'refused', `bit ${bit}`);
    assert.deepEqual([calls.dh, answered], [0, 0], `bit ${bit}`);
  }
});

test('with the right key the listener answers (and only then computes DH); unkeyed only when admitted', async () => {
  const keyed = await probeListener(await initiationBytes(BOB.staticKeyPair.publicKey));
  assert.equal(keyed.listener.state, 'handshaking');
  assert.ok(keyed.listener.initiated);
  assert.ok(keyed.calls.dh >= 2 && keyed.answered > 0, `dh ${keyed.calls.dh}, key pairs ${keyed.calls.keyPairs}, answered ${keyed.answered}`);
  let asked = 0;
  const unkeyed = await probeListener(await initiationBytes(undefined), { admitUnkeyed: () => { asked++; return true; } });
  assert.equal(asked, 1);
  assert.equal(unkeyed.listener.state, 'handshaking');
  assert.ok(unkeyed.answered > 0);
});

test('both roles interoperate: keyed and admitted unkeyed initiations open links', async () => {
  for (const keyed of [true, false]) {
    const clock = new ManualClock();
    const [a, b] = MemoryDuplex.pair();
    const listener = new SecureChannel(b, { ...handshakeOptions(BOB, 'responder', { admitUnkeyed: () => !keyed }), clock });
    const dialer = new SecureChannel(a, { ...handshakeOptions(ALICE, 'initiator', keyed ? { responderStaticKey: BOB.staticKeyPair.publicKey } : {}), clock });
    const [pl, pd] = await Promise.all([listener.opened, dialer.opened]);
    assert.equal(pl.name, 'alice');
    assert.equal(pd.name, 'bob');
    dialer.close();
    listener.close();
  }
});
