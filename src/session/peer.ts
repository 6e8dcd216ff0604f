/**
 * What the manager holds per peer: up to three keypairs, as WireGuard does,
 * an initiator handshake in progress, and a bounded queue of packets that
 * wait for it.
 *
 *   current   the keys we seal with
 *   previous  the keys current replaced: still open packets in flight
 *   next      a responder's new keys, not yet confirmed: they become
 *             current only when the first DATA arrives under them (proof the
 *             initiator finished), so a replayed init can never switch us
 *             to keys nobody holds
 *
 * Rotation:  initiator completes:   previous <- current <- new
 *            responder answers:     next <- new (an older next is dropped)
 *            DATA arrives on next:  previous <- current <- next
 */
import type { NoiseIKInitiator } from '../crypto/noise-ik.js';
import type { SessionKeypair } from './keypair.js';
import type { OffloadedPeer, SessionOffload } from './offload.js';
import type { SessionPeer } from './types.js';

/**
 * A peer's activity times (monotonic ms, NaN for none), in one
 * Float64Array so that a fast path beside the manager (offload.ts) records
 * the traffic it carries where the session timers look.
 */
export const PeerActivity = { LAST_RECEIVED: 0, LAST_SENT: 1, UNANSWERED_SINCE: 2, AWAITING_REPLY_SINCE: 3, FIELDS: 4 } as const;

const read = (a: Float64Array, i: number): number | undefined => {
  const v = a[i]!;
  return Number.isNaN(v) ? undefined : v;
};

export interface PendingHandshake {
  handshake: NoiseIKInitiator;
  /** Who we are handshaking with, as the routing database certified it. */
  identity: SessionPeer;
  localIndex: number;
  /** When the first attempt of this series started (give-up deadline counts from here). */
  firstAttemptMs: number;
  /** When the current attempt's retry falls due. */
  retryAtMs: number;
  /** 1 for the first attempt of the series (the retry wait doubles with each). */
  attempt: number;
  /** The first body bytes of the init sent (sent-match.ts: an unreachable report about it quotes them). */
  initPrefix: Uint8Array;
}

export interface QueuedPacket {
  plaintext: Uint8Array;
  hopLimit: number;
  /** Seal over the plaintext's own buffer (SendOptions.inPlace). */
  inPlace: boolean;
}

export class PeerSessions {
  identity: SessionPeer | undefined;
  previous: SessionKeypair | undefined;
  next: SessionKeypair | undefined;
  pending: PendingHandshake | undefined;
  queue: QueuedPacket[] = [];
  queuedBytes = 0;
  /** The fast path's view of this peer (undefined: none runs). */
  readonly offloaded: OffloadedPeer | undefined;
  private readonly activity = new Float64Array(PeerActivity.FIELDS).fill(Number.NaN);
  private currentKeys: SessionKeypair | undefined;

  constructor(readonly idText: string, readonly id: Uint8Array, offload?: SessionOffload) {
    this.offloaded = offload?.addPeer(id, this.activity);
  }

  /** The keys we seal with (the fast path is told of every change). */
  get current(): SessionKeypair | undefined {
    return this.currentKeys;
  }

  set current(kp: SessionKeypair | undefined) {
    this.currentKeys = kp;
    this.offloaded?.setCurrent(kp?.keys);
  }

  /** Last authenticated DATA (keepalives included) from the peer. */
  get lastReceivedMs(): number | undefined {
    return read(this.activity, PeerActivity.LAST_RECEIVED);
  }

  set lastReceivedMs(v: number | undefined) {
    this.activity[PeerActivity.LAST_RECEIVED] = v ?? Number.NaN;
  }

  /** Last DATA we sent (keepalives included). */
  get lastSentMs(): number | undefined {
    return read(this.activity, PeerActivity.LAST_SENT);
  }

  set lastSentMs(v: number | undefined) {
    this.activity[PeerActivity.LAST_SENT] = v ?? Number.NaN;
  }

  /** Data arrived that we have not answered yet: a keepalive falls due keepaliveMs after this. */
  get unansweredSinceMs(): number | undefined {
    return read(this.activity, PeerActivity.UNANSWERED_SINCE);
  }

  set unansweredSinceMs(v: number | undefined) {
    this.activity[PeerActivity.UNANSWERED_SINCE] = v ?? Number.NaN;
  }

  /** Data sent that the peer has not answered yet: the peer may have lost the session. */
  get awaitingReplySinceMs(): number | undefined {
    return read(this.activity, PeerActivity.AWAITING_REPLY_SINCE);
  }

  set awaitingReplySinceMs(v: number | undefined) {
    this.activity[PeerActivity.AWAITING_REPLY_SINCE] = v ?? Number.NaN;
  }

  /** The manager forgot this peer (its keypairs are wiped already). */
  release(): void {
    this.offloaded?.remove();
  }

  keypairs(): SessionKeypair[] {
    return [this.current, this.previous, this.next].filter((k): k is SessionKeypair => k !== undefined);
  }

  /** Nothing left to keep this entry for. */
  get idle(): boolean {
    return this.keypairs().length === 0 && this.pending === undefined && this.queue.length === 0;
  }

  enqueue(packet: QueuedPacket, maxPackets: number, maxBytes: number): number {
    this.queue.push(packet);
    this.queuedBytes += packet.plaintext.byteLength;
    let dropped = 0;
    while (this.queue.length > 1 && (this.queue.length > maxPackets || this.queuedBytes > maxBytes)) {
      const oldest = this.queue.shift()!;
      this.queuedBytes -= oldest.plaintext.byteLength;
      dropped++;
    }
    return dropped;
  }

  dequeue(): QueuedPacket | undefined {
    const q = this.queue.shift();
    if (q !== undefined) this.queuedBytes -= q.plaintext.byteLength;
    return q;
  }

  takeQueue(): QueuedPacket[] {
    const q = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    return q;
  }
}
