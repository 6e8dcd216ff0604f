/**
 * The messages carried inside an authenticated link, one codec per type.
 * Every message is `version u8 || type u8 || fields`, fields big-endian:
 *
 *   PING    challenge u64                   keepalive; the peer answers PONG at once
 *   PONG    echo u64, challenge u64         the PING's challenge back, and one of its own
 *   ECHO    echo u64                        the PONG's challenge back
 *   CLOSE   code u8, text string8 (<=200)   why the sender is closing the link
 *   PAYLOAD channel u8, data (the rest)     opaque bytes for routing and the data plane
 *
 * One PING, PONG, ECHO exchange gives both ends an RTT sample (see
 * link/keepalive.ts); challenges are random 64-bit values.
 *
 * Decoders are strict (known version and type, exact lengths, no trailing
 * bytes) and throw only DecodeError.
 */
import { Reader, Writer } from '../codec/codec.js';
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import {
  LINK_CHALLENGE_BYTES,
  LINK_CLOSE_TEXT_MAX_BYTES,
  LINK_MESSAGE_HEADER_BYTES,
  LINK_PAYLOAD_MAX_BYTES,
  LINK_PAYLOAD_OVERHEAD,
  LINK_PROTOCOL_VERSION,
  LinkMessageType,
} from './link-constants.js';

export interface PingMessage {
  type: 'ping';
  challenge: bigint;
}

export interface PongMessage {
  type: 'pong';
  /** The challenge of the PING this answers. */
  echo: bigint;
  challenge: bigint;
}

export interface EchoMessage {
  type: 'echo';
  /** The challenge of the PONG this answers. */
  echo: bigint;
}

export interface CloseMessage {
  type: 'close';
  code: number;
  text: string;
}

export interface PayloadMessage {
  type: 'payload';
  channel: number;
  data: Uint8Array;
}

export type LinkMessage = PingMessage | PongMessage | EchoMessage | CloseMessage | PayloadMessage;

const PONG_BYTES = LINK_MESSAGE_HEADER_BYTES + 2 * LINK_CHALLENGE_BYTES;
const CLOSE_MAX_BYTES = LINK_MESSAGE_HEADER_BYTES + 1 + 1 + LINK_CLOSE_TEXT_MAX_BYTES;

function header(w: Writer, type: number): Writer {
  return w.u8(LINK_PROTOCOL_VERSION, 'version').u8(type, 'type');
}

export function encodePing(m: Omit<PingMessage, 'type'>): Uint8Array {
  return header(new Writer(PONG_BYTES, 'link ping'), LinkMessageType.PING).u64big(m.challenge, 'challenge').finish();
}

export function encodePong(m: Omit<PongMessage, 'type'>): Uint8Array {
  const w = header(new Writer(PONG_BYTES, 'link pong'), LinkMessageType.PONG);
  return w.u64big(m.echo, 'echo').u64big(m.challenge, 'challenge').finish();
}

export function encodeEcho(m: Omit<EchoMessage, 'type'>): Uint8Array {
  return header(new Writer(PONG_BYTES, 'link echo'), LinkMessageType.ECHO).u64big(m.echo, 'echo').finish();
}

export function encodeClose(m: Omit<CloseMessage, 'type'>): Uint8Array {
  const w = header(new Writer(CLOSE_MAX_BYTES, 'link close'), LinkMessageType.CLOSE);
  return w.u8(m.code, 'code').string8(truncateUtf8(m.text, LINK_CLOSE_TEXT_MAX_BYTES), LINK_CLOSE_TEXT_MAX_BYTES, 'text').finish();
}

/**
 * Write a PAYLOAD message's header into `message[0, LINK_PAYLOAD_OVERHEAD)`,
 * for `dataBytes` of data that follow it (the in-place send path).
 */
export function writePayloadHeader(message: Uint8Array, channel: number, dataBytes: number): void {
  checkPayload(channel, dataBytes);
  message[0] = LINK_PROTOCOL_VERSION;
  message[1] = LinkMessageType.PAYLOAD;
  message[2] = channel;
}

function checkPayload(channel: number, dataBytes: number): void {
  if (!Number.isInteger(channel) || channel < 0 || channel > 0xff) {
    throw new SkeinError(ErrorCodes.ENCODE, `link payload: channel ${channel} out of range 0..255`);
  }
  if (dataBytes > LINK_PAYLOAD_MAX_BYTES) {
    throw new SkeinError(ErrorCodes.ENCODE, `link payload: ${dataBytes} bytes exceeds maximum ${LINK_PAYLOAD_MAX_BYTES}`);
  }
}

/** One allocation, one copy (the in-place path is writePayloadHeader). */
export function encodePayload(channel: number, data: Uint8Array): Uint8Array {
  checkPayload(channel, data.byteLength);
  const out = new Uint8Array(LINK_PAYLOAD_OVERHEAD + data.byteLength);
  writePayloadHeader(out, channel, data.byteLength);
  out.set(data, LINK_PAYLOAD_OVERHEAD);
  return out;
}

export function encodeLinkMessage(m: LinkMessage): Uint8Array {
  switch (m.type) {
    case 'ping':
      return encodePing(m);
    case 'pong':
      return encodePong(m);
    case 'echo':
      return encodeEcho(m);
    case 'close':
      return encodeClose(m);
    case 'payload':
      return encodePayload(m.channel, m.data);
  }
}

function decodePingBody(r: Reader): PingMessage {
  const challenge = r.u64big('challenge');
  r.end();
  return { type: 'ping', challenge };
}

function decodePongBody(r: Reader): PongMessage {
  const echo = r.u64big('echo');
  const challenge = r.u64big('challenge');
  r.end();
  return { type: 'pong', echo, challenge };
}

function decodeEchoBody(r: Reader): EchoMessage {
  const echo = r.u64big('echo');
  r.end();
  return { type: 'echo', echo };
}

function decodeCloseBody(r: Reader): CloseMessage {
  const code = r.u8('code');
  const text = r.string8(LINK_CLOSE_TEXT_MAX_BYTES, 'text');
  r.end();
  return { type: 'close', code, text };
}

/**
 * Decode one link message. A PAYLOAD's `data` is a view into `bytes` (no
 * copy): pass a buffer you will not reuse, as the transport's fresh
 * plaintext is.
 */
export function decodeLinkMessage(bytes: Uint8Array): LinkMessage {
  const r = new Reader(bytes, 'link message');
  const version = r.u8('version');
  if (version !== LINK_PROTOCOL_VERSION) throw new DecodeError(`link message: unsupported version ${version}`);
  const type = r.u8('type');
  switch (type) {
    case LinkMessageType.PING:
      return decodePingBody(r);
    case LinkMessageType.PONG:
      return decodePongBody(r);
    case LinkMessageType.ECHO:
      return decodeEchoBody(r);
    case LinkMessageType.CLOSE:
      return decodeCloseBody(r);
    case LinkMessageType.PAYLOAD: {
      const channel = r.u8('channel');
      if (r.remaining > LINK_PAYLOAD_MAX_BYTES) {
        throw new DecodeError(`link payload: ${r.remaining} bytes exceeds maximum ${LINK_PAYLOAD_MAX_BYTES}`);
      }
      return { type: 'payload', channel, data: bytes.subarray(LINK_PAYLOAD_OVERHEAD) };
    }
    default:
      throw new DecodeError(`link message: unknown type ${type}`);
  }
}

/** Cut a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(s).byteLength <= maxBytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = encoder.encode(ch).byteLength;
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}
