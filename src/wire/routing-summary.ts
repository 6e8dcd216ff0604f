/**
 * SUMMARY: one part of a database summary, sent when a link comes up so
 * both sides learn at once what the other lacks (like an IS-IS CSNP).
 *
 *   version u8 | type u8 = SUMMARY | exchange id u32 | part u16 | flags u8
 *   | range start [16] | range end [16]            (inclusive, start <= end)
 *   | records count u16 (<= 2048), each: origin [16] | sequence u64, ascending, inside the range
 *   | revocations count u16 (<= 32), each: issuer [16] | sequence u64, ascending
 *
 * A part speaks for its whole id range: a record the receiver holds whose
 * origin falls in the range but is not listed is one the sender lacks. The
 * parts of one summary tile the id space, so no part needs the others.
 * Revocation entries are authoritative only in the part flagged
 * SUMMARY_FLAG_REVOCATIONS (the sender sets it on exactly one part).
 */
import { DecodeError } from '../util/errors.js';
import { toHex } from '../codec/codec.js';
import {
  MAX_SUMMARY_RECORD_ENTRIES,
  MAX_SUMMARY_REVOCATION_ENTRIES,
  ROUTING_ID_BYTES,
  RoutingMessageType,
  SUMMARY_FLAG_REVOCATIONS,
  SUMMARY_FLAGS_KNOWN,
} from './routing-constants.js';
import { readSequenceEntries, routingReader, routingWriter, type SequenceEntry, writeSequenceEntries } from './routing-header.js';

const WHAT = 'routing summary';

export interface RoutingSummary {
  type: 'summary';
  exchangeId: number;
  part: number;
  /** True on the one part whose revocation entries are complete. */
  carriesRevocations: boolean;
  /** Inclusive id range (hex) this part speaks for. */
  rangeStart: string;
  rangeEnd: string;
  records: SequenceEntry[];
  revocations: SequenceEntry[];
}

function checkEntries(s: RoutingSummary, fail: (m: string) => Error): void {
  if (s.rangeStart > s.rangeEnd) throw fail('range start after range end');
  const first = s.records[0];
  const last = s.records[s.records.length - 1];
  if (first !== undefined && first.id < s.rangeStart) throw fail('record entry before the range');
  if (last !== undefined && last.id > s.rangeEnd) throw fail('record entry after the range');
  if (!s.carriesRevocations && s.revocations.length > 0) throw fail('revocation entries in a part not flagged for them');
}

export function encodeSummary(s: Omit<RoutingSummary, 'type'>): Uint8Array {
  checkEntries({ type: 'summary', ...s }, (m) => new RangeError(`${WHAT}: ${m}`));
  for (const list of [s.records, s.revocations]) {
    for (let i = 1; i < list.length; i++) if ((list[i] as SequenceEntry).id <= (list[i - 1] as SequenceEntry).id) throw new RangeError(`${WHAT}: entries not ascending`);
  }
  const w = routingWriter(RoutingMessageType.SUMMARY, WHAT)
    .u32(s.exchangeId, 'exchange id')
    .u16(s.part, 'part')
    .u8(s.carriesRevocations ? SUMMARY_FLAG_REVOCATIONS : 0, 'flags')
    .bytes(Buffer.from(s.rangeStart, 'hex'), ROUTING_ID_BYTES, 'range start')
    .bytes(Buffer.from(s.rangeEnd, 'hex'), ROUTING_ID_BYTES, 'range end');
  writeSequenceEntries(w, s.records, MAX_SUMMARY_RECORD_ENTRIES, 'record entries');
  writeSequenceEntries(w, s.revocations, MAX_SUMMARY_REVOCATION_ENTRIES, 'revocation entries');
  return w.finish();
}

export function decodeSummary(bytes: Uint8Array): RoutingSummary {
  const r = routingReader(bytes, RoutingMessageType.SUMMARY, WHAT);
  const exchangeId = r.u32('exchange id');
  const part = r.u16('part');
  const flags = r.u8('flags');
  if ((flags & ~SUMMARY_FLAGS_KNOWN) !== 0) throw new DecodeError(`${WHAT}: unknown flags 0x${flags.toString(16)}`);
  const rangeStart = toHex(r.bytes(ROUTING_ID_BYTES, 'range start'));
  const rangeEnd = toHex(r.bytes(ROUTING_ID_BYTES, 'range end'));
  const records = readSequenceEntries(r, MAX_SUMMARY_RECORD_ENTRIES, `${WHAT} record entries`, true);
  const revocations = readSequenceEntries(r, MAX_SUMMARY_REVOCATION_ENTRIES, `${WHAT} revocation entries`, true);
  r.end();
  const s: RoutingSummary = {
    type: 'summary', exchangeId, part, carriesRevocations: (flags & SUMMARY_FLAG_REVOCATIONS) !== 0, rangeStart, rangeEnd, records, revocations,
  };
  checkEntries(s, (m) => new DecodeError(`${WHAT}: ${m}`));
  return s;
}
