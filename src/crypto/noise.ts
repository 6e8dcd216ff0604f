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
 * link layer's Member) or throws a SkeinError, which passes through
 * unchanged; every other failure is SKEIN_ERR_HANDSHAKE.
 *
 * State machine (anything else is refused with SKEIN_ERR_HANDSHAKE):
 *
 *   initiator:  new --start()--> awaiting-msg2 --receive(msg2)/send msg3--> complete
 *   responder:  new --start()--> awaiting-msg1 --receive(msg1)/send msg2--> awaiting-msg3
 *                                             --receive(msg3)--> complete
 *   any state --error--> failed        (complete and failed are terminal)
 *
 * The plumbing shared with Noise IK (states, guards, key extraction, wiping)
 * lives in ./noise-state.ts.
 *
 * Pure: no I/O, no clock. Randomness for ephemerals comes from libsodium.
 */
import { X25519_KEY_BYTES } from './primitives.js';
import {
  type Authenticate,
  NOISE_MAX_PAYLOAD_BYTES,
  type NoiseCommonOptions,
  type NoiseKeys,
  NoiseParty,
  type TransitionTable,
} from './noise-state.js';

export { type Authenticate, NOISE_MAX_PAYLOAD_BYTES } from './noise-state.js';

export const NOISE_PROTOCOL_NAME = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
export const NOISE_TAG_BYTES = 16;
/** Fixed overhead of each XX message around its payload. */
export const NOISE_MSG1_BYTES = X25519_KEY_BYTES;
export const NOISE_MSG2_OVERHEAD = X25519_KEY_BYTES + (X25519_KEY_BYTES + NOISE_TAG_BYTES) + NOISE_TAG_BYTES;
export const NOISE_MSG3_OVERHEAD = X25519_KEY_BYTES + NOISE_TAG_BYTES + NOISE_TAG_BYTES;
/** Largest handshake message either side may send or accept. */
export const NOISE_MAX_HANDSHAKE_MESSAGE_BYTES = NOISE_MAX_PAYLOAD_BYTES + NOISE_MSG2_OVERHEAD;

export type HandshakeRole = 'initiator' | 'responder';

export type HandshakeState = 'new' | 'awaiting-msg1' | 'awaiting-msg2' | 'awaiting-msg3' | 'complete' | 'failed';

/** The legal moves; `transition` refuses everything else. */
const TRANSITIONS: TransitionTable<HandshakeState> = {
  new: ['awaiting-msg1', 'awaiting-msg2', 'failed'],
  'awaiting-msg1': ['awaiting-msg3', 'failed'],
  'awaiting-msg2': ['complete', 'failed'],
  'awaiting-msg3': ['complete', 'failed'],
  complete: [],
  failed: [],
};

export interface NoiseXXOptions<P> extends NoiseCommonOptions {
  role: HandshakeRole;
  authenticate: Authenticate<P>;
}

export interface HandshakeResult<P> extends NoiseKeys {
  /** What `authenticate` returned. */
  peer: P;
}

export interface HandshakeStep<P> {
  /** Bytes to send to the peer now, if any. */
  send: Uint8Array | null;
  /** Set once the handshake is complete. */
  result: HandshakeResult<P> | null;
}

export class NoiseXX<P> extends NoiseParty<HandshakeState> {
  private peer: P | null = null;
  private remotePayload: Uint8Array | null = null;

  constructor(private readonly opts: NoiseXXOptions<P>) {
    super(`noise ${opts.role}`, TRANSITIONS, { pattern: 'XX', initiator: opts.role === 'initiator', ...opts });
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

  private authenticatePeer(payload: Uint8Array): void {
    this.remotePayload = new Uint8Array(payload);
    this.peer = this.authenticateRemote(this.opts.authenticate, this.remotePayload, 'peer', 'its message');
  }

  private finish(): HandshakeResult<P> {
    if (this.peer === null || this.remotePayload === null) {
      return this.fail('handshake did not complete after its last message');
    }
    return { ...this.takeKeys(this.remotePayload), peer: this.peer };
  }
}
