/**
 * Handling what a neighbour sends. The flooding rules:
 *   - a record already held (same or newer sequence) is acknowledged and not
 *     forwarded; an older one is answered with ours;
 *   - a newer one is checked (verify-record.ts) before it is stored, then
 *     acknowledged and queued for every other neighbour;
 *   - a record refused by a rate limit is not acknowledged, so the sender
 *     resends it later: limits delay, they never lose a record; the limits,
 *     cheapest first: the neighbour's message budget, the origin's arrival
 *     budget (record-rate.ts), the neighbour's record budget, the total;
 *   - revocation lists follow the same rules (newest sequence per CA wins)
 *     and purge the origins they revoke;
 *   - a summary part is answered by pushing what the sender lacks, except
 *     what it already holds by its own word on this link (it sent or acked
 *     it) or what is in flight to it, and only within its summary budget:
 *     however many summaries a neighbour sends, each record crosses the
 *     link about once per change;
 *   - an ack ends retransmission.
 */
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import { bytesEqual } from '../codec/codec.js';
import type { RoutingAck } from '../wire/routing-ack.js';
import { decodeRoutingMessage } from '../wire/routing-message.js';
import { decodeRecord, peekRecordKey } from '../wire/routing-record.js';
import type { RoutingRevocation } from '../wire/routing-revocation.js';
import type { RoutingSummary } from '../wire/routing-summary.js';
import type { StoredRecord } from './database.js';
import type { Neighbour } from './neighbour.js';
import type { RouterState } from './state.js';
import { tokensAfter } from './record-rate.js';
import { verifyRecord } from './verify-record.js';

export function handleMessage(state: RouterState, n: Neighbour, bytes: Uint8Array, nowMs: number): void {
  state.stats.messagesReceived++;
  state.stats.bytesReceived += bytes.byteLength;
  if (!n.messageBucket.take(nowMs)) {
    state.stats.rateLimited++;
    return;
  }
  let msg;
  try {
    msg = decodeRoutingMessage(bytes);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    state.stats.protocolErrors++;
    state.emit({ type: 'protocol-error', from: n.id, reason: err.message });
    return;
  }
  switch (msg.type) {
    case 'update':
      for (const rec of msg.records) handleRecord(state, n, rec, nowMs);
      return;
    case 'revocation': return handleRevocation(state, n, msg, nowMs);
    case 'summary': return handleSummary(state, n, msg, nowMs);
    case 'ack': return handleAck(n, msg);
  }
}

function handleRecord(state: RouterState, n: Neighbour, bytes: Uint8Array, nowMs: number): void {
  let key;
  try {
    key = peekRecordKey(bytes);
  } catch (err) {
    state.reject(n.id, undefined, err);
    return;
  }
  const { origin, sequence } = key;
  n.holdsRecord(origin, sequence);
  if (origin === state.self.idText) return handleOwnRecord(state, n, bytes, sequence, nowMs);
  const stored = state.db.get(origin);
  if (stored !== undefined && stored.sequence >= sequence) {
    n.ackRecord(origin, sequence, nowMs);
    if (stored.sequence > sequence) {
      state.stats.recordsOlder++;
      n.queueRecord(origin, nowMs);
    } else {
      state.stats.recordsDuplicate++;
      n.outRecords.delete(origin);
    }
    return;
  }
  const tokens = arrivalTokens(state, stored, nowMs);
  if (tokens < 1 || !n.recordBucket.take(nowMs) || !state.totalRecordBucket.take(nowMs)) {
    state.stats.rateLimited++;
    return;
  }
  n.ackRecord(origin, sequence, nowMs);
  try {
    const rec = verifyRecord(bytes, state.wallMs(nowMs), state, state.opts, tokens - 1);
    rec.receivedAtMs = nowMs;
    state.db.put(rec);
  } catch (err) {
    if (!(err instanceof SkeinError)) throw err;
    state.reject(n.id, origin, err);
    return;
  }
  state.stats.recordsAccepted++;
  n.outRecords.delete(origin);
  state.floodRecord(origin, n.id, nowMs);
  state.markGraphChanged(nowMs);
}

/**
 * The origin's record budget for a record arriving at `nowMs` (accepted
 * when >= 1): recordBurst back to back, then one per minRecordArrivalMs
 * (record-rate.ts), measured between ARRIVALS on our monotonic clock. The
 * origin's issue times are its own claim: spaced 100 ms apart on paper, a
 * storm sent 1 ms apart would otherwise all pass. A new origin has a full budget.
 */
function arrivalTokens(state: RouterState, stored: StoredRecord | undefined, nowMs: number): number {
  const rate = { burst: state.opts.recordBurst, refillMs: state.opts.minRecordArrivalMs };
  if (stored === undefined) return rate.burst;
  return tokensAfter(stored.arrivalTokens, nowMs - stored.receivedAtMs, rate);
}

/**
 * A copy of our own record. Older than ours: answer with ours. Newer, or the
 * same sequence with other content (we restarted and lost our sequence):
 * if it really is signed by our key, jump above it and re-originate.
 */
