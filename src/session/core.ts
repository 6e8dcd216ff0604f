/**
 * The session manager's state and the operations its parts share (the
 * public API is manager.ts; handshake receipt is receive-handshake.ts; the
 * timers are timers.ts). Not exported from the package: its invariants are
 * the manager's to keep.
 *
 * Invariants:
 * - every live keypair and pending handshake is in `indexes` under its
 *   local index, and nothing else is;
 * - a keypair removed from its peer is wiped and unindexed (`discard`);
 * - `peers` holds at most limits.maxPeers entries; idle ones go at tick.
 */
import { SkeinError, ErrorCodes } from '../util/errors.js';
import type { BoundedMap } from '../util/bounded-map.js';
import { DEFAULT_HOP_LIMIT, PACKET_HEADER_BYTES } from '../wire/packet-constants.js';
import { INIT_MATCH_BYTES } from './sent-match.js';
import { nodeIdFromText } from '../identity/node-id.js';
import { type HandshakeClock, initiate } from './handshake.js';
import type { SessionKeypair } from './keypair.js';
import type { SessionLimits } from './limits.js';
import { PeerSessions, type PendingHandshake } from './peer.js';
import type { HandshakeBudget } from './handshake-budget.js';
import {
  SESSION_DROP_REASONS,
  type SessionCloseReason,
  type SessionCounters,
  type SessionDropReason,
  type SessionManagerOptions,
  type SessionPeer,
  type SessionResult,
} from './types.js';

export interface IndexEntry {
  peer: PeerSessions;
  keypair?: SessionKeypair;
  pending?: PendingHandshake;
}

export interface CoreParts {
  opts: SessionManagerOptions;
  limits: SessionLimits;
  localIdText: string;
  prologue: Uint8Array;
  clock: HandshakeClock;
  handshakeBudget: HandshakeBudget;
  /** Newest init timestamp accepted per node (handshake replay defence). */
  lastInitTimestamps: BoundedMap<string, number>;
}

/** Random 32-bit indexes collide rarely; this many tries make failure practically impossible. */
const MAX_INDEX_TRIES = 64;
/** Bound on the retry wait's doubling (it is capped at handshakeRetryMs long before). */
const MAX_RETRY_DOUBLINGS = 30;
const EMPTY = new Uint8Array(0);

export class SessionCore implements CoreParts {
  readonly opts: SessionManagerOptions;
  readonly limits: SessionLimits;
  readonly localIdText: string;
  readonly prologue: Uint8Array;
  readonly clock: HandshakeClock;
  readonly handshakeBudget: HandshakeBudget;
  readonly lastInitTimestamps: BoundedMap<string, number>;
  readonly peers = new Map<string, PeerSessions>();
  readonly indexes = new Map<number, IndexEntry>();
  readonly counters: SessionCounters = {
    sent: 0, delivered: 0, keepalivesSent: 0, keepalivesReceived: 0,
    handshakesInitiated: 0, handshakesResponded: 0, sessionsEstablished: 0,
    drops: Object.fromEntries(SESSION_DROP_REASONS.map((r) => [r, 0])) as Record<SessionDropReason, number>,
  };

  constructor(parts: CoreParts) {
    this.opts = parts.opts;
    this.limits = parts.limits;
    this.localIdText = parts.localIdText;
    this.prologue = parts.prologue;
    this.clock = parts.clock;
    this.handshakeBudget = parts.handshakeBudget;
    this.lastInitTimestamps = parts.lastInitTimestamps;
  }

  /** Wall time for `nowMs` (monotonic): see SessionManagerOptions.wallClock. */
  wallMs(nowMs: number): number {
    return this.opts.wallClock?.() ?? nowMs;
  }

  result(): SessionResult {
    return { send: [], events: [] };
  }

  /** Count `count` drops for `reason` and report the reason in `out`. */
  drop(out: SessionResult, reason: SessionDropReason, peer?: string, detail?: string, count = 1): SessionResult {
    this.counters.drops[reason] += count;
    out.drop = { reason, ...(peer !== undefined ? { peer } : {}), ...(detail !== undefined ? { detail } : {}) };
    return out;
  }

  snapshotCounters(): SessionCounters {
    return { ...this.counters, drops: { ...this.counters.drops } };
  }

  hasRoomFor(idText: string): boolean {
    return this.peers.has(idText) || this.peers.size < this.limits.maxPeers;
  }

  /** The peer's entry, created if there is room. */
  peerFor(idText: string, id: Uint8Array = nodeIdFromText(idText)): PeerSessions | undefined {
    let peer = this.peers.get(idText);
    if (peer === undefined) {
      if (this.peers.size >= this.limits.maxPeers) return undefined;
      peer = new PeerSessions(idText, new Uint8Array(id), this.opts.offload);
      this.peers.set(idText, peer);
    }
    return peer;
  }

