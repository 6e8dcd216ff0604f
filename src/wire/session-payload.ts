/**
 * What a session carries: the plaintext of a DATA packet is one session
 * payload, `kind u8 || fields`, big-endian. Sealed end to end, so relays see
 * none of it. (The empty plaintext is the keepalive and never reaches here.)
 *
 *   ECHO_REQUEST  id u16, seq u32, sentAtMicros u64, hopLimit u8, padding
 *                 (hopLimit = what the request was sent with; padding =
 *                 any bytes, for ping -s)
 *   ECHO_REPLY    id u16, seq u32, sentAtMicros u64, requestHops u8,
 *                 hopLimit u8, padding (the request's, echoed)
 *   DATAGRAM      port u16, data (the rest): the library API's datagrams
 *   IP            an IPv6 packet (the rest): the TUN data plane
 *
 * Why echo inside the session and not as a relay-visible packet type: a
 * reply then proves the path works end to end WITH encryption, and no relay
 * can forge, alter or replay one. Hops: a packet sent with hop limit H
 * arrives with H - (relays); the responder reports the request's hops, the
 * sender measures the reply's. Decoders throw only DecodeError.
 */
import { Reader, Writer } from '../codec/codec.js';
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import { MAX_SESSION_PLAINTEXT_BYTES } from './packet-constants.js';

export const SessionPayloadKind = {
  ECHO_REQUEST: 1,
  ECHO_REPLY: 2,
  DATAGRAM: 3,
  IP: 4,
} as const;

/** The payload kind byte that starts every session plaintext. */
export const PAYLOAD_KIND_BYTES = 1;
const KIND_BYTES = PAYLOAD_KIND_BYTES;
const ECHO_REQUEST_FIXED_BYTES = KIND_BYTES + 2 + 4 + 8 + 1;
const ECHO_REPLY_FIXED_BYTES = ECHO_REQUEST_FIXED_BYTES + 1;
export const MAX_ECHO_PADDING_BYTES = MAX_SESSION_PLAINTEXT_BYTES - ECHO_REPLY_FIXED_BYTES;
export const MAX_DATAGRAM_BYTES = MAX_SESSION_PLAINTEXT_BYTES - KIND_BYTES - 2;

export interface EchoRequest {
  kind: 'echo-request';
  id: number;
  seq: number;
  sentAtMicros: number;
  hopLimit: number;
  padding: Uint8Array;
}

export interface EchoReply {
  kind: 'echo-reply';
  id: number;
  seq: number;
  sentAtMicros: number;
  /** Hops the request took, as the responder measured them. */
  requestHops: number;
  /** Hop limit the reply was sent with. */
  hopLimit: number;
  padding: Uint8Array;
}

export interface Datagram {
  kind: 'datagram';
  port: number;
  /** A view into the decoded bytes. */
  data: Uint8Array;
}

export interface IpPacket {
  kind: 'ip';
  /** A view into the decoded bytes. */
  packet: Uint8Array;
}

export type SessionPayload = EchoRequest | EchoReply | Datagram | IpPacket;

export function encodeSessionPayload(p: SessionPayload): Uint8Array {
  const w = new Writer(MAX_SESSION_PLAINTEXT_BYTES, `session ${p.kind}`);
  switch (p.kind) {
    case 'echo-request':
      checkPadding(p.padding.byteLength, ErrorCodes.ENCODE);
      return w.u8(SessionPayloadKind.ECHO_REQUEST).u16(p.id, 'id').u32(p.seq, 'seq').u64(p.sentAtMicros, 'sentAtMicros')
        .u8(p.hopLimit, 'hopLimit').bytes(p.padding).finish();
    case 'echo-reply':
      return w.u8(SessionPayloadKind.ECHO_REPLY).u16(p.id, 'id').u32(p.seq, 'seq').u64(p.sentAtMicros, 'sentAtMicros')
        .u8(p.requestHops, 'requestHops').u8(p.hopLimit, 'hopLimit').bytes(p.padding).finish();
    case 'datagram':
      return w.u8(SessionPayloadKind.DATAGRAM).u16(p.port, 'port').bytes(p.data).finish();
    case 'ip':
      return w.u8(SessionPayloadKind.IP).bytes(p.packet).finish();
  }
}

