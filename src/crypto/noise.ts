/**
 * A sans-I/O Noise XX handshake (Noise_XX_25519_ChaChaPoly_BLAKE2b), built on
 * holepunch's `noise-handshake`. Bytes in, bytes out: the caller frames and
 * sends what `start`/`receive` return and owns every timeout.
 *
 *   -> e                      message 1: plaintext ephemeral, empty payload
 *   <- e, ee, s, es, payload  message 2: responder's static key + payload (its certificates)
 *   -> s, se, payload         message 3: initiator's static key + payload (its certificates)
 *
 * The peer's payload and static key are handed to an injected `authenticate`
 * hook as soon as they are known: the initiator calls it before it sends
 * message 3, the responder before it completes, so a peer that fails it never
 * gets to exchange application data. The hook returns what it proved (the
 * link layer's PeerIdentity) or throws a SkeinError, which passes through
 * unchanged; every other failure is SKEIN_ERR_HANDSHAKE.
 *
 * State machine (anything else is refused with SKEIN_ERR_HANDSHAKE):
 *
 *   initiator:  new --start()--> awaiting-msg2 --receive(msg2)/send msg3--> complete
 *   responder:  new --start()--> awaiting-msg1 --receive(msg1)/send msg2--> awaiting-msg3
 *                                             --receive(msg3)--> complete
 *   any state --error--> failed        (complete and failed are terminal)
 *
 * Pure: no I/O, no clock. Randomness for ephemerals comes from libsodium.
 */
import Noise from 'noise-handshake';
import { type DhKeyPair, X25519_KEY_BYTES, wipe } from './primitives.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

export const NOISE_PROTOCOL_NAME = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
/** The Noise specification's hard limit on one handshake message. */
export const NOISE_MAX_MESSAGE_BYTES = 65_535;
/** Payload limit we impose (certificate chains are a few hundred bytes each). */
export const NOISE_MAX_PAYLOAD_BYTES = 16_384;
export const NOISE_TAG_BYTES = 16;
export const NOISE_HASH_BYTES = 64;
/** Fixed overhead of each XX message around its payload. */
export const NOISE_MSG1_BYTES = X25519_KEY_BYTES;
export const NOISE_MSG2_OVERHEAD = X25519_KEY_BYTES + (X25519_KEY_BYTES + NOISE_TAG_BYTES) + NOISE_TAG_BYTES;
export const NOISE_MSG3_OVERHEAD = X25519_KEY_BYTES + NOISE_TAG_BYTES + NOISE_TAG_BYTES;
/** Largest handshake message either side may send or accept. */
export const NOISE_MAX_HANDSHAKE_MESSAGE_BYTES = NOISE_MAX_PAYLOAD_BYTES + NOISE_MSG2_OVERHEAD;

export type HandshakeRole = 'initiator' | 'responder';

export type HandshakeState = 'new' | 'awaiting-msg1' | 'awaiting-msg2' | 'awaiting-msg3' | 'complete' | 'failed';

/** The legal moves; `transition` refuses everything else. */
const TRANSITIONS: Record<HandshakeState, readonly HandshakeState[]> = {
  new: ['awaiting-msg1', 'awaiting-msg2', 'failed'],
  'awaiting-msg1': ['awaiting-msg3', 'failed'],
  'awaiting-msg2': ['complete', 'failed'],
  'awaiting-msg3': ['complete', 'failed'],
  complete: [],
  failed: [],
};

/** Proves who the peer is from its payload and static key, or throws a SkeinError. */
export type Authenticate<P> = (peerPayload: Uint8Array, remoteStaticX25519: Uint8Array) => P;

export interface NoiseXXOptions<P> {
  role: HandshakeRole;
  /** Our static X25519 key pair (x25519KeyPairFromSigning of the node key). */
  staticKeyPair: DhKeyPair;
  /** Bound into the handshake hash: both sides must use the same bytes. */
  prologue: Uint8Array;
  /** Sent encrypted: in message 2 by the responder, message 3 by the initiator. */
  payload: Uint8Array;
  authenticate: Authenticate<P>;
  /** Fixed ephemeral key pair, ONLY for reproducing published test vectors. */
  testOnlyEphemeral?: DhKeyPair;
}

export interface HandshakeResult<P> {
  /** Transport key for what we send (equals the peer's receiveKey). */
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  remoteStatic: Uint8Array;
  /** Noise handshake hash h (64 bytes): a channel binding both sides share. */
  handshakeHash: Uint8Array;
  remotePayload: Uint8Array;
  /** What `authenticate` returned. */
  peer: P;
}

export interface HandshakeStep<P> {
  /** Bytes to send to the peer now, if any. */
  send: Uint8Array | null;
  /** Set once the handshake is complete. */
  result: HandshakeResult<P> | null;
}

/** The fields of noise-handshake's state that hold secrets, for wiping on failure. */
interface NoiseInternals {
  /** Our own copy of the static key pair (made in the constructor). */
  s: DhKeyPair | null;
  e: DhKeyPair | null;
  key: Uint8Array | null;
  chainingKey: Uint8Array | null;
  digest: Uint8Array | null;
}

export class NoiseXX<P> {
  private current: HandshakeState = 'new';
  private readonly noise: Noise;
  private readonly label: string;
  private peer: P | null = null;
  private remotePayload: Uint8Array | null = null;

