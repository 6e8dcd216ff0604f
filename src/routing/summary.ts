/**
 * Database summaries: built when a link comes up, answered by pushing what
 * the other side lacks. The parts tile the whole id space (part i speaks for
 * [its first origin, the next part's first origin - 1], the first from
 * 00..00, the last to ff..ff), so each part is answered on its own and a
 * lost part is simply resent.
 */
import { MAX_SUMMARY_RECORD_ENTRIES } from '../wire/routing-constants.js';
import type { SequenceEntry } from '../wire/routing-header.js';
import { encodeSummary } from '../wire/routing-summary.js';
import type { SummaryPartRef } from '../wire/routing-ack.js';

export const MIN_ID = '0'.repeat(32);
export const MAX_ID = 'f'.repeat(32);

function predecessor(id: string): string {
  return (BigInt(`0x${id}`) - 1n).toString(16).padStart(32, '0');
}

export interface SummaryPart {
  ref: SummaryPartRef;
  bytes: Uint8Array;
}

/** `records` and `revocations` need not be sorted. */
export function buildSummary(records: SequenceEntry[], revocations: SequenceEntry[], exchangeId: number): SummaryPart[] {
  const byId = (a: SequenceEntry, b: SequenceEntry) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sorted = [...records].sort(byId);
  const chunks: SequenceEntry[][] = [];
  for (let i = 0; i < sorted.length; i += MAX_SUMMARY_RECORD_ENTRIES) chunks.push(sorted.slice(i, i + MAX_SUMMARY_RECORD_ENTRIES));
  if (chunks.length === 0) chunks.push([]);
  return chunks.map((entries, part) => {
    const next = chunks[part + 1]?.[0];
    const s = {
      exchangeId,
      part,
      carriesRevocations: part === 0,
      rangeStart: part === 0 ? MIN_ID : (entries[0] as SequenceEntry).id,
      rangeEnd: next === undefined ? MAX_ID : predecessor(next.id),
      records: entries,
      revocations: part === 0 ? [...revocations].sort(byId) : [],
    };
    return { ref: { exchangeId, part }, bytes: encodeSummary(s) };
  });
}
