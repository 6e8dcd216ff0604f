/**
 * A sans-I/O Noise IK handshake (Noise_IK_25519_ChaChaPoly_BLAKE2b) on
 * holepunch's `noise-handshake`, in the style of ./noise.ts (XX). IK fits
 * end-to-end sessions: the initiator already knows the responder's static
 * key (from its certificate in the routing database), so one round trip
 * suffices and the responder's identity is never sent.
 *
 *   <- s                          (pre-message: the responder's static key)
 *   -> e, es, s, ss, payload      message 1: initiator's static key + payload, encrypted
 *   <- e, ee, se, payload         message 2: responder's payload, encrypted
 *
 * The responder hands message 1's payload and the initiator's static key to
 * an injected `authenticate` hook BEFORE it writes message 2, so a refused
 * initiator never gets a response. (Message 1 can be replayed; the caller
 * defends with a timestamp inside the payload, see src/session/handshake.ts.)
 * The initiator authenticates the responder by the handshake itself: only the
 * holder of the static key it was given can produce a valid message 2.
 *
 * State machines (anything else is refused with SKEIN_ERR_HANDSHAKE):
 *
 *   initiator:  new --start()/msg1--> awaiting-msg2 --receive(msg2)--> complete
 *   responder:  new --receive(msg1)/msg2--> complete
 *   any state --error or destroy()--> failed     (complete and failed are terminal)
 *
 * Pure: no I/O, no clock. Ephemerals come from libsodium.
 */
import Noise from 'noise-handshake';
import { type DhKeyPair, X25519_KEY_BYTES, wipe } from './primitives.js';
import { type Authenticate, type HandshakeResult, NOISE_MAX_PAYLOAD_BYTES, NOISE_TAG_BYTES } from './noise.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

export const NOISE_IK_PROTOCOL_NAME = 'Noise_IK_25519_ChaChaPoly_BLAKE2b';
/** Fixed overhead of message 1 around its payload: e, encrypted s, payload tag. */
export const NOISE_IK_MSG1_OVERHEAD = X25519_KEY_BYTES + (X25519_KEY_BYTES + NOISE_TAG_BYTES) + NOISE_TAG_BYTES;
/** Fixed overhead of message 2 around its payload: e, payload tag. */
export const NOISE_IK_MSG2_OVERHEAD = X25519_KEY_BYTES + NOISE_TAG_BYTES;

export type NoiseIKState = 'new' | 'awaiting-msg2' | 'complete' | 'failed';

const TRANSITIONS: Record<NoiseIKState, readonly NoiseIKState[]> = {
  new: ['awaiting-msg2', 'complete', 'failed'],
  'awaiting-msg2': ['complete', 'failed'],
  complete: [],
  failed: [],
};

/** What a completed handshake yields; the responder's result also carries the proven peer. */
export type NoiseKeys = Omit<HandshakeResult<unknown>, 'peer'>;

interface CommonOptions {
  /** Our static X25519 key pair (x25519KeyPairFromSigning of the node key). */
  staticKeyPair: DhKeyPair;
  /** Bound into the handshake hash: both sides must use the same bytes. */
  prologue: Uint8Array;
  /** Our payload, sent encrypted (message 1 for the initiator, 2 for the responder). */
  payload: Uint8Array;
  /** Fixed ephemeral key pair, ONLY for reproducing published test vectors. */
  testOnlyEphemeral?: DhKeyPair;
}

export interface NoiseIKInitiatorOptions extends CommonOptions {
  /** The responder's static X25519 key, known in advance. */
  remoteStatic: Uint8Array;
}

export interface NoiseIKResponderOptions<P> extends CommonOptions {
  authenticate: Authenticate<P>;
}

/** The fields of noise-handshake's state that hold secrets, for wiping. */
interface NoiseInternals {
  s: DhKeyPair | null;
  e: DhKeyPair | null;
  key: Uint8Array | null;
  chainingKey: Uint8Array | null;
  digest: Uint8Array | null;
}

abstract class NoiseIKParty {
  protected current: NoiseIKState = 'new';
  protected readonly noise: Noise;

  protected constructor(protected readonly label: string, initiator: boolean, opts: CommonOptions, remoteStatic?: Uint8Array) {
    if (opts.payload.byteLength > NOISE_MAX_PAYLOAD_BYTES) {
      throw new SkeinError(ErrorCodes.HANDSHAKE, `${label}: payload is ${opts.payload.byteLength} bytes, above the ${NOISE_MAX_PAYLOAD_BYTES}-byte limit`);
    }
    this.noise = new Noise('IK', initiator, toBuffer(opts.staticKeyPair));
    try {
      this.noise.initialise(Buffer.from(opts.prologue), remoteStatic === undefined ? undefined : Buffer.from(remoteStatic));
    } catch (err) {
      this.fail(`initialising: ${describe(err)}`, err);
    }
    if (opts.testOnlyEphemeral !== undefined) this.noise.e = toBuffer(opts.testOnlyEphemeral);
  }

  get state(): NoiseIKState {
    return this.current;
  }