  constructor(private readonly opts: NoiseXXOptions<P>) {
    if (opts.payload.byteLength > NOISE_MAX_PAYLOAD_BYTES) {
      throw new SkeinError(ErrorCodes.HANDSHAKE, `handshake payload is ${opts.payload.byteLength} bytes, above the ${NOISE_MAX_PAYLOAD_BYTES}-byte limit`);
    }
    this.label = `noise ${opts.role}`;
    this.noise = new Noise('XX', opts.role === 'initiator', toBuffer(opts.staticKeyPair));
    this.noise.initialise(Buffer.from(opts.prologue));
    if (opts.testOnlyEphemeral !== undefined) this.noise.e = toBuffer(opts.testOnlyEphemeral);
  }

  get state(): HandshakeState {
    return this.current;
  }

  get role(): HandshakeRole {
    return this.opts.role;
  }

  /** Begin: the initiator gets message 1 to send; the responder gets nothing. */
  start(): Uint8Array | null {
    this.expect('new', 'start');
    if (this.opts.role === 'responder') {
      this.transition('awaiting-msg1');
      return null;
    }
    const msg1 = this.guard('writing message 1', () => this.noise.send());
    this.transition('awaiting-msg2');
    return msg1;
  }

  /** Feed one whole handshake message from the peer. */
  receive(message: Uint8Array): HandshakeStep<P> {
    switch (this.current) {
      case 'awaiting-msg1':
        return this.onMessage1(message);
      case 'awaiting-msg2':
        return this.onMessage2(message);
      case 'awaiting-msg3':
        return this.onMessage3(message);
      default:
        return this.fail(`received a handshake message in state '${this.current}'`);
    }
  }

  /** Forget every secret (call when abandoning a handshake). Idempotent. */
  destroy(): void {
    if (this.current !== 'complete' && this.current !== 'failed') this.current = 'failed';
    wipeInternals(this.noise as unknown as NoiseInternals);
  }

  private onMessage1(message: Uint8Array): HandshakeStep<P> {
    // Message 1 carries only the ephemeral key: our protocol sends no plaintext payload.
    if (message.byteLength !== NOISE_MSG1_BYTES) {
      return this.fail(`message 1 must be ${NOISE_MSG1_BYTES} bytes, got ${message.byteLength}`);
    }
    this.guard('reading message 1', () => this.noise.recv(Buffer.from(message)));
    const msg2 = this.guard('writing message 2', () => this.noise.send(Buffer.from(this.opts.payload)));
    this.transition('awaiting-msg3');
    return { send: msg2, result: null };
  }

  private onMessage2(message: Uint8Array): HandshakeStep<P> {
    this.checkLength(message, NOISE_MSG2_OVERHEAD, 2);
    const payload = this.guard('reading message 2 (tampered, or a different protocol version or cluster)', () =>
      this.noise.recv(Buffer.from(message)));
    this.authenticatePeer(payload);
    const msg3 = this.guard('writing message 3', () => this.noise.send(Buffer.from(this.opts.payload)));
    return { send: msg3, result: this.finish() };
  }

  private onMessage3(message: Uint8Array): HandshakeStep<P> {
    this.checkLength(message, NOISE_MSG3_OVERHEAD, 3);
    const payload = this.guard('reading message 3 (tampered, or a different protocol version or cluster)', () =>
      this.noise.recv(Buffer.from(message)));
    this.authenticatePeer(payload);
    return { send: null, result: this.finish() };
  }

  private checkLength(message: Uint8Array, overhead: number, n: number): void {
    const max = NOISE_MAX_PAYLOAD_BYTES + overhead;
    if (message.byteLength < overhead || message.byteLength > max) {
      this.fail(`message ${n} is ${message.byteLength} bytes, outside ${overhead}..${max}`);
    }
  }

  private authenticatePeer(payload: Uint8Array): void {
    const rs = this.noise.rs;
    if (rs === null || rs.byteLength !== X25519_KEY_BYTES) this.fail('peer static key missing after its message');
    this.remotePayload = new Uint8Array(payload);
    try {
      this.peer = this.opts.authenticate(this.remotePayload, new Uint8Array(rs));
    } catch (err) {
      this.destroy();
      if (err instanceof SkeinError) throw err;
      throw new SkeinError(ErrorCodes.HANDSHAKE, `${this.label}: peer authentication failed: ${describe(err)}`, { cause: err });
    }
  }

  private finish(): HandshakeResult<P> {
    const n = this.noise;
    if (!n.complete || this.peer === null || this.remotePayload === null || n.rs === null) {
      return this.fail('handshake did not complete after its last message');
    }
    const result: HandshakeResult<P> = {
      sendKey: copyThenWipe(n.tx),
      receiveKey: copyThenWipe(n.rx),
      remoteStatic: new Uint8Array(n.rs),
      handshakeHash: new Uint8Array(n.hash),
      remotePayload: this.remotePayload,
      peer: this.peer,
    };
    this.transition('complete');
    this.destroy();
    return result;
  }

  private expect(state: HandshakeState, action: string): void {
    if (this.current !== state) this.fail(`cannot ${action} in state '${this.current}'`);
  }

  private transition(next: HandshakeState): void {
    if (!TRANSITIONS[this.current].includes(next)) this.fail(`illegal transition ${this.current} -> ${next}`);
    this.current = next;
  }

  /** Run a noise-handshake step; any exception fails the handshake. */
  private guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      return this.fail(`${what}: ${describe(err)}`, err);
    }
  }

  private fail(reason: string, cause?: unknown): never {
    this.destroy();
    throw new SkeinError(ErrorCodes.HANDSHAKE, `${this.label}: ${reason}`, { cause });
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

function wipeInternals(n: NoiseInternals): void {
  for (const secret of [n.s?.secretKey, n.e?.secretKey, n.key, n.chainingKey, n.digest]) {
    if (secret instanceof Uint8Array) wipe(secret);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