  allocIndex(): number {
    for (let i = 0; i < MAX_INDEX_TRIES; i++) {
      const b = this.opts.random.bytes(4);
      const index = b[0]! * 0x100_0000 + ((b[1]! << 16) | (b[2]! << 8) | b[3]!);
      if (!this.indexes.has(index)) return index;
    }
    throw new SkeinError(ErrorCodes.HANDSHAKE, `no free session index after ${MAX_INDEX_TRIES} tries (is the random source broken?)`);
  }

  needsRekey(kp: SessionKeypair, nowMs: number): boolean {
    return kp.sent >= this.limits.rekeyAfterMessages || (kp.role === 'initiator' && kp.ageMs(nowMs) >= this.limits.rekeyAfterMs);
  }

  /** Seal and emit one DATA packet (empty plaintext = keepalive). */
  seal(peer: PeerSessions, kp: SessionKeypair, plaintext: Uint8Array, hopLimit: number, nowMs: number, out: SessionResult, inPlace = false): void {
    out.send.push({ to: peer.idText, bytes: kp.seal(plaintext, hopLimit, inPlace), withRoom: true });
    this.counters.sent++;
    peer.lastSentMs = nowMs;
    peer.unansweredSinceMs = undefined;
    if (plaintext.byteLength === 0) this.counters.keepalivesSent++;
    else peer.awaitingReplySinceMs ??= nowMs;
  }

  sendKeepalive(peer: PeerSessions, kp: SessionKeypair, nowMs: number, out: SessionResult): void {
    this.seal(peer, kp, EMPTY, DEFAULT_HOP_LIMIT, nowMs, out);
  }

  /**
   * Seal what is queued with the current keys, while they last; returns how
   * many. Keys that run out mid-queue leave the rest queued for a rekey.
   */
  flushQueue(peer: PeerSessions, nowMs: number, out: SessionResult): number {
    let sent = 0;
    for (;;) {
      const kp = peer.current;
      if (kp === undefined || !kp.canSeal(nowMs, this.limits.rejectAfterMs)) break;
      const q = peer.dequeue();
      if (q === undefined) break;
      this.seal(peer, kp, q.plaintext, q.hopLimit, nowMs, out, q.inPlace);
      sent++;
    }
    const current = peer.current;
    if (peer.queue.length > 0 || (current !== undefined && this.needsRekey(current, nowMs))) this.startHandshake(peer, nowMs, out);
    return sent;
  }

  /**
   * Make sure a handshake with `peer` is under way (`restart`: begin a new
   * series even if one is). False if the routing database does not know the
   * peer: then its queue is dropped.
   */
  startHandshake(peer: PeerSessions, nowMs: number, out: SessionResult, opts: { restart?: boolean } = {}): boolean {
    if (peer.pending !== undefined && opts.restart !== true) return true;
    const identity = this.opts.lookupPeer(peer.idText);
    if (identity === undefined || identity.idText !== peer.idText) {
      const dropped = peer.takeQueue().length;
      this.drop(out, 'unknown-peer', peer.idText, 'no certified key for this node in the routing database', Math.max(1, dropped));
      return false;
    }
    this.newAttempt(peer, identity, nowMs, nowMs, 1, out);
    return true;
  }

  /** When attempt `attempt` of a series is retried: handshakeFirstRetryMs, doubling up to handshakeRetryMs, plus scaled jitter. */
  retryDelay(attempt: number): number {
    const { handshakeRetryMs, handshakeFirstRetryMs, handshakeRetryJitterMs } = this.limits;
    const base = Math.min(handshakeRetryMs, handshakeFirstRetryMs * 2 ** Math.min(attempt - 1, MAX_RETRY_DOUBLINGS));
    const jitterMs = Math.floor((handshakeRetryJitterMs * base) / handshakeRetryMs);
    return base + Math.floor(this.opts.random.float() * (jitterMs + 1));
  }

