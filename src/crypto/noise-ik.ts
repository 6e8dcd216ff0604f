/**
 * A sans-I/O Noise IK handshake (Noise_IK_25519_ChaChaPoly_BLAKE2b) on
 * holepunch's `noise-handshake`, in the style of ./noise.ts (XX) and on the
 * same state-machine base (./noise-state.ts). IK fits
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
import { X25519_KEY_BYTES } from './primitives.js';
import { NOISE_TAG_BYTES } from './noise.js';
import { type Authenticate, type NoiseCommonOptions, type NoiseKeys, NoiseParty, type TransitionTable } from './noise-state.js';

export type { NoiseKeys } from './noise-state.js';

/** Fixed overhead of message 1 around its payload: e, encrypted s, payload tag. */
export const NOISE_IK_MSG1_OVERHEAD = X25519_KEY_BYTES + (X25519_KEY_BYTES + NOISE_TAG_BYTES) + NOISE_TAG_BYTES;
/** Fixed overhead of message 2 around its payload: e, payload tag. */
export const NOISE_IK_MSG2_OVERHEAD = X25519_KEY_BYTES + NOISE_TAG_BYTES;

export type NoiseIKState = 'new' | 'awaiting-msg2' | 'complete' | 'failed';

const TRANSITIONS: TransitionTable<NoiseIKState> = {
  new: ['awaiting-msg2', 'complete', 'failed'],
  'awaiting-msg2': ['complete', 'failed'],
  complete: [],
  failed: [],
};

export interface NoiseIKInitiatorOptions extends NoiseCommonOptions {
  /** The responder's static X25519 key, known in advance. */
  remoteStatic: Uint8Array;
}

export interface NoiseIKResponderOptions<P> extends NoiseCommonOptions {
  authenticate: Authenticate<P>;
}

export class NoiseIKInitiator extends NoiseParty<NoiseIKState> {
  private readonly payload: Uint8Array;

  constructor(opts: NoiseIKInitiatorOptions) {
    super('noise IK initiator', TRANSITIONS, { pattern: 'IK', initiator: true, ...opts });
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
    return this.takeKeys(new Uint8Array(payload));
  }
}

export class NoiseIKResponder<P> extends NoiseParty<NoiseIKState> {
  constructor(private readonly opts: NoiseIKResponderOptions<P>) {
    super('noise IK responder', TRANSITIONS, { pattern: 'IK', initiator: false, ...opts });
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
    const peer = this.authenticateRemote(this.opts.authenticate, payload, 'initiator', 'message 1');
    const msg2 = this.guard('writing message 2', () => this.noise.send(Buffer.from(this.opts.payload)));
    return { send: msg2, result: { ...this.takeKeys(payload), peer } };
  }
}
