/**
 * Where one session keypair's secrets and per-packet state live: both keys,
 * the send counter and the replay window. SessionKeypair (keypair.ts) keeps
 * the keypair's meaning (role, age, indexes, what may seal) and builds the
 * packets; a cipher only seals and opens them.
 *
 *   TypeScriptCipher   here, in JavaScript (the reference, and every
 *                      daemon without the native endpoint)
 *   a native cipher    in the link addon's endpoint (node/session-offload.ts),
 *                      which seals and opens the same packets for the TUN
 *                      fast path, so both share one counter and one window
 *
 * Nonce = 4 zero bytes || counter little-endian. AD = the packet's invariant
 * header bytes [0, 35).
 */
import { chachaPolyOpen, chachaPolySeal } from '../crypto/aead.js';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, wipe } from '../crypto/primitives.js';
import { writeCounterNonce } from '../crypto/transport.js';
import { DATA_CIPHERTEXT_OFFSET, PACKET_INVARIANT_BYTES } from '../wire/packet-constants.js';
import { writeDataPrefix } from '../wire/session-messages.js';
import { ReplayWindow } from './replay-window.js';

/** What a cipher is made from: one handshake's result. */
export interface CipherKeys {
  localIndex: number;
  remoteIndex: number;
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  role: 'initiator' | 'responder';
  createdAtMs: number;
  /** Counters at or above this are never used. */
  messageLimit: number;
}

export type OpenOutcome = 'ok' | 'auth-failed' | 'replay';

export interface KeypairCipher {
  /** Messages sealed so far (= the next counter). */
  readonly sent: number;
  /**
   * Seal `plaintext` into `packet` (header written, plaintext's place at
   * DATA_CIPHERTEXT_OFFSET, the tag's room at the end; `plaintext` may be
   * that very view): writes the receiver index and the next counter.
   * Returns the counter, or -1 when the keys are spent or gone.
   */
  seal(packet: Uint8Array, plaintext: Uint8Array): number;
  /** Is `counter` worth decrypting (in range, not seen)? */
  fresh(counter: number): boolean;
  /** Authenticate and decrypt in place; the window moves only for an authentic packet; a failed one is left zeroed. */
  open(packet: Uint8Array, counter: number): OpenOutcome;
  /** Forget the keys. Idempotent. */
  wipe(): void;
}

/** Makes the cipher of each new keypair. */
export type CipherFactory = (keys: CipherKeys) => KeypairCipher;

export class TypeScriptCipher implements KeypairCipher {
  private readonly sendKey: Uint8Array;
  private readonly receiveKey: Uint8Array;
  private readonly remoteIndex: number;
  private readonly messageLimit: number;
  private readonly nonce = new Uint8Array(AEAD_NONCE_BYTES);
  private readonly nonceView = new DataView(this.nonce.buffer);
  private readonly replay: ReplayWindow;
  private nextCounter = 0;
  private wiped = false;

  constructor(keys: CipherKeys) {
    if (keys.sendKey.byteLength !== AEAD_KEY_BYTES || keys.receiveKey.byteLength !== AEAD_KEY_BYTES) {
      throw new RangeError(`session keys must be ${AEAD_KEY_BYTES} bytes`);
    }
    this.sendKey = new Uint8Array(keys.sendKey);
    this.receiveKey = new Uint8Array(keys.receiveKey);
    this.remoteIndex = keys.remoteIndex;
    this.messageLimit = keys.messageLimit;
    this.replay = new ReplayWindow(keys.messageLimit);
  }

  get sent(): number {
    return this.nextCounter;
  }

  seal(packet: Uint8Array, plaintext: Uint8Array): number {
    if (this.wiped || this.nextCounter >= this.messageLimit) return -1;
    const counter = this.nextCounter++;
    writeDataPrefix(packet, this.remoteIndex, counter);
    writeCounterNonce(this.nonceView, counter);
    chachaPolySeal(packet.subarray(DATA_CIPHERTEXT_OFFSET), plaintext, packet.subarray(0, PACKET_INVARIANT_BYTES), this.nonce, this.sendKey);
    return counter;
  }

  fresh(counter: number): boolean {
    return !this.wiped && this.replay.check(counter);
  }

  open(packet: Uint8Array, counter: number): OpenOutcome {
    // We never seal a counter at or past the limit: such a packet is forged, not replayed.
    if (counter >= this.messageLimit) return 'auth-failed';
    if (!this.fresh(counter)) return 'replay';
    const ciphertext = packet.subarray(DATA_CIPHERTEXT_OFFSET);
    const plaintext = packet.subarray(DATA_CIPHERTEXT_OFFSET, packet.byteLength - AEAD_TAG_BYTES);
    writeCounterNonce(this.nonceView, counter);
    if (!chachaPolyOpen(plaintext, ciphertext, packet.subarray(0, PACKET_INVARIANT_BYTES), this.nonce, this.receiveKey)) return 'auth-failed';
    // Only now, authenticated, may the counter move the window.
    return this.replay.accept(counter) ? 'ok' : 'replay';
  }

  wipe(): void {
    if (this.wiped) return;
    wipe(this.sendKey);
    wipe(this.receiveKey);
    this.wiped = true;
  }
}

export const typeScriptCiphers: CipherFactory = (keys) => new TypeScriptCipher(keys);
