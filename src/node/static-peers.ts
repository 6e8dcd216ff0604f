/**
 * Static peers: links beyond the local segment (`peers = ["host:port"]`).
 * Each configured peer is dialed and kept dialed with capped, jittered
 * backoff; the handshake and every check are exactly those of a discovered
 * link. Once we know which node a peer address leads to, we do not dial it
 * again while a link to that node is up (its own dial to us counts too).
 */
import { DialBackoff } from '../link/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Random } from '../util/random.js';
import { STATIC_VIA, type LinkManager } from './link-manager.js';

/** While a static peer's link is up, check this often whether it still is. */
export const STATIC_PEER_CHECK_MS = 2_000;

export interface PeerAddress {
  spec: string;
  host: string;
  port: number;
}

/** `host:port`, `[v6]:port` or `[fe80::1%eth0]:port`. */
export function parsePeerAddress(spec: string): PeerAddress {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(spec) ?? /^([^:\s[\]]+):(\d{1,5})$/.exec(spec);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || !(port >= 1 && port <= 65535)) {
    throw new SkeinError(ErrorCodes.CONFIG, `peers: '${spec}' is not host:port (IPv6 in brackets, port 1-65535)`);
  }
  return { spec, host: m[1], port };
}

interface PeerState {
  addr: PeerAddress;
  backoff: DialBackoff;
  peerId: string | undefined;
  timer: TimerHandle | undefined;
  dialing: boolean;
}

export class StaticPeers {
  readonly name = 'static-peers';
  private readonly peers: PeerState[];
  private stopped = false;

  constructor(specs: string[], private readonly links: LinkManager, private readonly clock: Clock, random: Random, private readonly log: Logger) {
    this.peers = specs.map((s) => ({ addr: parsePeerAddress(s), backoff: new DialBackoff(clock, random), peerId: undefined, timer: undefined, dialing: false }));
  }

  start(): void {
    for (const p of this.peers) this.attempt(p);
  }

  stop(): void {
    this.stopped = true;
    for (const p of this.peers) p.timer?.cancel();
  }

  private later(p: PeerState, ms: number): void {
    if (this.stopped) return;
    p.timer?.cancel();
    p.timer = this.clock.setTimeout(() => this.attempt(p), ms);
  }

  private attempt(p: PeerState): void {
    if (this.stopped || p.dialing) return;
    if (p.peerId !== undefined && this.links.hasLinkTo(p.peerId, STATIC_VIA)) {
      this.later(p, STATIC_PEER_CHECK_MS);
      return;
    }
    p.dialing = true;
    void this.links.dial(undefined, { host: p.addr.host, port: p.addr.port, via: STATIC_VIA }).then((link) => {
      p.dialing = false;
      if (link) {
        p.peerId = link.peer.idText;
        p.backoff.recordSuccess();
        this.later(p, STATIC_PEER_CHECK_MS);
      } else {
        const delay = p.backoff.recordFailure();
        this.log.debug({ peer: p.addr.spec, retryInMs: Math.round(delay), failures: p.backoff.failures }, 'static peer dial failed');
        this.later(p, delay);
      }
    });
  }
}
