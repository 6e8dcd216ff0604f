/**
 * The two bytes every routing message starts with (`version u8 || type u8`)
 * and the size check every routing decoder makes first; the id + sequence
 * entry lists that summaries and acks share.
 */
import { DecodeError } from '../util/errors.js';
import { Reader, toHex, Writer } from './codec.js';
import { MAX_ROUTING_MESSAGE_BYTES, ROUTING_ID_BYTES, ROUTING_WIRE_VERSION, type RoutingMessageTypeNumber } from './routing-constants.js';

export function routingWriter(type: RoutingMessageTypeNumber, what: string): Writer {
  return new Writer(MAX_ROUTING_MESSAGE_BYTES, what).u8(ROUTING_WIRE_VERSION, 'version').u8(type, 'type');
}

/** A reader positioned after a checked header of the expected type. */
export function routingReader(bytes: Uint8Array, type: RoutingMessageTypeNumber, what: string): Reader {
  if (bytes.byteLength > MAX_ROUTING_MESSAGE_BYTES) {
    throw new DecodeError(`${what}: too long (${bytes.byteLength} > ${MAX_ROUTING_MESSAGE_BYTES} bytes)`);
  }
  const r = new Reader(bytes, what);
  const version = r.u8('version');
  if (version !== ROUTING_WIRE_VERSION) throw new DecodeError(`${what}: unsupported version ${version}`);
  const got = r.u8('type');
  if (got !== type) throw new DecodeError(`${what}: type ${got} is not ${type}`);
  return r;
}

/** id [16] || sequence u64 pairs, ids as hex: summary and ack entries. */
export interface SequenceEntry {
  id: string;
  sequence: number;
}

/** Writes a count u16 then the entries; `ascending` demands strictly ascending ids. */
export function writeSequenceEntries(w: Writer, entries: readonly SequenceEntry[], max: number, field: string): void {
  w.count16(entries.length, max, field);
  for (const e of entries) {
    if (!/^[0-9a-f]{32}$/.test(e.id)) throw new RangeError(`${field}: id must be 32 lowercase hex characters`);
    w.bytes(Buffer.from(e.id, 'hex'), ROUTING_ID_BYTES, 'id').u64(e.sequence, 'sequence');
  }
}

export function readSequenceEntries(r: Reader, max: number, field: string, ascending: boolean): SequenceEntry[] {
  const n = r.count16(max, field);
  const out: SequenceEntry[] = [];
  let prev = '';
  for (let i = 0; i < n; i++) {
    const id = toHex(r.bytes(ROUTING_ID_BYTES, 'id'));
    const sequence = r.u64('sequence');
    if (ascending && id <= prev) throw new DecodeError(`${field}: ids not strictly ascending`);
    out.push({ id, sequence });
    prev = id;
  }
  return out;
}