  /** A fresh handshake attempt (new ephemeral, new index), replacing any pending one. */
  newAttempt(peer: PeerSessions, identity: SessionPeer, nowMs: number, firstAttemptMs: number, attempt: number, out: SessionResult): void {
    this.discardPending(peer);
    const localIndex = this.allocIndex();
    let started: ReturnType<typeof initiate>;
    try {
      started = initiate({
        staticKeyPair: this.opts.staticKeyPair, prologue: this.prologue, localId: this.opts.localId, localIndex,
        peer: identity, timestamp: this.clock.next(this.wallMs(nowMs)), chain: this.opts.certificateChain,
      });
    } catch (err) {
      if (!(err instanceof SkeinError)) throw err;
      this.drop(out, 'handshake-failed', peer.idText, err.message);
      return;
    }
    const pending: PendingHandshake = {
      handshake: started.handshake, identity, localIndex, firstAttemptMs, retryAtMs: nowMs + this.retryDelay(attempt), attempt,
      initPrefix: started.packet.slice(PACKET_HEADER_BYTES, PACKET_HEADER_BYTES + INIT_MATCH_BYTES),
    };
    peer.pending = pending;
    this.indexes.set(localIndex, { peer, pending });
    this.counters.handshakesInitiated++;
    out.send.push({ to: peer.idText, bytes: started.packet });
  }

  discardPending(peer: PeerSessions): void {
    const pending = peer.pending;
    if (pending === undefined) return;
    pending.handshake.destroy();
    this.indexes.delete(pending.localIndex);
    peer.pending = undefined;
  }

  discard(kp: SessionKeypair | undefined): void {
    if (kp === undefined) return;
    kp.wipe();
    this.indexes.delete(kp.localIndex);
  }

  /** previous <- current <- kp. */
  promote(peer: PeerSessions, kp: SessionKeypair): void {
    if (peer.previous !== kp) this.discard(peer.previous);
    peer.previous = peer.current;
    peer.current = kp;
    if (peer.next === kp) peer.next = undefined;
  }

  /** A responder's new keys wait in `next` until data proves the initiator has them. */
  installNext(peer: PeerSessions, kp: SessionKeypair): void {
    this.discard(peer.next);
    peer.next = kp;
    this.indexes.set(kp.localIndex, { peer, keypair: kp });
  }

  /** Bookkeeping after a DATA packet authenticated under `kp`. */
  onAuthenticatedData(peer: PeerSessions, kp: SessionKeypair, keepalive: boolean, nowMs: number, out: SessionResult): void {
    peer.lastReceivedMs = nowMs;
    peer.awaitingReplySinceMs = undefined;
    if (!keepalive) peer.unansweredSinceMs ??= nowMs;
    if (kp === peer.next) {
      const rekey = peer.current !== undefined;
      this.promote(peer, kp);
      this.discardPending(peer); // fresh keys in place: our own attempt is moot
      this.counters.sessionsEstablished++;
      if (peer.identity !== undefined) out.events.push({ type: 'established', peer: peer.identity, role: 'responder', rekey });
      this.flushQueue(peer, nowMs, out);
      return;
    }
    // WireGuard's receive-side rekey: an initiator that only receives must still renew before its keys expire.
    const { rejectAfterMs, keepaliveMs, handshakeRetryMs } = this.limits;
    if (kp === peer.current && kp.role === 'initiator' && kp.ageMs(nowMs) >= rejectAfterMs - keepaliveMs - handshakeRetryMs) {
      this.startHandshake(peer, nowMs, out);
    }
  }

  /**
   * DATA under keys we do not hold (anymore): the peer may have lost our
   * session state or we lost theirs (a restart). If we have no working
   * session with it, answer with a handshake - authenticated, unlike an
   * "unknown session" message would be, and rate-limited like inits.
   */
  onUnknownSession(source: string, arrival: string, nowMs: number, out: SessionResult): void {
    const peer = this.peers.get(source);
    if (peer?.pending !== undefined) return;
    if (peer?.current !== undefined && peer.current.canSeal(nowMs, this.limits.rejectAfterMs)) return;
    if (!this.hasRoomFor(source) || this.opts.lookupPeer(source) === undefined) return;
    if (!this.handshakeBudget.admitUnknownSession(arrival, source, nowMs)) return;
    const p = this.peerFor(source);
    if (p !== undefined) this.startHandshake(p, nowMs, out);
  }

  /** Drop an idle or closed peer's entry. */
  forget(peer: PeerSessions): void {
    this.peers.delete(peer.idText);
    peer.release();
  }

  /** End every session with `idText`, drop its queue, forget it. */
  close(idText: string, reason: SessionCloseReason, out: SessionResult): void {
    const peer = this.peers.get(idText);
    if (peer === undefined) return;
    for (const kp of peer.keypairs()) this.discard(kp);
    peer.current = peer.previous = peer.next = undefined;
    this.discardPending(peer);
    const dropped = peer.takeQueue().length;
    this.counters.drops[reason === 'handshake-timeout' ? 'handshake-timeout' : 'closed'] += dropped;
    this.forget(peer);
    out.events.push({ type: 'closed', peer: idText, reason, droppedQueued: dropped });
  }
}
