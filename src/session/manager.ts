/**
 * End-to-end sessions of one node with every other member, pure: the daemon
 * calls `send` (an application datagram), `receive` (a mesh packet addressed
 * to us) and `tick` (timers), and performs what comes back. No I/O, no
 * timers, no clock: time is the `nowMs` of each call.
 *
 * Pipelines:
 *   send:    plaintext -> current keys? seal -> packet out
 *                                      : queue (bounded) -> handshake init out
 *   receive: DATA     -> index -> keys -> replay check -> AEAD open in place
 *                        -> (confirm a responder's next keys) -> deliver
 *            INIT     -> rate limit -> IK responder (authenticate, replay
 *                        check) -> next keys -> response out
 *            RESPONSE -> our pending handshake -> current keys -> flush queue
 *   tick:    certificate expiry, key expiry, handshake retry / give-up,
 *            passive keepalive, dead-session detection (timers.ts)
 *
 * Failure policy: nothing a packet contains makes these methods throw; a
 * bad packet is a `drop` with a counted reason. They throw only on caller
 * bugs (bad id text, empty plaintext).
 */
import { nodeIdFromText, nodeIdToText } from '../identity/node-id.js';
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import { BoundedMap } from '../util/bounded-map.js';
import { DEFAULT_HOP_LIMIT, MAX_SESSION_PLAINTEXT_BYTES, PacketType } from '../wire/packet-constants.js';
import { type PacketHeader, isDestination, readHeader, sourceIdText } from '../wire/packet.js';
import { readDataPrefix } from '../wire/session-messages.js';
import { copyWithRoom, pinsLargerBuffer } from '../wire/frame-room.js';
import { HandshakeClock, sessionPrologue } from './handshake.js';
import { SEAL_IN_PLACE_HEADROOM, SEAL_IN_PLACE_TAILROOM } from '../wire/packet-room.js';
import { type SessionLimits, resolveSessionLimits } from './limits.js';
import { HandshakeBudget, LOCAL_ARRIVAL } from './handshake-budget.js';
import { SessionCore } from './core.js';
import { acceptInit, acceptResponse } from './receive-handshake.js';
import { runTimers } from './timers.js';
import { sentRecently } from './sent-match.js';
import {
  type PeerSessionInfo,
  type SessionCounters,
  type SessionManagerOptions,
  type SessionPeer,
  type SessionResult,
} from './types.js';

export interface SendOptions {
  /** Hop limit of the sealed packet (trace probes use small ones). */
  hopLimit?: number;
  /**
   * The plaintext is a view with SEAL_IN_PLACE_HEADROOM/TAILROOM around it
   * (SessionKeypair), given up to the session: seal over it, no copy.
   */
  inPlace?: boolean;
}

export class SessionManager {
  private readonly core: SessionCore;

  constructor(opts: SessionManagerOptions) {
    const limits: SessionLimits = resolveSessionLimits(opts.limits);
    this.core = new SessionCore({
      opts,
      limits,
      localIdText: nodeIdToText(opts.localId),
      prologue: sessionPrologue(opts.clusterId),
      clock: new HandshakeClock(),
      handshakeBudget: new HandshakeBudget(limits, opts.nowMs),
      lastInitTimestamps: new BoundedMap(limits.maxPeers),
    });
  }

  /** Seal `plaintext` (1..MAX_SESSION_PLAINTEXT_BYTES bytes) for `destIdText`, handshaking first if needed. */
  send(destIdText: string, plaintext: Uint8Array, nowMs: number, opts: SendOptions = {}): SessionResult {
    const core = this.core;
    const out = core.result();
    if (plaintext.byteLength === 0) throw new SkeinError(ErrorCodes.USAGE, 'session send: empty plaintext (an empty DATA packet is the keepalive)');
    const hopLimit = opts.hopLimit ?? DEFAULT_HOP_LIMIT;
    // Known peers skip the id parse (their text was checked when they were added): hot path.
    const known = core.peers.get(destIdText);
    const destId = known?.id ?? nodeIdFromText(destIdText);
    if (destIdText === core.localIdText) return core.drop(out, 'to-self', destIdText);
    if (plaintext.byteLength > MAX_SESSION_PLAINTEXT_BYTES) {
      return core.drop(out, 'too-large', destIdText, `${plaintext.byteLength} bytes > ${MAX_SESSION_PLAINTEXT_BYTES}`);
    }
    const peer = known ?? core.peerFor(destIdText, destId);
    if (peer === undefined) return core.drop(out, 'too-many-peers', destIdText);
    const current = peer.current;
    if (current !== undefined && current.canSeal(nowMs, core.limits.rejectAfterMs)) {
      core.seal(peer, current, plaintext, hopLimit, nowMs, out, opts.inPlace === true);
      if (core.needsRekey(current, nowMs)) core.startHandshake(peer, nowMs, out);
      return out;
    }
    // Queued until a handshake ends: an in-place plaintext gets a buffer of its own (same room), so it
    // does not keep the whole read batch it came in alive.
    const inPlace = opts.inPlace === true;
    const queued = inPlace && pinsLargerBuffer(plaintext) ? copyWithRoom(plaintext, SEAL_IN_PLACE_HEADROOM, SEAL_IN_PLACE_TAILROOM) : plaintext;
    const dropped = peer.enqueue({ plaintext: queued, hopLimit, inPlace }, core.limits.maxQueuedPackets, core.limits.maxQueuedBytes);
    if (dropped > 0) core.drop(out, 'queue-overflow', destIdText, `${dropped} older queued packet(s) dropped`, dropped);
    core.startHandshake(peer, nowMs, out);
    return out;
  }

