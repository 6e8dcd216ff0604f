/**
 * Every timer and bound of end-to-end sessions, named, with defaults after
 * WireGuard's (whitepaper section 6), which solve the same problem: rekey
 * often enough that a key never protects much, keep the previous keys long
 * enough for packets in flight, retry lost handshakes, give up eventually.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { RateLimit } from '../util/token-bucket.js';

export type { RateLimit } from '../util/token-bucket.js';

export interface SessionLimits {
  /** The initiator of a session starts a new handshake once its keys are this old (WG REKEY_AFTER_TIME). */
  rekeyAfterMs: number;
  /** Keys this old are never used again, either way (WG REJECT_AFTER_TIME). */
  rejectAfterMs: number;
  /** A new handshake once this many messages were sent with one key (WG REKEY_AFTER_MESSAGES, scaled to exact JS integers). */
  rekeyAfterMessages: number;
  /** A key never seals or opens a counter at or above this (exact as a JS number; 2^48 like link transport). */
  rejectAfterMessages: number;
  /** A handshake without an answer is retried after this long (WG REKEY_TIMEOUT)... */
  handshakeRetryMs: number;
  /** ...plus up to this much random jitter, so two peers do not retry in lockstep. */
  handshakeRetryJitterMs: number;
  /**
   * The first retry of a series comes this soon, then the wait doubles up to
   * handshakeRetryMs (jitter scaled alike). A handshake sent while routes
   * converge (a mesh just started or rerouted) is often dropped by a relay
   * or a responder that has no route yet. The route back usually arrives
   * within tens of milliseconds and a handshake takes about as long, so a
   * first retry a little later than that gets the first packet through
   * without waiting a full handshakeRetryMs.
   */
  handshakeFirstRetryMs: number;
  /** After this long without success the handshake is given up and queued packets dropped (WG REKEY_ATTEMPT_TIME). */
  handshakeGiveUpMs: number;
  /**
   * Passive keepalive (WG KEEPALIVE_TIMEOUT): data received and nothing sent
   * back for this long -> send an empty keepalive. Data sent and nothing
   * received for this + handshakeRetryMs -> assume the peer lost the session
   * (restart) and handshake again.
   */
  keepaliveMs: number;
  /** Packets queued per peer while a handshake is in progress (oldest dropped beyond). */
  maxQueuedPackets: number;
  maxQueuedBytes: number;
  /** Peers with session state at once; more is refused (a cluster's member count bounds real use). */
  maxPeers: number;
  /** Handshake inits processed (each costs X25519 operations), all sources together (handshake-budget.ts)... */
  handshakeRate: RateLimit;
  /** ...per arrival link (the neighbour an init came from), whatever source it claims... */
  handshakeRatePerLink: RateLimit;
  /** ...per (arrival link, claimed source): junk naming B over one link cannot spend B's budget on another... */
  handshakeRatePerSource: RateLimit;
  /** ...and per proven source: charged only once an init authenticates, checked before any work. */
  handshakeRatePerProvenSource: RateLimit;
  /** Keys tracked in each of those tables (least recently seen forgotten first). */
  maxRateLimitedSources: number;
}

export const DEFAULT_SESSION_LIMITS: Readonly<SessionLimits> = Object.freeze({
  rekeyAfterMs: 120_000,
  rejectAfterMs: 180_000,
  rekeyAfterMessages: 2 ** 47,
  rejectAfterMessages: 2 ** 48,
  handshakeRetryMs: 5_000,
  handshakeRetryJitterMs: 333,
  handshakeFirstRetryMs: 100,
  handshakeGiveUpMs: 90_000,
  keepaliveMs: 10_000,
  maxQueuedPackets: 64,
  maxQueuedBytes: 1024 * 1024,
  maxPeers: 16_384,
  handshakeRate: Object.freeze({ perSecond: 200, burst: 400 }),
  handshakeRatePerLink: Object.freeze({ perSecond: 50, burst: 100 }),
  handshakeRatePerSource: Object.freeze({ perSecond: 2, burst: 8 }),
  handshakeRatePerProvenSource: Object.freeze({ perSecond: 2, burst: 8 }),
  maxRateLimitedSources: 4096,
});

function positive(key: string, v: number): void {
  if (!Number.isSafeInteger(v) || v <= 0) throw new SkeinError(ErrorCodes.CONFIG, `session limits: ${key} must be a positive integer, got ${v}`);
}

/** Defaults overlaid with `overrides`, checked for consistency. */
export function resolveSessionLimits(overrides: Partial<SessionLimits> = {}): SessionLimits {
  const l: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...overrides };
  for (const key of ['rekeyAfterMs', 'rejectAfterMs', 'rekeyAfterMessages', 'rejectAfterMessages', 'handshakeRetryMs', 'handshakeFirstRetryMs',
    'handshakeGiveUpMs', 'keepaliveMs', 'maxQueuedPackets', 'maxQueuedBytes', 'maxPeers', 'maxRateLimitedSources'] as const) {
    positive(key, l[key]);
  }
  if (!Number.isSafeInteger(l.handshakeRetryJitterMs) || l.handshakeRetryJitterMs < 0) {
    throw new SkeinError(ErrorCodes.CONFIG, 'session limits: handshakeRetryJitterMs must be a non-negative integer');
  }
  if (l.handshakeFirstRetryMs > l.handshakeRetryMs) throw new SkeinError(ErrorCodes.CONFIG, 'session limits: handshakeFirstRetryMs must be at most handshakeRetryMs');
  if (l.rekeyAfterMs >= l.rejectAfterMs) throw new SkeinError(ErrorCodes.CONFIG, 'session limits: rekeyAfterMs must be below rejectAfterMs');
  if (l.rekeyAfterMessages >= l.rejectAfterMessages) {
    throw new SkeinError(ErrorCodes.CONFIG, 'session limits: rekeyAfterMessages must be below rejectAfterMessages');
  }
  if (l.rejectAfterMessages > 2 ** 53) throw new SkeinError(ErrorCodes.CONFIG, 'session limits: rejectAfterMessages must be at most 2^53');
  return l;
}
