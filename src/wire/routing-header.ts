/**
 * The two bytes every routing message starts with (`version u8 || type u8`)
 * and the size check every routing decoder makes first; the id + sequence
 * entry lists that summaries and acks share.
 */
import { DecodeError } from '../util/errors.js';
import { Reader, Writer } from '../codec/codec.js';
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

/** Writes a count u16 then the entries (one block, no per-entry allocation: acks run to millions in a big flood). */
export function writeSequenceEntries(w: Writer, entries: readonly SequenceEntry[], max: number, field: string): void {
  w.count16(entries.length, max, field);
  const block = Buffer.allocUnsafe(entries.length * ENTRY_BYTES);
  let at = 0;
  for (const e of entries) {
    if (e.id.length !== 2 * ROUTING_ID_BYTES || block.write(e.id, at, 'hex') !== ROUTING_ID_BYTES) {
      throw new RangeError(`${field}: id must be ${2 * ROUTING_ID_BYTES} hex characters`);
    }
    if (!Number.isSafeInteger(e.sequence) || e.sequence < 0) throw new RangeError(`${field}: sequence out of range`);
    block.writeUInt32BE(Math.floor(e.sequence / 0x1_0000_0000), at + ROUTING_ID_BYTES);
    block.writeUInt32BE(e.sequence >>> 0, at + ROUTING_ID_BYTES + 4);
    at += ENTRY_BYTES;
  }
  w.bytes(block);
}

export function readSequenceEntries(r: Reader, max: number, field: string, ascending: boolean): SequenceEntry[] {
  const n = r.count16(max, field);
  const raw = r.bytes(n * ENTRY_BYTES, field);
  const block = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: SequenceEntry[] = [];
  let prev = '';
  for (let at = 0; at < block.byteLength; at += ENTRY_BYTES) {
    const id = block.toString('hex', at, at + ROUTING_ID_BYTES);
    const hi = block.readUInt32BE(at + ROUTING_ID_BYTES);
    if (hi > MAX_SAFE_HIGH_WORD) throw new DecodeError(`${field}: sequence out of range`);
    const sequence = hi * 0x1_0000_0000 + block.readUInt32BE(at + ROUTING_ID_BYTES + 4);
    if (ascending && id <= prev) throw new DecodeError(`${field}: ids not strictly ascending`);
    out.push({ id, sequence });
    prev = id;
  }
  return out;
}

/** id + u64 */
const ENTRY_BYTES = ROUTING_ID_BYTES + 8;
/** The high 32 bits of a u64 that still fits a JS safe integer. */
export const MAX_SAFE_HIGH_WORD = 0x1f_ffff;
