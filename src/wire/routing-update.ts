/**
 * UPDATE: signed link-state records being flooded.
 *
 *   version u8 | type u8 = UPDATE | count u16 (<= MAX_RECORDS_PER_UPDATE)
 *   | each: record bytes16 (<= MAX_RECORD_BYTES, see routing-record.ts)
 *
 * The records stay opaque here: the router peeks at origin and sequence to
 * drop duplicates cheaply and decodes only what it may store. Decoded
 * records are views into the message (most are duplicates and dropped at
 * once; copying each would dominate a flood's cost): the router copies the
 * ones it stores.
 */
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import {
  MAX_RECORD_BYTES,
  MAX_RECORDS_PER_UPDATE,
  MAX_ROUTING_MESSAGE_BYTES,
  ROUTING_WIRE_VERSION,
  RoutingMessageType,
} from './routing-constants.js';
import { routingReader } from './routing-header.js';

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

/** Sized exactly and written once: an UPDATE is the largest and most frequent routing message. */
export function encodeUpdate(records: readonly Uint8Array[]): Uint8Array {
  if (records.length > MAX_RECORDS_PER_UPDATE) throw new SkeinError(ErrorCodes.ENCODE, `${WHAT}: too many records (${records.length})`);
  let size = UPDATE_OVERHEAD_BYTES;
  for (const rec of records) {
    if (rec.byteLength > MAX_RECORD_BYTES) throw new SkeinError(ErrorCodes.ENCODE, `${WHAT}: record too long (${rec.byteLength} bytes)`);
    size += updateEntryBytes(rec);
  }
  if (size > MAX_ROUTING_MESSAGE_BYTES) throw new SkeinError(ErrorCodes.ENCODE, `${WHAT}: ${size} bytes exceeds ${MAX_ROUTING_MESSAGE_BYTES}`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = ROUTING_WIRE_VERSION;
  out[1] = RoutingMessageType.UPDATE;
  view.setUint16(2, records.length);
  let at = UPDATE_OVERHEAD_BYTES;
  for (const rec of records) {
    view.setUint16(at, rec.byteLength);
    out.set(rec, at + 2);
    at += 2 + rec.byteLength;
  }
  return out;
}

export function decodeUpdate(bytes: Uint8Array): RoutingUpdate {
  const r = routingReader(bytes, RoutingMessageType.UPDATE, WHAT);
  const n = r.count16(MAX_RECORDS_PER_UPDATE, 'records');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let at = r.position;
  for (let i = 0; i < n; i++) {
    if (at + 2 > bytes.byteLength) throw new DecodeError(`${WHAT}: truncated at record length`);
    const len = view.getUint16(at);
    if (len > MAX_RECORD_BYTES) throw new DecodeError(`${WHAT}: record too long (${len} > ${MAX_RECORD_BYTES})`);
    if (at + 2 + len > bytes.byteLength) throw new DecodeError(`${WHAT}: truncated record`);
    records.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  if (at !== bytes.byteLength) throw new DecodeError(`${WHAT}: ${bytes.byteLength - at} trailing bytes`);
  return { type: 'update', records };
}
