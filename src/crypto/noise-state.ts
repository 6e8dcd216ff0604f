/**
 * The state-machine plumbing that the Noise XX (./noise.ts) and Noise IK
 * (./noise-ik.ts) handshakes share, around one holepunch `noise-handshake`
 * object: the current state and its transition table, refusing illegal moves,
 * turning any library exception into SKEIN_ERR_HANDSHAKE, handing the peer's
 * payload to an injected `authenticate` hook, extracting the transport keys,
 * and wiping every secret on completion, failure or abandonment.
 *
 * Every party starts in 'new' and ends in 'complete' or 'failed' (both
 * terminal); each pattern adds its own 'awaiting-…' states in between.
 *
 * Pure: no I/O, no clock. Ephemerals come from libsodium.
 */
import Noise, { type NoiseCurve } from 'noise-handshake';
import { type DhKeyPair, X25519_KEY_BYTES, wipe } from './primitives.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

/** Payload limit we impose (certificate chains are a few hundred bytes each). */
export const NOISE_MAX_PAYLOAD_BYTES = 16_384;

/** The states every pattern has: where it begins and its two terminal states. */
export type NoiseLifecycleState = 'new' | 'complete' | 'failed';

/** The legal moves from each state; `transition` refuses everything else. */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

/** Proves who the peer is from its payload and static key, or throws a SkeinError. */
export type Authenticate<P> = (peerPayload: Uint8Array, remoteStaticX25519: Uint8Array) => P;

/** What every completed handshake yields. */
export interface NoiseKeys {
  /** Transport key for what we send (equals the peer's receiveKey). */
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  remoteStatic: Uint8Array;
  /** Noise handshake hash h (64 bytes): a channel binding both sides share. */
  handshakeHash: Uint8Array;
  remotePayload: Uint8Array;
}

/** What every party of either pattern is given. */
export interface NoiseCommonOptions {
  /** Our static X25519 key pair (x25519KeyPairFromSigning of the node key). */
  staticKeyPair: DhKeyPair;
  /** Bound into the handshake hash: both sides must use the same bytes (see noisePrologue). */
  prologue: Uint8Array;
  /**
   * Our payload (at most NOISE_MAX_PAYLOAD_BYTES), sent encrypted. XX: in
   * message 2 by the responder, message 3 by the initiator. IK: message 1 by
   * the initiator, message 2 by the responder.
   */
  payload: Uint8Array;
  /** Fixed ephemeral key pair, ONLY for reproducing published test vectors. */
  testOnlyEphemeral?: DhKeyPair;
  /** The Diffie-Hellman functions (default: the library's X25519); tests inject a counting double. */
  curve?: NoiseCurve;
}

export type { NoiseCurve } from 'noise-handshake';

export interface NoiseSetup extends NoiseCommonOptions {
  pattern: 'XX' | 'IK';
  initiator: boolean;
  /** The peer's static key when the pattern pre-shares it (IK initiator). */
  remoteStatic?: Uint8Array;
}

/** The fields of noise-handshake's state that hold secrets, for wiping. */
interface NoiseInternals {
  /** Our own copy of the static key pair (made in the constructor). */
  s: DhKeyPair | null;
  e: DhKeyPair | null;
  key: Uint8Array | null;
  chainingKey: Uint8Array | null;
  digest: Uint8Array | null;
}

/**
 * label || version u8 || cluster id: bound into the handshake hash, so two
 * nodes that differ in protocol, version or cluster fail the handshake.
 */
export function noisePrologue(label: string, version: number, clusterId: Uint8Array, clusterIdBytes: number): Uint8Array {
  if (clusterId.byteLength !== clusterIdBytes) {
    throw new RangeError(`cluster id must be ${clusterIdBytes} bytes, got ${clusterId.byteLength}`);
  }
  const labelBytes = new TextEncoder().encode(label);
  const out = new Uint8Array(labelBytes.byteLength + 1 + clusterIdBytes);
  out.set(labelBytes, 0);
  out[labelBytes.byteLength] = version;
  out.set(clusterId, labelBytes.byteLength + 1);
  return out;
}

/** One side of a Noise handshake; `S` is the pattern's state union. */
export abstract class NoiseParty<S extends string> {
  protected current: S | NoiseLifecycleState = 'new';
  protected readonly noise: Noise;

  protected constructor(
    protected readonly label: string,
    private readonly transitions: TransitionTable<S | NoiseLifecycleState>,
    setup: NoiseSetup,
  ) {
    if (setup.payload.byteLength > NOISE_MAX_PAYLOAD_BYTES) {
      throw new SkeinError(ErrorCodes.HANDSHAKE, `${label}: handshake payload is ${setup.payload.byteLength} bytes, above the ${NOISE_MAX_PAYLOAD_BYTES}-byte limit`);
    }
    this.noise = new Noise(setup.pattern, setup.initiator, toBuffer(setup.staticKeyPair), setup.curve === undefined ? {} : { curve: setup.curve });
    const remoteStatic = setup.remoteStatic === undefined ? undefined : Buffer.from(setup.remoteStatic);
    this.guard('initialising', () => this.noise.initialise(Buffer.from(setup.prologue), remoteStatic));
    if (setup.testOnlyEphemeral !== undefined) this.noise.e = toBuffer(setup.testOnlyEphemeral);
  }

  get state(): S | NoiseLifecycleState {
    return this.current;
  }

  /** Forget every secret (call when abandoning a handshake). Idempotent. */
  destroy(): void {
    if (this.current !== 'complete' && this.current !== 'failed') this.current = 'failed';
    wipeInternals(this.noise as unknown as NoiseInternals);
  }

  /** Refuse a message whose length cannot hold `overhead` plus an allowed payload. */
  protected checkLength(message: Uint8Array, overhead: number, n: number): void {
    const max = NOISE_MAX_PAYLOAD_BYTES + overhead;
    if (message.byteLength < overhead || message.byteLength > max) {
      this.fail(`message ${n} is ${message.byteLength} bytes, outside ${overhead}..${max}`);
    }
  }

  /**
   * Hand the peer's payload and static key (`who`: 'peer', 'initiator') to
   * `authenticate`. A SkeinError it throws passes through unchanged; anything
   * else becomes SKEIN_ERR_HANDSHAKE. Either way the handshake is destroyed.
   */
  protected authenticateRemote<P>(authenticate: Authenticate<P>, payload: Uint8Array, who: string, afterWhat: string): P {
    const rs = this.noise.rs;
    if (rs === null || rs.byteLength !== X25519_KEY_BYTES) this.fail(`${who} static key missing after ${afterWhat}`);
    try {
      return authenticate(payload, new Uint8Array(rs));
    } catch (err) {
      this.destroy();
      if (err instanceof SkeinError) throw err;
      throw new SkeinError(ErrorCodes.HANDSHAKE, `${this.label}: ${who} authentication failed: ${describe(err)}`, { cause: err });
    }
  }

  /** Copy the transport keys out, move to 'complete' and wipe the handshake state. */
  protected takeKeys(remotePayload: Uint8Array): NoiseKeys {
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

  protected expect(state: S | NoiseLifecycleState, action: string): void {
    if (this.current !== state) this.fail(`cannot ${action} in state '${this.current}'`);
  }

  protected transition(next: S | NoiseLifecycleState): void {
    if (!this.transitions[this.current].includes(next)) this.fail(`illegal transition ${this.current} -> ${next}`);
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
