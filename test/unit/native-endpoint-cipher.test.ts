/**
 * The native endpoint's session keys (native/endpoint.c through
 * node/session-offload.ts NativeCipher) against the TypeScript reference
 * (session/keypair-cipher.ts TypeScriptCipher): the same keys seal the same
 * bytes, each opens what the other sealed, and every forged, altered,
 * replayed or out-of-window packet is refused the same way. No sockets:
 * the addon is driven by calls alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import { NODE_ID_BYTES } from '../../src/identity/node-id.js';
import { NativeEndpoint } from '../../src/link/native-endpoint.js';
import { NativeLinks } from '../../src/link/native-link.js';
import { NativeCipher, nativeSessionOffload } from '../../src/node/session-offload.js';
import { PeerActivity, TypeScriptCipher, type CipherKeys, type KeypairCipher } from '../../src/session/index.js';
import { REPLAY_WINDOW } from '../../src/session/replay-window.js';
import { AEAD_TAG_BYTES } from '../../src/crypto/primitives.js';
import { createLogger } from '../../src/util/log.js';
import {
  DATA_CIPHERTEXT_OFFSET, DATA_COUNTER_OFFSET, DATA_RECEIVER_INDEX_OFFSET, PACKET_INVARIANT_BYTES,
} from '../../src/wire/packet-constants.js';
import { SessionPayloadKind } from '../../src/wire/session-payload.js';
import { FRAME_HEADROOM, SEAL_IN_PLACE_HEADROOM, SESSION_HEADROOM, TUN_READ_ROOM } from '../../src/wire/packet-room.js';

const loaded = NativeLinks.load(new Uint8Array(NODE_ID_BYTES).fill(1));
const skip = typeof loaded === 'string' ? loaded : false;
const LIMIT = 1_000_000;

interface Rig {
  endpoint: NativeEndpoint;
  links: NativeLinks;
  /** A native cipher and a TypeScript one made from the same keys. */
  pair(keys?: Partial<CipherKeys>): { native: KeypairCipher; ts: KeypairCipher };
}

function rig(): Rig {
  const links = NativeLinks.load(new Uint8Array(NODE_ID_BYTES).fill(1)) as NativeLinks;
  const endpoint = NativeEndpoint.setUp(links, {
    ownAddress: new Uint8Array(16).fill(0xfd), nowMs: performance.now(), rejectAfterMs: 180_000, rekeyAfterMs: 120_000,
    rekeyAfterMessages: 2 ** 47, keepaliveMs: 10_000, handshakeRetryMs: 1_000, maxIpPacketBytes: 65_000, hopLimit: 64,
  });
  assert.ok(endpoint instanceof NativeEndpoint, String(endpoint));
  const offload = nativeSessionOffload(endpoint, (id) => Uint8Array.of(0xfd, ...id.subarray(0, 15)), createLogger({ level: 'silent' }));
  let nextPeer = 2;
  return {
    endpoint, links,
    pair(overrides = {}) {
      const keys: CipherKeys = {
        localIndex: 100 + nextPeer, remoteIndex: 7, sendKey: randomBytes(32), receiveKey: randomBytes(32), role: 'initiator',
        createdAtMs: performance.now(), messageLimit: LIMIT, ...overrides,
      };
      const peer = offload.addPeer(new Uint8Array(NODE_ID_BYTES).fill(nextPeer++), new Float64Array(PeerActivity.FIELDS).fill(Number.NaN));
      assert.ok(peer !== undefined);
      // The TypeScript cipher copies its keys; the native one takes them into the addon.
      const ts = new TypeScriptCipher(keys);
      const native = peer.ciphers({ ...keys, sendKey: new Uint8Array(keys.sendKey), receiveKey: new Uint8Array(keys.receiveKey) });
      assert.ok(native instanceof NativeCipher);
      return { native, ts };
    },
  };
}

/** A DATA packet's bytes before sealing: a header of `fill`, room for the prefix, the plaintext, room for the tag. */
function unsealed(plaintext: Uint8Array, fill = 0x11): Uint8Array {
  const packet = new Uint8Array(DATA_CIPHERTEXT_OFFSET + plaintext.byteLength + AEAD_TAG_BYTES).fill(fill, 0, DATA_RECEIVER_INDEX_OFFSET);
  packet.set(plaintext, DATA_CIPHERTEXT_OFFSET);
  return packet;
}

