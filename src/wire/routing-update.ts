/**
 * UPDATE: signed link-state records being flooded.
 *
 *   version u8 | type u8 = UPDATE | count u16 (<= MAX_RECORDS_PER_UPDATE)
 *   | each: record bytes16 (<= MAX_RECORD_BYTES, see routing-record.ts)
 *
 * The records stay opaque here: the router peeks at origin and sequence to
 * drop duplicates cheaply and decodes only what it may store.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { MAX_RECORD_BYTES, MAX_RECORDS_PER_UPDATE, RoutingMessageType } from './routing-constants.js';
import { routingReader, routingWriter } from './routing-header.js';

const WHAT = 'routing update';

export interface RoutingUpdate {
  type: 'update';
  records: Uint8Array[];
}

/** Bytes one more record adds to an UPDATE message. */
export function updateEntryBytes(record: Uint8Array): number {
  return 2 + record.byteLength;
}
/** Header + count. */
export const UPDATE_OVERHEAD_BYTES = 2 + 2;

export function encodeUpdate(records: readonly Uint8Array[]): Uint8Array {
  if (records.length > MAX_RECORDS_PER_UPDATE) throw new SkeinError(ErrorCodes.ENCODE, `${WHAT}: too many records (${records.length})`);
  const w = routingWriter(RoutingMessageType.UPDATE, WHAT).u16(records.length, 'count');
  for (const rec of records) w.bytes16(rec, MAX_RECORD_BYTES, 'record');
  return w.finish();
}

export function decodeUpdate(bytes: Uint8Array): RoutingUpdate {
  const r = routingReader(bytes, RoutingMessageType.UPDATE, WHAT);
  const n = r.count16(MAX_RECORDS_PER_UPDATE, 'records');
  const records: Uint8Array[] = [];
  for (let i = 0; i < n; i++) records.push(r.bytes16(MAX_RECORD_BYTES, 'record'));
  r.end();
  return { type: 'update', records };
}