function handleOwnRecord(state: RouterState, n: Neighbour, bytes: Uint8Array, sequence: number, nowMs: number): void {
  n.ackRecord(state.self.idText, sequence, nowMs);
  const mine = state.db.get(state.self.idText);
  const ours = Math.max(state.lastSequence, mine?.sequence ?? 0);
  if (sequence < ours || (mine !== undefined && sequence === mine.sequence && bytesEqual(bytes, mine.bytes))) {
    if (mine !== undefined && sequence < mine.sequence) n.queueRecord(state.self.idText, nowMs);
    state.stats.recordsDuplicate++;
    return;
  }
  if (!n.recordBucket.take(nowMs)) return;
  let genuine = false;
  try {
    const rec = decodeRecord(bytes);
    genuine = state.signature(rec.signature, rec.signedBody, state.self.publicKey);
  } catch {
    genuine = false;
  }
  if (!genuine) {
    state.reject(n.id, state.self.idText, new SkeinError(ErrorCodes.ROUTING_BAD_SIGNATURE, `a record claiming to be ours (#${sequence}) is not signed by our key`));
    return;
  }
  state.stats.ownRecordConflicts++;
  state.lastSequence = Math.max(state.lastSequence, sequence);
  state.scheduleOrigination(nowMs, true);
}

function handleRevocation(state: RouterState, n: Neighbour, m: RoutingRevocation, nowMs: number): void {
  n.holdsRevocation(m.issuer, m.sequence);
  const held = state.revocationLists.get(m.issuer);
  if (held !== undefined && held.sequence >= m.sequence) {
    n.ackRevocation(m.issuer, m.sequence, nowMs);
    if (held.sequence > m.sequence) n.queueRevocation(m.issuer, nowMs);
    return;
  }
  if (!n.recordBucket.take(nowMs) || !state.totalRecordBucket.take(nowMs)) {
    state.stats.rateLimited++;
    return;
  }
  n.ackRevocation(m.issuer, m.sequence, nowMs);
  try {
    installRevocationList(state, m.list, nowMs, m, n.id);
  } catch (err) {
    if (!(err instanceof SkeinError)) throw err;
    state.reject(n.id, undefined, err);
  }
}

/**
 * Checks and installs a newer list, floods it (except back to `from`) and
 * purges the origins it revokes. Throws SkeinError when the list is refused.
 */
export function installRevocationList(
  state: RouterState, bytes: Uint8Array, nowMs: number, claimed: { issuer: string; sequence: number } | undefined, from: string | undefined,
): boolean {
  const info = state.revocations.checkList(bytes, state.wallMs(nowMs));
  if (claimed !== undefined && (info.issuer !== claimed.issuer || info.sequence !== claimed.sequence)) {
    throw new SkeinError(ErrorCodes.CERT_MALFORMED, `revocation list #${info.sequence} of CA ${info.issuer} was announced as #${claimed.sequence} of ${claimed.issuer}`);
  }
  const held = state.revocationLists.get(info.issuer);
  if (held !== undefined && held.sequence >= info.sequence) return false;
  state.revocations.installList(bytes, info);
  state.revocationLists.set(info.issuer, { sequence: info.sequence, bytes });
  state.stats.revocationListsAccepted++;
  state.floodRevocation(info.issuer, from, nowMs);
  state.emit({ type: 'revocation-list', issuer: info.issuer, sequence: info.sequence, bytes, revoked: info.revoked });
  purgeUntrusted(state, nowMs);
  return true;
}

/**
 * Drops every stored record (ours aside) whose chain no longer stands: a
 * key of it revoked, or its CA no longer trusted. Expiry needs no check
 * here: a record's expiry is already the earliest of its chain's.
 */
export function purgeUntrusted(state: RouterState, nowMs: number): void {
  const { revocations } = state;
  for (const rec of [...state.db.values()]) {
    if (rec.origin === state.self.idText) continue;
    const revoked = rec.keyIds.find((k) => revocations.isRevoked(k));
    const ca = rec.keyIds[rec.keyIds.length - 1];
    const untrusted = ca === undefined || !revocations.isTrustedCa(ca);
    if (revoked === undefined && !untrusted) continue;
    state.db.remove(rec.origin);
    if (revoked !== undefined) state.stats.purgedRevoked++;
    else state.stats.purgedUntrusted++;
    const [code, reason] = revoked !== undefined
      ? [ErrorCodes.CERT_REVOKED, `key ${revoked} of its chain is revoked`]
      : [ErrorCodes.CERT_UNKNOWN_ISSUER, `its CA ${ca ?? '(none)'} is no longer trusted`];
    state.emit({ type: 'record-purged', origin: rec.origin, name: rec.name, code, reason });
    state.markGraphChanged(nowMs);
  }
  for (const issuer of [...state.revocationLists.keys()]) {
    if (!revocations.isTrustedCa(issuer)) state.revocationLists.delete(issuer);
  }
}

function handleSummary(state: RouterState, n: Neighbour, s: RoutingSummary, nowMs: number): void {
  n.ackSummary({ exchangeId: s.exchangeId, part: s.part }, nowMs);
  if (!n.summaryBucket.take(nowMs)) {
    state.stats.summariesRateLimited++;
    return;
  }
  const theirs = new Map(s.records.map((e) => [e.id, e.sequence]));
  for (const rec of state.db.values()) {
    if (rec.origin < s.rangeStart || rec.origin > s.rangeEnd) continue;
    const seq = theirs.get(rec.origin);
    if (seq !== undefined && seq >= rec.sequence) continue;
    if (n.holdsOrAwaits(rec.origin, rec.sequence)) {
      state.stats.summaryRepliesSuppressed++;
      continue;
    }
    n.queueRecord(rec.origin, nowMs);
  }
  if (!s.carriesRevocations) return;
  const lists = new Map(s.revocations.map((e) => [e.id, e.sequence]));
  for (const [issuer, list] of state.revocationLists) {
    const seq = lists.get(issuer);
    if (seq === undefined || seq < list.sequence) n.queueRevocation(issuer, nowMs);
  }
}

function handleAck(n: Neighbour, a: RoutingAck): void {
  n.acknowledged(a);
}
