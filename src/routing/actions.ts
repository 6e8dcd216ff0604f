/**
 * What the router asks its host (the daemon, or the simulator) to do. Every
 * event method returns a list of these, in order; the last is always a
 * `wake` when the router has a deadline.
 */
import type { ErrorCode } from '../util/errors.js';
import type { RouteTable } from './spf.js';

export type RoutingAction =
  /** Send these bytes to the neighbour, over its link (as one routing payload). */
  | { type: 'send'; to: string; bytes: Uint8Array }
  /** The route table changed; `changed` lists destinations added, changed or removed. */
  | { type: 'routes-changed'; routes: RouteTable; changed: readonly string[] }
  /** A record was originated with this sequence number: persist it (see sequence.ts). */
  | { type: 'sequence'; sequence: number }
  /** A newer revocation list was installed: persist it and close links to revoked keys. */
  | { type: 'revocation-list'; issuer: string; sequence: number; bytes: Uint8Array; revoked: readonly string[] }
  /** A stored record was dropped because its chain no longer stands (a key revoked, its CA no longer trusted). */
  | { type: 'record-purged'; origin: string; name: string; code: ErrorCode; reason: string }
  /** Something a neighbour sent was refused (for debug logs and counters). */
  | { type: 'rejected'; from: string; origin?: string; code: ErrorCode; reason: string }
  /** A neighbour sent a malformed message: by policy the daemon closes that link. */
  | { type: 'protocol-error'; from: string; reason: string }
  /** Call `tick(atMs)` at (or after) this time. */
  | { type: 'wake'; atMs: number };

export interface RoutingStats {
  messagesSent: number;
  bytesSent: number;
  messagesReceived: number;
  bytesReceived: number;
  recordsAccepted: number;
  recordsDuplicate: number;
  recordsOlder: number;
  recordsRejected: number;
  revocationListsAccepted: number;
  rateLimited: number;
  /** Summary parts acked but not answered: the neighbour's summary budget was spent. */
  summariesRateLimited: number;
  /** Records a summary said were missing that the neighbour holds by its own word, or that are in flight to it. */
  summaryRepliesSuppressed: number;
  retransmissions: number;
  originations: number;
  ownRecordConflicts: number;
  protocolErrors: number;
  expired: number;
  purgedUnreachable: number;
  purgedRevoked: number;
  /** Records whose CA stopped being trusted. */
  purgedUntrusted: number;
  spfRuns: number;
  /** Real milliseconds (from the injected cpu clock; 0 without one). */
  spfTotalMs: number;
  spfWorstMs: number;
}

export function emptyStats(): RoutingStats {
  return {
    messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0,
    recordsAccepted: 0, recordsDuplicate: 0, recordsOlder: 0, recordsRejected: 0, revocationListsAccepted: 0,
    rateLimited: 0, summariesRateLimited: 0, summaryRepliesSuppressed: 0, retransmissions: 0, originations: 0, ownRecordConflicts: 0, protocolErrors: 0,
    expired: 0, purgedUnreachable: 0, purgedRevoked: 0, purgedUntrusted: 0, spfRuns: 0, spfTotalMs: 0, spfWorstMs: 0,
  };
}
