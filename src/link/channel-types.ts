/**
 * The vocabulary of a SecureChannel: its states, events, close reasons and
 * counters.
 *
 *   handshaking --responder: handshake complete--------------------------> open
 *   handshaking --initiator: sent message 3--> confirming --first authenticated
 *                                              message from the responder--> open
 *   handshaking | confirming | open --close, failure, timeout, stream end--> closed
 *
 * "confirming" is the initiator's key confirmation: it has authenticated the
 * responder, but only a message under the new keys proves the responder
 * accepted it too. A link is reported open only when both sides have.
 */
import type { SkeinError } from '../util/errors.js';
import type { Member } from '../identity/member.js';

export type ChannelState = 'handshaking' | 'confirming' | 'open' | 'closed';

export const CHANNEL_TRANSITIONS: Record<ChannelState, readonly ChannelState[]> = {
  handshaking: ['confirming', 'open', 'closed'],
  confirming: ['open', 'closed'],
  open: ['closed'],
  closed: [],
};

/** Why a link closed; the daemon logs it and switches on `cause`. */
export type LinkCloseCause =
  | 'local' // close() was called
  | 'remote' // the peer sent CLOSE
  | 'stream-ended' // the connection ended (FIN) or closed
  | 'stream-error' // the connection failed (reset, unreachable...)
  | 'peer-silent' // nothing authenticated heard for deadAfterMs
  | 'handshake-timeout'
  | 'refused' // listener: the initiation had a wrong or missing mac1 (nothing was computed or sent)
  | 'handshake-failed' // garbage, tampering, other cluster or protocol version
  | 'auth-failed' // the peer's credentials were refused (CA, validity, revocation, key, expected identity)
  | 'protocol-error' // bad frame or message, or a transport authentication failure, on an open link
  | 'nonce-exhausted'; // the transport message limit was reached

export interface LinkCloseReason {
  cause: LinkCloseCause;
  message: string;
  /** The error behind a failure, with its stable code. */
  error?: SkeinError;
  /** The CLOSE code the peer sent (cause 'remote') or we sent (cause 'local'). */
  closeCode?: number;
}

export interface SecureChannelEvents {
  open: [peer: Member];
  message: [channel: number, data: Uint8Array];
  rtt: [smoothedMs: number, sampleMs: number];
  /** The socket took everything queued: senders that care about loss may resume. */
  drain: [];
  close: [reason: LinkCloseReason];
}

export interface LinkStats {
  state: ChannelState;
  /** Wire bytes, handshake and framing included. */
  bytesSent: number;
  bytesReceived: number;
  /** Link messages after the handshake (payloads and keepalives). */
  messagesSent: number;
  messagesReceived: number;
  /** Payload messages dropped because the send queue was full. */
  dropped: number;
  /** Control messages (keepalives, CLOSE) dropped because their queue was full. */
  controlDropped: number;
  queuedBytes: number;
  queuedMessages: number;
  /** Smoothed RTT in ms, null before the first sample. */
  rttMs: number | null;
  rttLatestMs: number | null;
  rttMinMs: number | null;
  /** Milliseconds since the link opened (0 if it never did). */
  uptimeMs: number;
}
