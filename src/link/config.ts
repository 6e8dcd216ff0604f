/**
 * Timers and bounds of one link, with the defaults an operator gets. The
 * daemon maps its config file onto `Partial<LinkConfig>`.
 */
import { TRANSPORT_MESSAGE_LIMIT } from '../crypto/transport.js';

export interface LinkConfig {
  /** The whole handshake, including the initiator's key confirmation, must finish within this. */
  handshakeTimeoutMs: number;
  /** The dialer sends a PING this often on an open link; the exchange it starts gives both ends an RTT sample. */
  keepaliveIntervalMs: number;
  /** The peer is declared dead after this long without any authenticated message. */
  deadAfterMs: number;
  /** Bound of queued outgoing payload bytes while the socket is backpressured; beyond it sends are dropped. */
  maxQueuedBytes: number;
  /** Bound of queued outgoing payload messages (many tiny messages cost memory too). */
  maxQueuedMessages: number;
  /** Bound of queued control messages (PING, PONG, ECHO, CLOSE) while backpressured. */
  maxQueuedControl: number;
  /** After close, how long a stream may take to flush before it is destroyed. */
  closeLingerMs: number;
  /** Messages per direction before the link must be closed (rekeying is a later step). */
  transportMessageLimit: number;
}

export const DEFAULT_LINK_CONFIG: Readonly<LinkConfig> = Object.freeze({
  handshakeTimeoutMs: 5_000,
  keepaliveIntervalMs: 1_000,
  deadAfterMs: 4_000,
  maxQueuedBytes: 1024 * 1024,
  maxQueuedMessages: 1024,
  maxQueuedControl: 64,
  closeLingerMs: 1_000,
  transportMessageLimit: TRANSPORT_MESSAGE_LIMIT,
});

/** Defaults filled in once, with sanity checks that name the setting. */
export function resolveLinkConfig(partial: Partial<LinkConfig> = {}): LinkConfig {
  const config: LinkConfig = { ...DEFAULT_LINK_CONFIG, ...partial };
  for (const [key, value] of Object.entries(config)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`link config: ${key} must be a positive number, got ${value}`);
  }
  if (config.deadAfterMs <= config.keepaliveIntervalMs) {
    throw new RangeError(`link config: deadAfterMs (${config.deadAfterMs}) must exceed keepaliveIntervalMs (${config.keepaliveIntervalMs})`);
  }
  return config;
}
