/**
 * What the session manager tells a per-packet fast path that runs beside
 * it (the native endpoint, node/session-offload.ts). The manager keeps
 * every decision; the fast path only needs, per peer, which keys seal now,
 * and a place to record the traffic it carries, which is the manager's own
 * activity record (peer.ts), so the session timers see that traffic too.
 *
 * Without an offload (the simulator, unit tests, daemons without the
 * addon) every packet passes through the manager, as it always has.
 */
import type { CipherFactory, KeypairCipher } from './keypair-cipher.js';

export interface SessionOffload {
  /**
   * A peer the manager now holds state for. `activity` is its activity
   * record (PeerActivity), shared: the fast path reads and writes it.
   * Undefined: this peer's packets all pass through the manager.
   */
  addPeer(id: Uint8Array, activity: Float64Array): OffloadedPeer | undefined;
}

export interface OffloadedPeer {
  /** The ciphers of this peer's keypairs (their keys and counters live with the fast path). */
  readonly ciphers: CipherFactory;
  /** The keys the manager seals this peer's packets with now (undefined: none). */
  setCurrent(cipher: KeypairCipher | undefined): void;
  /** The manager forgot the peer. */
  remove(): void;
}
