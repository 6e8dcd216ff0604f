/**
 * The vocabulary of the session manager: what it is given (injected
 * identity hooks) and what it returns (packets to send, data to deliver,
 * drops, events). The daemon turns results into I/O; nothing here does any.
 */
import type { SessionOffload } from './offload.js';
import type { DhKeyPair } from '../crypto/primitives.js';
import type { Member } from '../identity/member.js';
import type { Random } from '../util/random.js';
import type { SessionLimits } from './limits.js';

/** The member a session is with (identity/member.ts); its sessions end at its `notAfterMs`. */
export type SessionPeer = Member;

/**
 * What the routing database says about a member: its certified key (the
 * initiator's IK pre-message is this key's X25519 form). Must return only
 * certified, unrevoked, unexpired members; undefined otherwise.
 */
export type LookupPeer = (idText: string) => SessionPeer | undefined;

/**
 * Checks an initiator's certificate chain (chain to a trusted CA, validity,
 * revocation, and "certifies exactly this static X25519 key"), as the link's
 * AuthenticatePeer does. Returns the proven identity or throws a SkeinError.
 */
export type AuthenticateSessionPeer = (chain: Uint8Array, remoteStaticX25519: Uint8Array) => SessionPeer;

export interface SessionManagerOptions {
  /** Our node id (16 bytes). */
  localId: Uint8Array;
  /** x25519KeyPairFromSigning(node key). */
  staticKeyPair: DhKeyPair;
  /** Our certificate chain, sent inside every handshake we initiate. */
  certificateChain: Uint8Array;
  /** The cluster id (5 bytes), bound into every handshake's prologue. */
  clusterId: Uint8Array;
  authenticatePeer: AuthenticateSessionPeer;
  lookupPeer: LookupPeer;
  /** Session indexes and retry jitter. */
  random: Random;
  /**
   * Monotonic time the manager is created (rate-limit buckets start full
   * then). Every `nowMs` the manager is given is monotonic: budgets, timers
   * and key ages never see a wall-clock step.
   */
  nowMs: number;
  /**
   * Wall time (ms since the epoch), read only for what other members must
   * agree on: handshake timestamps and certificate expiry. Default: the
   * `nowMs` of each call (the simulator and tests, where both are one clock).
   */
  wallClock?: () => number;
  limits?: Partial<SessionLimits>;
  /** A per-packet fast path beside the manager (offload.ts; default: none). */
  offload?: SessionOffload;
}

/** A complete mesh packet for the forwarding plane; `to` is its destination (idText). */
export interface OutboundPacket {
  to: string;
  bytes: Uint8Array;
  /** `bytes` has a link frame's room around it and is the caller's to seal in place (wire/frame-room.ts). */
  withRoom?: true;
}

export interface Delivery {
  from: SessionPeer;
  /** A view into the received packet (decrypted in place). */
  plaintext: Uint8Array;
  /** The hop limit the packet arrived with (the sender's minus the relays on the way). */
  hopLimit: number;
}

export type SessionDropReason =
  | 'malformed' // not a valid mesh/session packet
  | 'not-for-us' // destination is another node (the forwarder should not have delivered it)
  | 'unexpected-type' // not a session packet type (UNREACHABLE goes elsewhere)
  | 'unknown-session' // DATA for a receiver index we do not hold (peer restarted, or we did)
  | 'expired-session' // DATA for keys past their age or message limit
  | 'auth-failed' // AEAD authentication failed: tampered, wrong key, retagged header
  | 'replay' // DATA counter already seen or older than the window
  | 'handshake-failed' // a handshake message that did not verify or authenticate
  | 'handshake-replay' // an init not newer than the last accepted from that node
  | 'rate-limited' // handshake inits over the limit
  | 'unknown-peer' // no certified key for the destination / source
  | 'identity-mismatch' // the proven identity is not the packet's source
  | 'too-large' // plaintext above MAX_SESSION_PLAINTEXT_BYTES
  | 'to-self' // send() to our own id
  | 'queue-overflow' // an older queued packet was dropped for a new one
  | 'handshake-timeout' // queued packets dropped when the handshake was given up
  | 'closed' // queued packets dropped when the session was closed (revocation, expiry)
  | 'too-many-peers'; // peer table full

export const SESSION_DROP_REASONS: readonly SessionDropReason[] = [
  'malformed', 'not-for-us', 'unexpected-type', 'unknown-session', 'expired-session', 'auth-failed', 'replay',
  'handshake-failed', 'handshake-replay', 'rate-limited', 'unknown-peer', 'identity-mismatch', 'too-large', 'to-self',
  'queue-overflow', 'handshake-timeout', 'closed', 'too-many-peers',
];

export interface SessionDrop {
  reason: SessionDropReason;
  /** The peer concerned, when known. */
  peer?: string;
  /** Human-readable detail (names the peer and the check; never a secret). */
  detail?: string;
}

export type SessionCloseReason = 'revoked' | 'certificate-expired' | 'handshake-timeout';

export type SessionEvent =
  | { type: 'established'; peer: SessionPeer; role: 'initiator' | 'responder'; rekey: boolean }
  | { type: 'closed'; peer: string; reason: SessionCloseReason; droppedQueued: number };

export interface SessionResult {
  send: OutboundPacket[];
  deliver?: Delivery;
  drop?: SessionDrop;
  events: SessionEvent[];
}

export interface SessionCounters {
  /** Sealed DATA packets emitted (keepalives included). */
  sent: number;
  delivered: number;
  keepalivesSent: number;
  keepalivesReceived: number;
  handshakesInitiated: number;
  handshakesResponded: number;
  sessionsEstablished: number;
  drops: Record<SessionDropReason, number>;
}

export interface PeerSessionInfo {
  peer: string;
  name: string | undefined;
  /** Age of the current keys in ms, undefined without a session. */
  sessionAgeMs: number | undefined;
  role: 'initiator' | 'responder' | undefined;
  handshaking: boolean;
  queued: number;
  /** Monotonic ms (the manager's time base) of the last authenticated DATA from the peer. */
  lastReceivedMs: number | undefined;
}
