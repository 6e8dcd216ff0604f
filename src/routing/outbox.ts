/**
 * Turns one neighbour's queues into wire messages, as few as the bounds
 * allow, and records what now awaits an acknowledgement. Order on the wire:
 * revocation lists first (so the receiver purges revoked origins before it
 * sees their records), then summary parts, records, and acks last.
 */
import { encodeAck } from '../wire/routing-ack.js';
import {
  MAX_ACK_RECORD_ENTRIES,
  MAX_ACK_REVOCATION_ENTRIES,
  MAX_ACK_SUMMARY_ENTRIES,
  MAX_RECORDS_PER_UPDATE,
  MAX_ROUTING_MESSAGE_BYTES,
} from '../wire/routing-constants.js';
import type { SequenceEntry } from '../wire/routing-header.js';
import { encodeRevocation } from '../wire/routing-revocation.js';
import { encodeUpdate, UPDATE_OVERHEAD_BYTES, updateEntryBytes } from '../wire/routing-update.js';
import { type Neighbour, summaryKey } from './neighbour.js';

export interface Flushable {
  /** The stored record of an origin (self included), if any. */
  record(origin: string): { sequence: number; bytes: Uint8Array } | undefined;
  revocationList(issuer: string): { sequence: number; bytes: Uint8Array } | undefined;
  /** The stored record of `origin` was just put in a message to a neighbour. */
  recordSent(origin: string): void;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function entries(m: Map<string, number>): SequenceEntry[] {
  return [...m].map(([id, sequence]) => ({ id, sequence }));
}

function flushRecords(n: Neighbour, source: Flushable, nowMs: number, out: Uint8Array[]): void {
  let batch: Uint8Array[] = [];
  let size = UPDATE_OVERHEAD_BYTES;
  for (const origin of n.outRecords) {
    const rec = source.record(origin);
    if (rec === undefined) continue;
    const add = updateEntryBytes(rec.bytes);
    if (batch.length > 0 && (size + add > MAX_ROUTING_MESSAGE_BYTES || batch.length >= MAX_RECORDS_PER_UPDATE)) {
      out.push(encodeUpdate(batch));
      batch = [];
      size = UPDATE_OVERHEAD_BYTES;
    }
    batch.push(rec.bytes);
    size += add;
    n.pendingRecords.set(origin, { sequence: rec.sequence, sentAtMs: nowMs });
    source.recordSent(origin);
  }
  if (batch.length > 0) out.push(encodeUpdate(batch));
  n.outRecords.clear();
}

function flushAcks(n: Neighbour, out: Uint8Array[]): void {
  const records = chunk(entries(n.ackRecords), MAX_ACK_RECORD_ENTRIES);
  const revocations = chunk(entries(n.ackRevocations), MAX_ACK_REVOCATION_ENTRIES);
  const summaries = chunk(n.ackSummaries, MAX_ACK_SUMMARY_ENTRIES);
  const messages = Math.max(records.length, revocations.length, summaries.length);
  for (let i = 0; i < messages; i++) {
    out.push(encodeAck({ records: records[i] ?? [], revocations: revocations[i] ?? [], summaryParts: summaries[i] ?? [] }));
  }
  n.ackRecords.clear();
  n.ackRevocations.clear();
  n.ackSummaries.length = 0;
}

/** Encodes everything queued for `n`; the caller sends the messages in order. */
export function flushNeighbour(n: Neighbour, source: Flushable, nowMs: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const issuer of n.outRevocations) {
    const list = source.revocationList(issuer);
    if (list === undefined) continue;
    out.push(encodeRevocation({ issuer, sequence: list.sequence, list: list.bytes }));
    n.pendingRevocations.set(issuer, { sequence: list.sequence, sentAtMs: nowMs });
  }
  n.outRevocations.clear();
  for (const s of n.outSummaries) {
    out.push(s.bytes);
    n.pendingSummaries.set(summaryKey(s.ref), { ...s, sentAtMs: nowMs });
  }
  n.outSummaries.length = 0;
  flushRecords(n, source, nowMs, out);
  flushAcks(n, out);
  n.flushDueAt = Infinity;
  n.lastFlushAt = nowMs;
  n.markSent(nowMs);
  return out;
}
