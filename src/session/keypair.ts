/**
 * One session's keys (one handshake's result): seal DATA packets with a
 * 64-bit counter, open them in place against a replay window. The keys,
 * the counter and the window are the cipher's (keypair-cipher.ts): here
 * in JavaScript, or in the native endpoint.
 *
 * AD = the packet's invariant header bytes [0, 35): version, type, flags,
 * source, destination. So a relay can change the hop limit and nothing
 * else: flipping, redirecting or retagging a packet fails authentication.
 * The counter and receiver index are authenticated too: the counter is the
 * nonce, the index selects the key.
 *
 * Hot path: seal allocates the packet and nothing else (or nothing: in
 * place, over a plaintext given up with room around it); open decrypts in
 * place and returns a view (a packet that fails its tag is left zeroed, so
 * a forged packet never yields plaintext).
 */
import { AEAD_TAG_BYTES } from '../crypto/primitives.js';
import { DATA_CIPHERTEXT_OFFSET, PacketType } from '../wire/packet-constants.js';
import { allocateWithRoom, hasRoom, widen } from '../wire/frame-room.js';
import { SEAL_IN_PLACE_HEADROOM, SEAL_IN_PLACE_TAILROOM, SESSION_HEADROOM, SESSION_TAILROOM } from '../wire/packet-room.js';
import { writeHeader } from '../wire/packet.js';
import { type CipherFactory, type CipherKeys, type KeypairCipher, typeScriptCiphers } from './keypair-cipher.js';

export interface KeypairInit extends CipherKeys {
  localId: Uint8Array;
  peerId: Uint8Array;
}

export class SessionKeypair {
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly role: 'initiator' | 'responder';
  readonly createdAtMs: number;
  private readonly cipher: KeypairCipher;
  private readonly localId: Uint8Array;
  private readonly peerId: Uint8Array;
  private readonly messageLimit: number;
  private wiped = false;

  constructor(init: KeypairInit, ciphers: CipherFactory = typeScriptCiphers) {
    this.cipher = ciphers(init);
    this.localIndex = init.localIndex;
    this.remoteIndex = init.remoteIndex;
    this.role = init.role;
    this.createdAtMs = init.createdAtMs;
    this.localId = init.localId;
    this.peerId = init.peerId;
    this.messageLimit = init.messageLimit;
  }

  /** The cipher (the native endpoint names the keypair by it). */
  get keys(): KeypairCipher {
    return this.cipher;
  }

  /** Messages sealed so far (= the next counter). */
  get sent(): number {
    return this.cipher.sent;
  }

  get isWiped(): boolean {
    return this.wiped;
  }

  ageMs(nowMs: number): number {
    return nowMs - this.createdAtMs;
  }

  /** True while this key may seal: not wiped, not too old, counter space left. */
  canSeal(nowMs: number, rejectAfterMs: number): boolean {
    return !this.wiped && this.ageMs(nowMs) < rejectAfterMs && this.cipher.sent < this.messageLimit;
  }

  /** True while this key may open packets. */
  canOpen(nowMs: number, rejectAfterMs: number): boolean {
    return !this.wiped && this.ageMs(nowMs) < rejectAfterMs;
  }

  /**
   * A complete DATA packet to the peer carrying `plaintext` (check canSeal
   * first), with a link frame's room around it (wire/frame-room.ts). With
   * `inPlace`, and SEAL_IN_PLACE_HEADROOM/TAILROOM around `plaintext`, the
   * packet is built over the plaintext's own buffer (the plaintext is given
   * up); otherwise in a fresh buffer.
   */
  seal(plaintext: Uint8Array, hopLimit: number, inPlace = false): Uint8Array {
    if (this.wiped) throw new RangeError('session keypair cannot seal (wiped or exhausted)');
    const packet = inPlace && hasRoom(plaintext, SEAL_IN_PLACE_HEADROOM, SEAL_IN_PLACE_TAILROOM)
      ? widen(plaintext, SESSION_HEADROOM, SESSION_TAILROOM)
      : allocateWithRoom(SESSION_HEADROOM + plaintext.byteLength + SESSION_TAILROOM);
    writeHeader(packet, { type: PacketType.DATA, hopLimit, source: this.localId, destination: this.peerId });
    if (this.cipher.seal(packet, plaintext) < 0) throw new RangeError('session keypair cannot seal (wiped or exhausted)');
    return packet;
  }

  /** Is `counter` worth decrypting (in range, not already seen)? */
  fresh(counter: number): boolean {
    return !this.wiped && this.cipher.fresh(counter);
  }

  /**
   * Authenticate and decrypt a DATA packet in place, then record its counter.
   * Returns a view of the plaintext, or 'auth-failed' (forged, tampered, or
   * a counter we never use) / 'replay'. On an authentication failure
   * the packet's ciphertext bytes are zeroed.
   */
  open(packet: Uint8Array, counter: number): Uint8Array | 'auth-failed' | 'replay' {
    if (this.wiped) return counter >= this.messageLimit ? 'auth-failed' : 'replay';
    const outcome = this.cipher.open(packet, counter);
    if (outcome !== 'ok') return outcome;
    return packet.subarray(DATA_CIPHERTEXT_OFFSET, packet.byteLength - AEAD_TAG_BYTES);
  }

  /** Forget the keys. Idempotent. */
  wipe(): void {
    if (this.wiped) return;
    this.cipher.wipe();
    this.wiped = true;
  }
}
