/**
 * REVOCATION: one CA-signed revocation list being flooded.
 *
 *   version u8 | type u8 = REVOCATION | issuer [16] | sequence u64
 *   | list bytes32 (<= MAX_REVOCATION_LIST_BYTES)
 *
 * The list is opaque here (identity/revocation.ts owns its format). Issuer
 * and sequence are repeated in clear so a receiver can drop a copy it already
 * has and acknowledge any copy without verifying it; after verification the
 * router refuses a list whose signed issuer or sequence differ from these.
 */
import { toHex } from '../codec/codec.js';
import { MAX_REVOCATION_LIST_BYTES, ROUTING_ISSUER_ID_BYTES, RoutingMessageType } from './routing-constants.js';
import { routingReader, routingWriter } from './routing-header.js';

const WHAT = 'routing revocation';

export interface RoutingRevocation {
  type: 'revocation';
  /** Key id of the signing CA, hex. */
  issuer: string;
  sequence: number;
  list: Uint8Array;
}

export function encodeRevocation(m: Omit<RoutingRevocation, 'type'>): Uint8Array {
  return routingWriter(RoutingMessageType.REVOCATION, WHAT)
    .bytes(Buffer.from(m.issuer, 'hex'), ROUTING_ISSUER_ID_BYTES, 'issuer')
    .u64(m.sequence, 'sequence')
    .bytes32(m.list, MAX_REVOCATION_LIST_BYTES, 'list')
    .finish();
}

export function decodeRevocation(bytes: Uint8Array): RoutingRevocation {
  const r = routingReader(bytes, RoutingMessageType.REVOCATION, WHAT);
  const issuer = toHex(r.bytes(ROUTING_ISSUER_ID_BYTES, 'issuer'));
  const sequence = r.u64('sequence');
  const list = r.bytes32(MAX_REVOCATION_LIST_BYTES, 'list');
  r.end();
  return { type: 'revocation', issuer, sequence, list };
}