function sealWith(cipher: KeypairCipher, plaintext: Uint8Array): { packet: Uint8Array; counter: number } {
  const packet = unsealed(plaintext);
  const counter = cipher.seal(packet, packet.subarray(DATA_CIPHERTEXT_OFFSET, DATA_CIPHERTEXT_OFFSET + plaintext.byteLength));
  return { packet, counter };
}

/** Two ciphers whose send and receive keys are crossed: what one seals, the other opens. */
function reversed(keys: CipherKeys): CipherKeys {
  return { ...keys, sendKey: keys.receiveKey, receiveKey: keys.sendKey };
}

test('native session keys seal the bytes the TypeScript keys seal, in place and copying, counter by counter', { skip }, () => {
  const r = rig();
  try {
    const { native, ts } = r.pair();
    for (let i = 0; i < 40; i++) {
      const plaintext = randomBytes(1 + ((i * 37) % 1400));
      const a = sealWith(native, plaintext);
      const b = sealWith(ts, plaintext);
      assert.equal(a.counter, 2 * i);
      assert.equal(b.counter, 2 * i);
      assert.deepEqual(a.packet, b.packet, `packet ${i}`);
      // Copying: the plaintext elsewhere.
      const copyA = unsealed(new Uint8Array(plaintext.byteLength));
      const copyB = unsealed(new Uint8Array(plaintext.byteLength));
      native.seal(copyA, plaintext);
      ts.seal(copyB, plaintext);
      assert.deepEqual(copyA, copyB, `copied packet ${i}`);
    }
    assert.equal(native.sent, 80);
    assert.equal(ts.sent, 80);
  } finally {
    r.links.release();
  }
});

test('native and TypeScript session keys open what the other sealed; forged, altered, replayed and wrong-key packets are refused alike', { skip }, () => {
  const r = rig();
  try {
    const keys: CipherKeys = { localIndex: 9, remoteIndex: 8, sendKey: randomBytes(32), receiveKey: randomBytes(32), role: 'responder', createdAtMs: 0, messageLimit: LIMIT };
    const sender = new TypeScriptCipher(keys);
    const { native: receiverNative } = (() => {
      const peer = nativeSessionOffload(r.endpoint, () => new Uint8Array(16).fill(0xee), createLogger({ level: 'silent' }))
        .addPeer(new Uint8Array(NODE_ID_BYTES).fill(0xee), new Float64Array(PeerActivity.FIELDS));
      return { native: peer!.ciphers(reversed({ ...keys, sendKey: new Uint8Array(keys.sendKey), receiveKey: new Uint8Array(keys.receiveKey) })) };
    })();
    const receiverTs = new TypeScriptCipher(reversed(keys));
    const plaintext = Uint8Array.of(SessionPayloadKind.IP, ...randomBytes(60));
    const good = sealWith(sender, plaintext);

    const outcome = (cipher: KeypairCipher, mutate: (p: Uint8Array) => void, counter = good.counter): [string, Uint8Array] => {
      const p = new Uint8Array(good.packet);
      mutate(p);
      return [cipher.open(p, counter), p];
    };
    const attacks: Array<[string, (p: Uint8Array) => void, number?]> = [
      ['flipped header byte (in the AD)', (p) => { p[PACKET_INVARIANT_BYTES - 1]! ^= 1; }],
      ['flipped ciphertext bit', (p) => { p[DATA_CIPHERTEXT_OFFSET + 5]! ^= 0x80; }],
      ['flipped tag bit', (p) => { p[p.byteLength - 1]! ^= 1; }],
      ['another counter than sealed', () => {}, good.counter + 1],
      ['a counter at the message limit', () => {}, LIMIT],
    ];
    for (const [name, mutate, counter] of attacks) {
      const [n, nBytes] = outcome(receiverNative, mutate, counter);
      const [t, tBytes] = outcome(receiverTs, mutate, counter);
      assert.equal(n, 'auth-failed', `native: ${name}`);
      assert.equal(t, 'auth-failed', `TypeScript: ${name}`);
      assert.deepEqual(nBytes, tBytes, `${name}: both leave the same (zeroed) bytes`);
    }
    // The hop limit is outside the AD: a relay may change it.
    const [hop] = outcome(receiverNative, (p) => { p[PACKET_INVARIANT_BYTES]! ^= 0xff; });
    assert.equal(hop, 'ok');
    const [replayNative] = outcome(receiverNative, () => {});
    assert.equal(replayNative, 'replay', 'the same counter again');
    assert.equal(outcome(receiverTs, () => {})[0], 'ok');
    assert.equal(outcome(receiverTs, () => {})[0], 'replay');
    // A wrong key.
    const stranger = r.pair().native;
    assert.equal(outcome(stranger, () => {})[0], 'auth-failed', 'another session\'s keys');
    // What the native keys seal, TypeScript opens.
    const back = sealWith(receiverNative, plaintext);
    const opened = new TypeScriptCipher(keys).open(back.packet, back.counter);
    assert.equal(opened, 'ok');
    assert.deepEqual(back.packet.subarray(DATA_CIPHERTEXT_OFFSET, DATA_CIPHERTEXT_OFFSET + plaintext.byteLength), plaintext);
    assert.equal(new DataView(back.packet.buffer).getUint32(DATA_RECEIVER_INDEX_OFFSET), keys.remoteIndex, 'the receiver index is the peer\'s');
    assert.equal(new DataView(back.packet.buffer).getUint32(DATA_COUNTER_OFFSET + 4), back.counter);
    // Wiped keys seal nothing and open nothing.
    receiverNative.wipe();
    assert.equal(receiverNative.seal(unsealed(plaintext), plaintext), -1);
    assert.equal(receiverNative.open(new Uint8Array(good.packet), good.counter + 5), 'replay');
    assert.equal(receiverNative.fresh(good.counter + 5), false);
  } finally {
    r.links.release();
  }
});

