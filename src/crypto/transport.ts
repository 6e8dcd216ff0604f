/**
 * Transport encryption after the handshake: one ChaCha20-Poly1305 (IETF) key
 * per direction with a 64-bit message counter as the nonce, laid out as Noise
 * does (4 zero bytes, then the counter little-endian), so it matches the
 * Noise test vectors' transport messages.
 *
 * A link runs over TCP, which neither loses nor reorders, so the receiver
 * accepts only the exact next counter: any gap, reordering, replay or tamper
 * is an authentication failure (SKEIN_ERR_AUTH) and the receiver refuses
 * everything after it; the link must close. After `messageLimit` messages a
 * direction refuses to continue (SKEIN_ERR_NONCE_EXHAUSTED): close or rekey.
 *
 * The nonce buffer is reused. `seal`/`open` cost one output allocation;
 * `sealInPlace`/`openInPlace` (the packet path) none: the AEAD (aead.ts)
 * encrypts and decrypts over the same bytes, and a message that fails its tag
 * is left zeroed, never as unauthenticated plaintext.
 * Pure: no I/O, no clock.
 */
import { chachaPolyOpen, chachaPolySeal } from './aead.js';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadOpen, aeadSeal, wipe } from './primitives.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

/**
 * Messages per direction before the link must be closed or rekeyed. Far
 * below the 2^64 nonce space and ChaCha20-Poly1305's safety margins, and
 * exact as a JS number.
 */
export const TRANSPORT_MESSAGE_LIMIT = 2 ** 48;
/** Where the counter sits in the 12-byte nonce (after 4 zero bytes). */
const COUNTER_OFFSET = 4;
const TWO_POW_32 = 0x1_0000_0000;

/**
 * Put `counter` into a 12-byte ChaCha20-Poly1305 nonce laid out as Noise's:
 * 4 zero bytes, then the counter as 64-bit little-endian (exact up to 2^53).
 * Shared by link transport and end-to-end sessions.
 */
export function writeCounterNonce(nonce: DataView, counter: number): void {
  nonce.setUint32(COUNTER_OFFSET, counter % TWO_POW_32, true);
  nonce.setUint32(COUNTER_OFFSET + 4, Math.floor(counter / TWO_POW_32), true);
}

abstract class TransportDirection {
  protected readonly key: Uint8Array;
  private readonly nonce = new Uint8Array(AEAD_NONCE_BYTES);
  private readonly nonceView = new DataView(this.nonce.buffer);
  protected counter = 0;
  protected wiped = false;

  constructor(key: Uint8Array, protected readonly messageLimit: number, protected readonly label: string) {
    if (key.byteLength !== AEAD_KEY_BYTES) throw new RangeError(`${label}: key must be ${AEAD_KEY_BYTES} bytes`);
    if (!Number.isSafeInteger(messageLimit) || messageLimit < 1) throw new RangeError(`${label}: bad message limit ${messageLimit}`);
    this.key = new Uint8Array(key);
  }

  /** Messages processed so far (= the next counter). */
  get count(): number {
    return this.counter;
  }

  /** True once the message limit is reached: close or rekey. */
  get exhausted(): boolean {
    return this.counter >= this.messageLimit;
  }

  /**
   * A copy of the key and the next counter, for an implementation that takes
   * this direction over (the native link); the caller wipes this one then.
   */
  exportState(): { key: Uint8Array; counter: number } {
    this.checkUsable();
    return { key: new Uint8Array(this.key), counter: this.counter };
  }

  /** Forget the key. Every later call fails with SKEIN_ERR_LINK_CLOSED. Idempotent. */
  wipe(): void {
    if (this.wiped) return;
    wipe(this.key);
    this.wiped = true;
  }

  protected checkUsable(): void {
    if (this.wiped) throw new SkeinError(ErrorCodes.LINK_CLOSED, `${this.label}: keys were wiped (link closed)`);
    if (this.exhausted) {
      throw new SkeinError(ErrorCodes.NONCE_EXHAUSTED, `${this.label}: message limit ${this.messageLimit} reached; the link must be rekeyed or closed`);
    }
  }

  protected currentNonce(): Uint8Array {
    writeCounterNonce(this.nonceView, this.counter);
    return this.nonce;
  }
}

export class TransportSender extends TransportDirection {
  constructor(key: Uint8Array, messageLimit = TRANSPORT_MESSAGE_LIMIT) {
    super(key, messageLimit, 'transport send');
  }

  /** Seal the next message. */
  seal(plaintext: Uint8Array, ad: Uint8Array | null = null): Uint8Array {
    this.checkUsable();
    const out = aeadSeal(this.key, this.currentNonce(), plaintext, ad);
    this.counter++;
    return out;
  }

  /**
   * Seal the next message in place: `message` holds the plaintext in its
   * first `message.byteLength - AEAD_TAG_BYTES` bytes and room for the tag
   * in its last; afterwards it holds ciphertext || tag.
   */
  sealInPlace(message: Uint8Array): void {
    this.checkUsable();
    if (message.byteLength < AEAD_TAG_BYTES) throw new RangeError(`${this.label}: no room for the tag`);
    const plaintext = message.subarray(0, message.byteLength - AEAD_TAG_BYTES);
    chachaPolySeal(message, plaintext, null, this.currentNonce(), this.key);
    this.counter++;
  }
}

export class TransportReceiver extends TransportDirection {
  private failed = false;

  constructor(key: Uint8Array, messageLimit = TRANSPORT_MESSAGE_LIMIT) {
    super(key, messageLimit, 'transport receive');
  }

  /** Open the next message; it must carry exactly the next counter. */
  open(ciphertext: Uint8Array, ad: Uint8Array | null = null): Uint8Array {
    if (this.failed) throw new SkeinError(ErrorCodes.AUTH, `${this.label}: an earlier message failed authentication; the link must close`);
    this.checkUsable();
    const plaintext = aeadOpen(this.key, this.currentNonce(), ciphertext, ad);
    if (plaintext === null) return this.fail();
    this.counter++;
    return plaintext;
  }

  /**
   * Open the next message in place: on success `ciphertext`'s first bytes
   * hold the plaintext and the returned view covers them (the tag's bytes are
   * left over). Same failure rules as `open`.
   */
  openInPlace(ciphertext: Uint8Array): Uint8Array {
    if (this.failed) throw new SkeinError(ErrorCodes.AUTH, `${this.label}: an earlier message failed authentication; the link must close`);
    this.checkUsable();
    if (ciphertext.byteLength < AEAD_TAG_BYTES) return this.fail();
    const plaintext = ciphertext.subarray(0, ciphertext.byteLength - AEAD_TAG_BYTES);
    if (!chachaPolyOpen(plaintext, ciphertext, null, this.currentNonce(), this.key)) return this.fail();
    this.counter++;
    return plaintext;
  }

  private fail(): never {
    this.failed = true;
    throw new SkeinError(
      ErrorCodes.AUTH,
      `${this.label}: message ${this.counter} failed authentication (tampered, replayed, reordered or wrong key)`,
    );
  }
}

/** Both directions of one link, built from the handshake's keys. */
export interface TransportPair {
  sender: TransportSender;
  receiver: TransportReceiver;
}

export function transportPair(sendKey: Uint8Array, receiveKey: Uint8Array, messageLimit = TRANSPORT_MESSAGE_LIMIT): TransportPair {
  return { sender: new TransportSender(sendKey, messageLimit), receiver: new TransportReceiver(receiveKey, messageLimit) };
}