  /**
   * Handle one mesh packet addressed to this node. Decrypts DATA in place:
   * `packet` is consumed. `arrival`: the neighbour (id text) it came from,
   * which handshake budgets are charged to (handshake-budget.ts).
   */
  receive(packet: Uint8Array, nowMs: number, arrival: string = LOCAL_ARRIVAL): SessionResult {
    const core = this.core;
    const out = core.result();
    let header: PacketHeader;
    try {
      header = readHeader(packet);
    } catch (err) {
      if (err instanceof DecodeError) return core.drop(out, 'malformed', undefined, err.message);
      throw err;
    }
    if (!isDestination(packet, this.core.opts.localId)) return core.drop(out, 'not-for-us', sourceIdText(packet));
    switch (header.type) {
      case PacketType.DATA:
        return this.receiveData(packet, header.hopLimit, arrival, nowMs, out);
      case PacketType.HANDSHAKE_INIT:
        return acceptInit(core, packet, arrival, nowMs, out);
      case PacketType.HANDSHAKE_RESPONSE:
        return acceptResponse(core, packet, nowMs, out);
      default:
        return core.drop(out, 'unexpected-type', sourceIdText(packet), `packet type ${header.type}`);
    }
  }

  /**
   * When the next handshake retry falls due (Infinity when none). A caller
   * that ticks every few hundred ms should also tick then: a lost first
   * handshake is otherwise retried only at its next tick.
   */
  nextRetryAtMs(): number {
    let at = Infinity;
    for (const peer of this.core.peers.values()) if (peer.pending !== undefined) at = Math.min(at, peer.pending.retryAtMs);
    return at;
  }

  /** Run every timer that is due at `nowMs`. Call it every few hundred ms (and at nextRetryAtMs). */
  tick(nowMs: number): SessionResult {
    const out = this.core.result();
    runTimers(this.core, nowMs, out);
    return out;
  }

  /** The peer's certificate was revoked: end its sessions now and drop what was queued for it. */
  revoke(idText: string): SessionResult {
    const out = this.core.result();
    this.core.close(idText, 'revoked', out);
    return out;
  }

  /**
   * The peer has a new certificate (same key, so same id): handshake again
   * now, as for a rekey, so the session carries the new identity. The old
   * keys keep working until the new ones are in place.
   */
  refresh(idText: string, nowMs: number): SessionResult {
    const out = this.core.result();
    const peer = this.core.peers.get(idText);
    if (peer !== undefined && (peer.current !== undefined || peer.queue.length > 0)) this.core.startHandshake(peer, nowMs, out, { restart: true });
    return out;
  }

  /** The proven identity of every peer we hold sessions or handshakes with (for trust re-checks). */
  identities(): SessionPeer[] {
    const out: SessionPeer[] = [];
    for (const p of this.core.peers.values()) if (p.identity !== undefined) out.push(p.identity);
    return out;
  }

  /**
   * Is `quote` (from an unreachable report, its source already checked to be
   * us) the start of a packet we sent lately? Cheap: no crypto (sent-match.ts).
   */
  sentRecently(quote: Uint8Array): boolean {
    return sentRecently(this.core, quote);
  }

  hasSession(idText: string, nowMs: number): boolean {
    const current = this.core.peers.get(idText)?.current;
    return current !== undefined && current.canSeal(nowMs, this.core.limits.rejectAfterMs);
  }

  counters(): SessionCounters {
    return this.core.snapshotCounters();
  }

  peers(nowMs: number): PeerSessionInfo[] {
    return [...this.core.peers.values()].map((p) => ({
      peer: p.idText,
      name: p.identity?.name,
      sessionAgeMs: p.current?.ageMs(nowMs),
      role: p.current?.role,
      handshaking: p.pending !== undefined,
      queued: p.queue.length,
      lastReceivedMs: p.lastReceivedMs,
    }));
  }

  private receiveData(packet: Uint8Array, hopLimit: number, arrival: string, nowMs: number, out: SessionResult): SessionResult {
    const core = this.core;
    const source = sourceIdText(packet);
    let prefix;
    try {
      prefix = readDataPrefix(packet);
    } catch (err) {
      // The only thing that can fail here is a counter beyond 2^53, which no sender of ours uses.
      if (err instanceof DecodeError) return core.drop(out, 'auth-failed', source, err.message);
      throw err;
    }
    const entry = core.indexes.get(prefix.receiverIndex);
    const keypair = entry?.keypair;
    if (entry === undefined || keypair === undefined) {
      core.onUnknownSession(source, arrival, nowMs, out);
      return core.drop(out, 'unknown-session', source, `receiver index ${prefix.receiverIndex}`);
    }
    // The source is in the AD: a packet whose source is not the session's peer cannot authenticate.
    if (entry.peer.idText !== source) return core.drop(out, 'auth-failed', source, `session ${prefix.receiverIndex} is not with this source`);
    const peer = entry.peer;
    if (!keypair.canOpen(nowMs, core.limits.rejectAfterMs)) {
      core.onUnknownSession(source, arrival, nowMs, out);
      return core.drop(out, 'expired-session', source);
    }
    const opened = keypair.open(packet, prefix.counter);
    if (opened === 'auth-failed') return core.drop(out, 'auth-failed', source, `counter ${prefix.counter}`);
    if (opened === 'replay') return core.drop(out, 'replay', source, `counter ${prefix.counter}`);
    core.onAuthenticatedData(peer, keypair, opened.byteLength === 0, nowMs, out);
    if (opened.byteLength === 0) {
      core.counters.keepalivesReceived++;
      return out;
    }
    core.counters.delivered++;
    out.deliver = { from: peer.identity!, plaintext: opened, hopLimit };
    return out;
  }
}