test('the native replay window takes and refuses exactly the counters the TypeScript one does', { skip }, () => {
  const r = rig();
  try {
    fc.assert(fc.property(
      fc.array(fc.oneof(
        fc.integer({ min: 0, max: 3 * REPLAY_WINDOW }),
        fc.integer({ min: 0, max: 64 }),
        fc.constant(LIMIT - 1), fc.constant(LIMIT),
      ), { minLength: 1, maxLength: 60 }),
      (counters) => {
        const keys: CipherKeys = { localIndex: 1, remoteIndex: 2, sendKey: randomBytes(32), receiveKey: randomBytes(32), role: 'initiator', createdAtMs: 0, messageLimit: LIMIT };
        const sender = new TypeScriptCipher(reversed(keys));
        const { native, ts } = r.pair(keys);
        for (const counter of counters) {
          const plaintext = Uint8Array.of(SessionPayloadKind.IP, counter & 0xff);
          const packet = unsealed(plaintext);
          // Seal at exactly this counter: a reference sender advanced to it.
          (sender as unknown as { nextCounter: number }).nextCounter = Math.min(counter, LIMIT - 1);
          sender.seal(packet, packet.subarray(DATA_CIPHERTEXT_OFFSET, DATA_CIPHERTEXT_OFFSET + plaintext.byteLength));
          assert.equal(native.fresh(counter), ts.fresh(counter), `fresh(${counter})`);
          assert.equal(native.open(new Uint8Array(packet), counter), ts.open(new Uint8Array(packet), counter), `open(${counter}) after ${counters.join(',')}`);
        }
        native.wipe();
        ts.wipe();
      },
    ), { numRuns: 200 });
  } finally {
    r.links.release();
  }
});

test('the native endpoint is compiled with the session wire constants and the TUN read room', { skip }, () => {
  const r = rig();
  try {
    const layout = r.endpoint.layout();
    assert.equal(layout.dataReceiverIndexOffset, DATA_RECEIVER_INDEX_OFFSET);
    assert.equal(layout.dataCounterOffset, DATA_COUNTER_OFFSET);
    assert.equal(layout.dataCiphertextOffset, DATA_CIPHERTEXT_OFFSET);
    assert.equal(layout.packetInvariantBytes, PACKET_INVARIANT_BYTES);
    assert.equal(layout.payloadKindIp, SessionPayloadKind.IP);
    assert.equal(layout.replayWindow, REPLAY_WINDOW);
    // The TUN reader leaves the room the endpoint seals a packet in.
    assert.equal(layout.sendHeadroom, SEAL_IN_PLACE_HEADROOM + 1);
    assert.equal(layout.sendHeadroom, FRAME_HEADROOM + SESSION_HEADROOM + 1);
    assert.ok(TUN_READ_ROOM.headroom >= layout.sendHeadroom && TUN_READ_ROOM.tailroom >= layout.sendTailroom);
  } finally {
    r.links.release();
  }
});