  /** Forget every secret (call when abandoning a handshake). Idempotent. */
  destroy(): void {
    if (this.current !== 'complete' && this.current !== 'failed') this.current = 'failed';
    const n = this.noise as unknown as NoiseInternals;
    for (const secret of [n.s?.secretKey, n.e?.secretKey, n.key, n.chainingKey, n.digest]) {
      if (secret instanceof Uint8Array) wipe(secret);
    }
  }

  protected checkLength(message: Uint8Array, overhead: number, n: number): void {
    const max = NOISE_MAX_PAYLOAD_BYTES + overhead;
    if (message.byteLength < overhead || message.byteLength > max) {
      this.fail(`message ${n} is ${message.byteLength} bytes, outside ${overhead}..${max}`);
    }
  }

  protected keys(remotePayload: Uint8Array): NoiseKeys {
    const n = this.noise;
    if (!n.complete || n.rs === null) this.fail('handshake did not complete after its last message');
    const keys: NoiseKeys = {
      sendKey: copyThenWipe(n.tx),
      receiveKey: copyThenWipe(n.rx),
      remoteStatic: new Uint8Array(n.rs),
      handshakeHash: new Uint8Array(n.hash),
      remotePayload,
    };
    this.transition('complete');
    this.destroy();
    return keys;
  }

  protected expect(state: NoiseIKState, action: string): void {
    if (this.current !== state) this.fail(`cannot ${action} in state '${this.current}'`);
  }

  protected transition(next: NoiseIKState): void {
    if (!TRANSITIONS[this.current].includes(next)) this.fail(`illegal transition ${this.current} -> ${next}`);
    this.current = next;
  }

  /** Run a noise-handshake step; any exception fails the handshake. */
  protected guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      return this.fail(`${what}: ${describe(err)}`, err);
    }
  }

  protected fail(reason: string, cause?: unknown): never {
    this.destroy();
    throw new SkeinError(ErrorCodes.HANDSHAKE, `${this.label}: ${reason}`, { cause });
  }
}

export class NoiseIKInitiator extends NoiseIKParty {
  private readonly payload: Uint8Array;

  constructor(opts: NoiseIKInitiatorOptions) {
    super('noise IK initiator', true, opts, opts.remoteStatic);
    if (opts.remoteStatic.byteLength !== X25519_KEY_BYTES) {
      this.fail(`responder static key must be ${X25519_KEY_BYTES} bytes, got ${opts.remoteStatic.byteLength}`);
    }
    this.payload = opts.payload;
  }

  /** Message 1, to send to the responder. */
  start(): Uint8Array {
    this.expect('new', 'start');
    const msg1 = this.guard('writing message 1', () => this.noise.send(Buffer.from(this.payload)));
    this.transition('awaiting-msg2');
    return msg1;
  }

  /** Feed message 2; returns the keys and the responder's payload. */
  receive(message2: Uint8Array): NoiseKeys {
    this.expect('awaiting-msg2', 'receive message 2');
    this.checkLength(message2, NOISE_IK_MSG2_OVERHEAD, 2);
    const payload = this.guard('reading message 2 (tampered, wrong responder key, or another protocol version or cluster)', () =>
      this.noise.recv(Buffer.from(message2)));
    return this.keys(new Uint8Array(payload));
  }
}

export class NoiseIKResponder<P> extends NoiseIKParty {
  constructor(private readonly opts: NoiseIKResponderOptions<P>) {
    super('noise IK responder', false, opts);
  }

  /**
   * Feed message 1: authenticate the initiator, then write message 2.
   * A SkeinError from `authenticate` passes through unchanged.
   */
  receive(message1: Uint8Array): { send: Uint8Array; result: NoiseKeys & { peer: P } } {
    this.expect('new', 'receive message 1');
    this.checkLength(message1, NOISE_IK_MSG1_OVERHEAD, 1);
    const payload = new Uint8Array(this.guard('reading message 1 (tampered, not for our key, or another protocol version or cluster)', () =>
      this.noise.recv(Buffer.from(message1))));
    const rs = this.noise.rs;
    if (rs === null || rs.byteLength !== X25519_KEY_BYTES) this.fail('initiator static key missing after message 1');
    let peer: P;
    try {
      peer = this.opts.authenticate(payload, new Uint8Array(rs));
    } catch (err) {
      this.destroy();
      if (err instanceof SkeinError) throw err;
      throw new SkeinError(ErrorCodes.HANDSHAKE, `${this.label}: initiator authentication failed: ${describe(err)}`, { cause: err });
    }
    const msg2 = this.guard('writing message 2', () => this.noise.send(Buffer.from(this.opts.payload)));
    return { send: msg2, result: { ...this.keys(payload), peer } };
  }
}

function toBuffer(kp: DhKeyPair): { publicKey: Buffer; secretKey: Buffer } {
  return { publicKey: Buffer.from(kp.publicKey), secretKey: Buffer.from(kp.secretKey) };
}

function copyThenWipe(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key);
  wipe(key);
  return out;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
