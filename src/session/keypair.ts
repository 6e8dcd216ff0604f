/**
 * One session's keys (one handshake's result): seal DATA packets with a
 * 64-bit counter, open them in place against a replay window.
 *
 * Nonce = 4 zero bytes || counter little-endian (as Noise and link
 * transport lay it out). AD = the packet's invariant header bytes [0, 35):
 * version, type, flags, source, destination. So a relay can change the hop
 * limit and nothing else: flipping, redirecting or retagging a packet fails
 * authentication. The counter and receiver index are authenticated too: the
 * counter is the nonce, the index selects the key.
 *
 * Hot path: seal allocates the packet and nothing else (or nothing: in
 * place, over a plaintext given up with room around it); open decrypts in
 * place and returns a view (a packet that fails its tag is left zeroed, so
 * a forged packet never yields plaintext).
 */
import { chachaPolyOpen, chachaPolySeal } from '../crypto/aead.js';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, wipe } from '../crypto/primitives.js';
import { writeCounterNonce } from '../crypto/transport.js';
import {
  DATA_CIPHERTEXT_OFFSET,
  PACKET_INVARIANT_BYTES,
  PacketType,
} from '../wire/packet-constants.js';
import { allocateWithRoom, hasRoom, widen } from '../wire/frame-room.js';
import { SEAL_IN_PLACE_HEADROOM, SEAL_IN_PLACE_TAILROOM, SESSION_HEADROOM, SESSION_TAILROOM } from '../wire/packet-room.js';
import { writeHeader } from '../wire/packet.js';
import { writeDataPrefix } from '../wire/session-messages.js';
import { ReplayWindow } from './replay-window.js';


export interface KeypairInit {
  localIndex: number;
  remoteIndex: number;
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  role: 'initiator' | 'responder';
  createdAtMs: number;
  localId: Uint8Array;
  peerId: Uint8Array;
  /** Counters at or above this are never used (SessionLimits.rejectAfterMessages). */
  messageLimit: number;
}

export class SessionKeypair {
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly role: 'initiator' | 'responder';
  readonly createdAtMs: number;
  private readonly sendKey: Uint8Array;
  private readonly receiveKey: Uint8Array;
  private readonly nonce = new Uint8Array(AEAD_NONCE_BYTES);
  private readonly nonceView = new DataView(this.nonce.buffer);
  private readonly replay: ReplayWindow;
  private readonly localId: Uint8Array;
  private readonly peerId: Uint8Array;
  private readonly messageLimit: number;
  private nextCounter = 0;
  private wiped = false;

  constructor(init: KeypairInit) {
    if (init.sendKey.byteLength !== AEAD_KEY_BYTES || init.receiveKey.byteLength !== AEAD_KEY_BYTES) {
      throw new RangeError(`session keys must be ${AEAD_KEY_BYTES} bytes`);
    }
    this.localIndex = init.localIndex;
    this.remoteIndex = init.remoteIndex;
    this.role = init.role;
    this.createdAtMs = init.createdAtMs;
    this.sendKey = new Uint8Array(init.sendKey);
    this.receiveKey = new Uint8Array(init.receiveKey);
    this.localId = init.localId;
    this.peerId = init.peerId;
    this.messageLimit = init.messageLimit;
    this.replay = new ReplayWindow(init.messageLimit);
  }

  /** Messages sealed so far (= the next counter). */
  get sent(): number {
    return this.nextCounter;
  }

  get isWiped(): boolean {
    return this.wiped;
  }

  ageMs(nowMs: number): number {
    return nowMs - this.createdAtMs;
  }

  /** True while this key may seal: not wiped, not too old, counter space left. */
  canSeal(nowMs: number, rejectAfterMs: number): boolean {
    return !this.wiped && this.ageMs(nowMs) < rejectAfterMs && this.nextCounter < this.messageLimit;
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
    if (this.wiped || this.nextCounter >= this.messageLimit) throw new RangeError('session keypair cannot seal (wiped or exhausted)');
    const counter = this.nextCounter++;
    const packet = inPlace && hasRoom(plaintext, SEAL_IN_PLACE_HEADROOM, SEAL_IN_PLACE_TAILROOM)
      ? widen(plaintext, SESSION_HEADROOM, SESSION_TAILROOM)
      : allocateWithRoom(SESSION_HEADROOM + plaintext.byteLength + SESSION_TAILROOM);
    writeHeader(packet, { type: PacketType.DATA, hopLimit, source: this.localId, destination: this.peerId });
    writeDataPrefix(packet, this.remoteIndex, counter);
    writeCounterNonce(this.nonceView, counter);
    chachaPolySeal(packet.subarray(DATA_CIPHERTEXT_OFFSET), plaintext, packet.subarray(0, PACKET_INVARIANT_BYTES), this.nonce, this.sendKey);
    return packet;
  }

  /** Is `counter` worth decrypting (in range, not already seen)? */
  fresh(counter: number): boolean {
    return !this.wiped && this.replay.check(counter);
  }

  /**
   * Authenticate and decrypt a DATA packet in place, then record its counter.
   * Returns a view of the plaintext, or 'auth-failed' (forged, tampered, or
   * a counter we never use) / 'replay'. On an authentication failure
   * the packet's ciphertext bytes are zeroed.
   */
  open(packet: Uint8Array, counter: number): Uint8Array | 'auth-failed' | 'replay' {
    // We never seal a counter at or past the limit: such a packet is forged, not replayed.
    if (counter >= this.messageLimit) return 'auth-failed';
    if (!this.fresh(counter)) return 'replay';
    const ciphertext = packet.subarray(DATA_CIPHERTEXT_OFFSET);
    const plaintext = packet.subarray(DATA_CIPHERTEXT_OFFSET, packet.byteLength - AEAD_TAG_BYTES);
    writeCounterNonce(this.nonceView, counter);
    if (!chachaPolyOpen(plaintext, ciphertext, packet.subarray(0, PACKET_INVARIANT_BYTES), this.nonce, this.receiveKey)) return 'auth-failed';
    // Only now, authenticated, may the counter move the window.
    if (!this.replay.accept(counter)) return 'replay';
    return plaintext;
  }

  /** Forget the keys. Idempotent. */
  wipe(): void {
    if (this.wiped) return;
    wipe(this.sendKey);
    wipe(this.receiveKey);
    this.wiped = true;
  }
}