/**
 * The IP payload over `packet`'s own buffer, no copy: writes the kind byte
 * into the byte before `packet`, which must be the caller's (room).
 */
export function ipPayloadInPlace(packet: Uint8Array): Uint8Array {
  if (packet.byteOffset < KIND_BYTES) throw new RangeError('ipPayloadInPlace: no room for the kind byte');
  const payload = new Uint8Array(packet.buffer, packet.byteOffset - KIND_BYTES, KIND_BYTES + packet.byteLength);
  payload[0] = SessionPayloadKind.IP;
  return payload;
}

/** A request's padding must leave room for the (one byte longer) reply that echoes it. */
function checkPadding(length: number, code: typeof ErrorCodes.ENCODE | typeof ErrorCodes.DECODE): void {
  if (length <= MAX_ECHO_PADDING_BYTES) return;
  const message = `session echo request: ${length} bytes of padding exceeds ${MAX_ECHO_PADDING_BYTES}`;
  throw code === ErrorCodes.DECODE ? new DecodeError(message) : new SkeinError(code, message);
}

/** Decode a session payload; `data`, `packet` and `padding` are views into `bytes`. */
export function decodeSessionPayload(bytes: Uint8Array): SessionPayload {
  if (bytes.byteLength > MAX_SESSION_PLAINTEXT_BYTES) throw new DecodeError(`session payload: ${bytes.byteLength} bytes exceeds maximum`);
  const r = new Reader(bytes, 'session payload');
  const kind = r.u8('kind');
  switch (kind) {
    case SessionPayloadKind.ECHO_REQUEST: {
      const id = r.u16('id');
      const seq = r.u32('seq');
      const sentAtMicros = r.u64('sentAtMicros');
      const hopLimit = r.u8('hopLimit');
      checkPadding(r.remaining, ErrorCodes.DECODE);
      return { kind: 'echo-request', id, seq, sentAtMicros, hopLimit, padding: bytes.subarray(r.position) };
    }
    case SessionPayloadKind.ECHO_REPLY: {
      const id = r.u16('id');
      const seq = r.u32('seq');
      const sentAtMicros = r.u64('sentAtMicros');
      const requestHops = r.u8('requestHops');
      const hopLimit = r.u8('hopLimit');
      return { kind: 'echo-reply', id, seq, sentAtMicros, requestHops, hopLimit, padding: bytes.subarray(r.position) };
    }
    case SessionPayloadKind.DATAGRAM: {
      const port = r.u16('port');
      return { kind: 'datagram', port, data: bytes.subarray(r.position) };
    }
    case SessionPayloadKind.IP:
      if (r.remaining === 0) throw new DecodeError('session payload: empty IP packet');
      return { kind: 'ip', packet: bytes.subarray(r.position) };
    default:
      throw new DecodeError(`session payload: unknown kind ${kind}`);
  }
}

/**
 * Hops a packet travelled: sent with `sentHopLimit`, arrived with
 * `arrivedHopLimit` (each relay takes one; the last hop to the destination
 * does not, so a direct neighbour is 1 hop).
 */
export function hopsTravelled(sentHopLimit: number, arrivedHopLimit: number): number {
  return sentHopLimit - arrivedHopLimit + 1;
}

/** The reply to an echo request that arrived with `arrivedHopLimit`, to send with `replyHopLimit`. */
export function echoReplyFor(request: EchoRequest, arrivedHopLimit: number, replyHopLimit: number): Uint8Array {
  return encodeSessionPayload({
    kind: 'echo-reply', id: request.id, seq: request.seq, sentAtMicros: request.sentAtMicros,
    requestHops: Math.max(0, Math.min(255, hopsTravelled(request.hopLimit, arrivedHopLimit))), hopLimit: replyHopLimit,
    padding: request.padding,
  });
}
