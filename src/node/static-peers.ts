/**
 * Static peers: links beyond the local segment (`peers` in the config, see
 * peer-config.ts). Each configured peer is dialed and kept dialed with
 * capped, jittered backoff; the handshake and every check are exactly those
 * of a discovered link. A pinned peer's dial also carries the name and id it
 * must prove, so the handshake refuses any other member answering at the
 * address (the link manager raises the `security` event). Once we know which
 * node a peer address leads to (from its pinned id, or its first link), we do
 * not dial it again while a link to that node is up (its own dial to us
 * counts too).
 */
import { DialBackoff } from '../link/index.js';
import type { ExpectedPeer } from '../link/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Random } from '../util/random.js';
import { STATIC_VIA, type LinkManager } from './link-manager.js';
import { type PeerAddress, type StaticPeerConfig, describeStaticPeer, expectedPeerOf, parsePeerAddress } from './peer-config.js';

/** While a static peer's link is up, check this often whether it still is. */
export const STATIC_PEER_CHECK_MS = 2_000;

function addressOf(peer: StaticPeerConfig, index: number): PeerAddress {
  const parsed = parsePeerAddress(peer.address);
  if (typeof parsed === 'string') throw new SkeinError(ErrorCodes.CONFIG, `peers[${index}].address: '${peer.address}' ${parsed}`);
  return parsed;
}

interface PeerState {
  addr: PeerAddress;
  label: string;
  expected: ExpectedPeer | undefined;
  backoff: DialBackoff;
  peerId: string | undefined;
  timer: TimerHandle | undefined;
  dialing: boolean;
}

export class StaticPeers {
  readonly name = 'static-peers';
  private readonly peers: PeerState[];
  private stopped = false;

  constructor(peers: readonly StaticPeerConfig[], private readonly links: LinkManager, private readonly clock: Clock, random: Random, private readonly log: Logger) {
    this.peers = peers.map((peer, i) => ({
      addr: addressOf(peer, i),
      label: describeStaticPeer(peer),
      expected: expectedPeerOf(peer),
      backoff: new DialBackoff(clock, random),
      peerId: peer.id,
      timer: undefined,
      dialing: false,
    }));
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
    const target = { host: p.addr.host, port: p.addr.port, via: STATIC_VIA, ...(p.expected ? { expected: p.expected } : {}) };
    void this.links.dial(undefined, target).then((link) => {
      p.dialing = false;
      if (link) {
        p.peerId = link.peer.idText;
        p.backoff.recordSuccess();
        this.later(p, STATIC_PEER_CHECK_MS);
      } else {
        const delay = p.backoff.recordFailure();
        this.log.debug({ peer: p.label, retryInMs: Math.round(delay), failures: p.backoff.failures }, 'static peer dial failed');
        this.later(p, delay);
      }
    });
  }
}
