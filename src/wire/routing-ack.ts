/**
 * ACK: "I have this (or newer); stop retransmitting it." Flooding is
 * reliable per link: every record, revocation list and summary part sent is
 * retransmitted until acknowledged, so a lost or dropped message (loss in the
 * simulator, a rate limit, a full send queue in the daemon) only delays.
 *
 *   version u8 | type u8 = ACK
 *   | records count u16 (<= 2048), each: origin [16] | sequence u64
 *   | revocations count u16 (<= 32), each: issuer [16] | sequence u64
 *   | summary parts count u16 (<= 32), each: exchange id u32 | part u16
 */
import {
  MAX_ACK_RECORD_ENTRIES,
  MAX_ACK_REVOCATION_ENTRIES,
  MAX_ACK_SUMMARY_ENTRIES,
  RoutingMessageType,
} from './routing-constants.js';
import { readSequenceEntries, routingReader, routingWriter, type SequenceEntry, writeSequenceEntries } from './routing-header.js';

const WHAT = 'routing ack';

export interface SummaryPartRef {
  exchangeId: number;
  part: number;
}

export interface RoutingAck {
  type: 'ack';
  records: SequenceEntry[];
  revocations: SequenceEntry[];
  summaryParts: SummaryPartRef[];
}

export function encodeAck(a: Omit<RoutingAck, 'type'>): Uint8Array {
  const w = routingWriter(RoutingMessageType.ACK, WHAT);
  writeSequenceEntries(w, a.records, MAX_ACK_RECORD_ENTRIES, 'record acks');
  writeSequenceEntries(w, a.revocations, MAX_ACK_REVOCATION_ENTRIES, 'revocation acks');
  w.count16(a.summaryParts.length, MAX_ACK_SUMMARY_ENTRIES, 'summary acks');
  for (const p of a.summaryParts) w.u32(p.exchangeId, 'exchange id').u16(p.part, 'part');
  return w.finish();
}

export function decodeAck(bytes: Uint8Array): RoutingAck {
  const r = routingReader(bytes, RoutingMessageType.ACK, WHAT);
  const records = readSequenceEntries(r, MAX_ACK_RECORD_ENTRIES, `${WHAT} records`, false);
  const revocations = readSequenceEntries(r, MAX_ACK_REVOCATION_ENTRIES, `${WHAT} revocations`, false);
  const n = r.count16(MAX_ACK_SUMMARY_ENTRIES, 'summary acks');
  const summaryParts: SummaryPartRef[] = [];
  for (let i = 0; i < n; i++) summaryParts.push({ exchangeId: r.u32('exchange id'), part: r.u16('part') });
  r.end();
  return { type: 'ack', records, revocations, summaryParts };
}
