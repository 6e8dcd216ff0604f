/**
 * Any routing message: dispatch on the type byte to the one codec for it.
 * Throws only DecodeError.
 */
import { DecodeError } from '../util/errors.js';
import { MAX_ROUTING_MESSAGE_BYTES, ROUTING_MESSAGE_HEADER_BYTES, RoutingMessageType } from './routing-constants.js';
import { decodeAck, type RoutingAck } from './routing-ack.js';
import { decodeRevocation, type RoutingRevocation } from './routing-revocation.js';
import { decodeSummary, type RoutingSummary } from './routing-summary.js';
import { decodeUpdate, type RoutingUpdate } from './routing-update.js';

export type RoutingMessage = RoutingUpdate | RoutingRevocation | RoutingSummary | RoutingAck;

export function decodeRoutingMessage(bytes: Uint8Array): RoutingMessage {
  if (bytes.byteLength < ROUTING_MESSAGE_HEADER_BYTES || bytes.byteLength > MAX_ROUTING_MESSAGE_BYTES) {
    throw new DecodeError(`routing message: ${bytes.byteLength} bytes is not a possible message size`);
  }
  switch (bytes[1]) {
    case RoutingMessageType.UPDATE: return decodeUpdate(bytes);
    case RoutingMessageType.REVOCATION: return decodeRevocation(bytes);
    case RoutingMessageType.SUMMARY: return decodeSummary(bytes);
    case RoutingMessageType.ACK: return decodeAck(bytes);
    default: throw new DecodeError(`routing message: unknown type ${bytes[1]}`);
  }
}
