/**
 * Keepalives of one link, and its RTT: one exchange per interval serves
 * both ends.
 *
 *   dialer                         listener
 *     PING  challenge a      ->                      every keepaliveIntervalMs, dialer only
 *                            <-  PONG  echo a, challenge b   at once; the dialer's RTT sample
 *     ECHO  echo b           ->                      at once; the listener's RTT sample
 *
 * Three small messages per interval, where a PING and a PONG from each end
 * took four, and each end still hears the other once per interval, which
 * is what silence detection needs.
 *
 * Each sample is timed by the end that takes it, from sending its own
 * challenge to receiving it back. A challenge is 64 random bits, so a
 * neighbour can delay its answer (raising its link's cost) but cannot
 * answer before the challenge reached it (lowering it): the routing rule
 * that each end can only raise the cost of an edge it shares holds for the
 * measurement too. A scheme where the peer reports how long it held a
 * timestamp would need fewer messages and would let it lower the cost.
 *
 * A challenge stays outstanding until it is answered: a keepalive due
 * before then repeats it, so the sample is timed from its first sending and
 * a slow answer counts as slow rather than as lost. An answer that matches
 * no outstanding challenge (a late duplicate, or a guess) gives no sample.
 */
import { AEAD_TAG_BYTES, randomBytes } from '../crypto/primitives.js';
import type { Clock } from '../util/clock.js';
import { FRAME_HEADER_BYTES } from '../wire/link-constants.js';
import { DEFAULT_LINK_CONFIG } from './config.js';
import { type EchoMessage, type PingMessage, type PongMessage, encodeEcho, encodePing, encodePong } from '../wire/link-messages.js';

function randomChallenge(): bigint {
  return Buffer.from(randomBytes(8)).readBigUInt64BE(0);
}

export class KeepaliveExchange {
  private outstanding: { challenge: bigint; sentAt: number } | null = null;

  constructor(private readonly clock: Clock) {}

  /** The PING to send when a keepalive is due (the dialer's timer). */
  ping(): Uint8Array {
    return encodePing({ challenge: this.challenge() });
  }

  /** The PONG that answers `m`, carrying our own challenge. */
  answerPing(m: PingMessage): Uint8Array {
    return encodePong({ echo: m.challenge, challenge: this.challenge() });
  }

  /** The ECHO that answers `m`. */
  answerPong(m: PongMessage): Uint8Array {
    return encodeEcho({ echo: m.challenge });
  }

  /** The RTT sample in milliseconds that an answer to our challenge gives, or null. */
  sample(m: PongMessage | EchoMessage): number | null {
    const pending = this.outstanding;
    if (pending === null || pending.challenge !== m.echo) return null;
    this.outstanding = null;
    return this.clock.monotonic() - pending.sentAt;
  }

  private challenge(): bigint {
    this.outstanding ??= { challenge: randomChallenge(), sentAt: this.clock.monotonic() };
    return this.outstanding.challenge;
  }
}

/** Bytes on the wire of one keepalive exchange: PING, PONG and ECHO, each framed and sealed. */
export const KEEPALIVE_EXCHANGE_WIRE_BYTES = [encodePing({ challenge: 0n }), encodePong({ echo: 0n, challenge: 0n }), encodeEcho({ echo: 0n })]
  .reduce((sum, m) => sum + FRAME_HEADER_BYTES + m.byteLength + AEAD_TAG_BYTES, 0);

/** What keepalives cost each node, on average, with `links` links among `nodes` nodes. */
export function keepaliveBytesPerNodePerSecond(links: number, nodes: number, intervalMs = DEFAULT_LINK_CONFIG.keepaliveIntervalMs): number {
  return (links * KEEPALIVE_EXCHANGE_WIRE_BYTES) / Math.max(1, nodes) / (intervalMs / 1000);
}
